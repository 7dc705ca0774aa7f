"""memberlink: wiring only. Every route lives in a blueprint under chalicelib/api/; every schedule is here."""

from typing import Any

from chalice.app import Chalice, Rate, SQSEvent

from chalicelib.api.accounts import accounts
from chalicelib.api.admin import admin
from chalicelib.api.binding import binding
from chalicelib.api.consents import consents
from chalicelib.api.customers import customers
from chalicelib.api.http import contract_errors
from chalicelib.api.inbox import inbox
from chalicelib.api.lifecycle import lifecycle
from chalicelib.api.members import members
from chalicelib.api.messages import messages
from chalicelib.api.pages import pages
from chalicelib.api.reports import reports
from chalicelib.api.search import search
from chalicelib.api.senders import senders
from chalicelib.api.staff import staff
from chalicelib.api.team import team
from chalicelib.api.webhooks import webhooks
from chalicelib.config import (
    CHANNEL_WORK_CONCURRENCY,
    CHANNEL_WORK_FUNCTION,
    channel_queue_name,
    local_routes_enabled,
    stage_name,
)

STAGE = stage_name()  # no stage, no start: a process never guesses "local" (StageNotSet names the fix)

app = Chalice(app_name="memberlink", configure_logs=False)  # logs go out through chalicelib/logs.py alone (redacted)
# Every image type of chalicelib.messages.uploads arrives (POST /admin/uploads/direct) and leaves as bytes;
# Chalice's defaults lack image/webp. Listed here, not imported, so the wiring loads no domain code.
app.api.binary_types = sorted({*app.api.binary_types, "image/jpeg", "image/png", "image/gif", "image/webp"})
for blueprint in (admin, webhooks, inbox, binding, accounts, members, search, staff, reports, messages, lifecycle,
                  pages, consents, customers, team, senders):
    app.register_blueprint(blueprint)
app.register_middleware(contract_errors, "http")

if local_routes_enabled():
    from chalicelib.api.local import local  # the sandbox-only routes exist only where they are enabled

    app.register_blueprint(local)

# --- work handed off the request path (chalicelib/handoff.py; the template names and grants each target) ---


@app.lambda_function(name="deferred")
def run_deferred(event: dict[str, Any], context: object) -> dict[str, bool]:
    """A task the API handed off so that its answer does not wait (a password reset's delivery)."""
    from chalicelib import deferred

    deferred.run(dict(event))
    return {"ok": True}


# --- schedules (issue 7: reports) ---
# Each handler below imports its area inside the function: a function loads only its own code (cold start).


@app.schedule(Rate(1, unit=Rate.HOURS), name="compile_reports")
def compile_reports(event: object) -> dict[str, int]:
    """Hourly, because stores' midnights fall at different UTC hours: every store's ended, missing days."""
    from chalicelib import clock
    from chalicelib.reports.compiler import run_scheduled  # report code loads with the schedule, not the API

    summary = run_scheduled(clock.now())
    return {"stores": summary.stores, "compiled": len(summary.compiled), "failed": len(summary.failed)}


# --- inbound e-mail (issue 14: shop and order messages) ---


@app.lambda_function(name="inbound_email")
def inbound_email(event: dict[str, Any], context: object) -> dict[str, list[str]]:
    """S3 ObjectCreated under ``inbound/mail/`` (SES receipt rule -> bucket -> this function).

    Declared as a plain function because ``chalice package`` cannot emit ``on_s3_event`` for a bucket in
    the same template; infra/template.py wires the bucket notification to it instead.
    """
    from chalicelib import clock
    from chalicelib.messages import inbound

    results = inbound.handle_event(event, clock.now())
    return {"outcomes": [result.outcome.value for result in results]}


# --- schedules (issue 15: customer lifecycle) ---


@app.schedule(Rate(1, unit=Rate.HOURS), name="lifecycle_daily")
def lifecycle_daily(event: object) -> dict[str, int]:
    """Hourly, because stores' midnights fall at different UTC hours: each store's ended day, once."""
    from chalicelib import clock
    from chalicelib.lifecycle.daily import budget_of, run_scheduled
    from chalicelib.lifecycle.handoff import hand_off

    context = getattr(event, "context", None)  # Lambda's: the budget follows the function's timeout in the template
    return {"runs": len(run_scheduled(clock.now(), hand_off, budget_of(context)))}


@app.lambda_function(name="lifecycle_continue")
def lifecycle_continue(event: dict[str, object], context: object) -> dict[str, bool]:
    """The rest of a daily run that did not fit one invocation (invoked asynchronously by the run itself)."""
    from chalicelib import clock
    from chalicelib.lifecycle.daily import budget_of, continue_run
    from chalicelib.lifecycle.handoff import hand_off

    return {"done": continue_run(dict(event), clock.now(), hand_off, budget_of(context)).done}


# --- marketing consent (issue 16) ---


@app.lambda_function(name="ses_feedback")
def ses_feedback(event: dict[str, Any], context: object) -> dict[str, list[Any]]:
    """SES bounces and complaints from the configuration set's SNS topic (SNS -> this function).

    A plain function rather than ``on_sns_message``: the topic's name carries the stage, which the
    decorator would need at import time; infra/template.py declares the topic, its subscription and
    the permission instead.
    """
    from dataclasses import asdict

    from chalicelib import clock
    from chalicelib.consent import feedback

    outcomes = feedback.handle_sns_event(event, clock.now())
    return {"outcomes": [outcome.kind for outcome in outcomes], "details": [asdict(outcome) for outcome in outcomes]}


@app.lambda_function(name="marketing_send")
def marketing_send(event: dict[str, Any], context: object) -> dict[str, bool]:
    """Pages of a marketing send (invoked asynchronously by POST /admin/marketing-* and by itself to go on)."""
    from chalicelib import clock
    from chalicelib.marketing import sends

    sends.run(dict(event), clock.now())
    return {"ok": True}


# --- customer exports (issue 28) ---


@app.lambda_function(name="customer_export")
def customer_export(event: dict[str, Any], context: object) -> dict[str, bool]:
    """Chunks of a customer export (invoked asynchronously by POST /admin/customer-exports and by itself to go on)."""
    from chalicelib import clock
    from chalicelib.members import exports

    exports.run(dict(event), clock.now())
    return {"ok": True}


# --- outbound channel work: auto-replies and profile look-ups, off the webhook's path ---


@app.on_sqs_message(queue=channel_queue_name(), batch_size=10, name=CHANNEL_WORK_FUNCTION,
                    maximum_concurrency=CHANNEL_WORK_CONCURRENCY)
def channel_work(event: SQSEvent) -> dict[str, list[dict[str, str]]]:
    """Auto-replies and profile look-ups the webhooks queued, paced per page and channel.

    Answers Lambda's partial-batch shape (the template turns ``ReportBatchItemFailures`` on): only the
    records named there come back; the rest are deleted from the queue.
    """
    from chalicelib import clock
    from chalicelib.inbox import channel_work as work

    context: Any = event.context

    def remaining() -> float:
        return context.get_remaining_time_in_millis() / 1000.0 if context is not None else 900.0

    return work.handle_records(event.to_dict()["Records"], clock.now, remaining)
