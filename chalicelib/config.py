"""Runtime configuration, read lazily from the environment.

chalice.test.Client only patches a stage's environment variables into ``os.environ`` during a
request, so nothing here may be read at import time: call :func:`settings` when you need it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

LOCAL_STAGE = "local"


@dataclass(frozen=True)
class Settings:
    stage: str
    table_prefix: str
    ssm_prefix: str
    reports_bucket: str
    graph_api_base_url: str
    line_api_base_url: str
    local_sandbox_url: str | None
    max_body_bytes: int
    inbound_email_domain: str  # lower case: the domain whose MX points at SES inbound (reply+ and unsubscribe+)

    @property
    def is_local(self) -> bool:
        return self.stage == LOCAL_STAGE


class StageNotSet(RuntimeError):
    """No stage in the environment: the process refuses to start rather than guess (never "local")."""


def stage_name() -> str:
    """The stage this process serves (``STAGE``, set by the template); raises :class:`StageNotSet` without one."""
    stage = os.environ.get("STAGE", "").strip()
    if not stage:
        raise StageNotSet("STAGE is not set: memberlink serves one named stage (local, dev, prod), set by the "
                          "template or by .chalice/config.json; it never defaults to local")
    return stage


def settings() -> Settings:
    stage = stage_name()
    return Settings(
        stage=stage,
        table_prefix=table_prefix(),
        ssm_prefix=os.environ.get("SSM_PREFIX", f"/memberlink/{stage}"),
        reports_bucket=os.environ.get("REPORTS_BUCKET", f"memberlink-{stage}-reports"),
        graph_api_base_url=os.environ.get("GRAPH_API_BASE_URL", "https://graph.facebook.com"),
        line_api_base_url=os.environ.get("LINE_API_BASE_URL", "https://api.line.me"),
        local_sandbox_url=os.environ.get("LOCAL_SANDBOX_URL") or None,
        max_body_bytes=int(os.environ.get("MAX_BODY_BYTES", str(64 * 1024))),
        inbound_email_domain=(os.environ.get("INBOUND_EMAIL_DOMAIN") or "inbound.memberlink.local").lower(),
    )


def table_prefix() -> str:
    """Prefix of every DynamoDB table name; one set of tables per stage."""
    return os.environ.get("TABLE_PREFIX") or f"memberlink-{stage_name()}"


def local_routes_enabled() -> bool:
    """The /_local routes exist only when the app is imported for the local stage."""
    return stage_name() == LOCAL_STAGE


# --- outbound channel work (the SQS queue between the webhook and the channels) ---------------------

CHANNEL_WORK_FUNCTION = "channel_work"  # app.py's @app.on_sqs_message consumer
CHANNEL_WORK_CONCURRENCY = 2  # the event source's MaximumConcurrency (2 is SQS's minimum): pacing divides by it
CHANNEL_QUEUE_URL_ENV = "CHANNEL_QUEUE_URL"  # set by the template (Ref of the queue) and by the local stack


def channel_queue_name(stage: str | None = None) -> str:
    """``memberlink-<stage>-channel-work``. Read at import by app.py's decorator: Lambda, ``chalice package``
    and the local stack all import app.py with the stage's variables already set (unlike chalice.test.Client)."""
    return f"memberlink-{stage or stage_name()}-channel-work"


def channel_queue_url() -> str:
    url = os.environ.get(CHANNEL_QUEUE_URL_ENV)
    if not url:
        raise RuntimeError(f"{CHANNEL_QUEUE_URL_ENV} is not set: the template (or the local stack) sets it")
    return url
