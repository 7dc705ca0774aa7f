"""`make run`: the whole system on this machine, no AWS account.

One process: moto's ThreadedMotoServer as the AWS endpoint, the stage's tables and bucket, the
channel sandbox, the API through Chalice's local server, a timer for the schedules, and a seeded
demo store written to .local/demo.json. Ctrl-C stops everything.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import threading
from pathlib import Path
from typing import Any

from local.stage import PROJECT_DIR, stage_environment

DEMO_FILE = PROJECT_DIR / ".local" / "demo.json"


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        return sock.connect_ex(("127.0.0.1", port)) != 0


def configure_environment(aws_port: int) -> None:
    """The local stage's variables plus an embedded-AWS endpoint: the only switch from AWS."""
    os.environ.update(stage_environment("local"))
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{aws_port}"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    # moto accepts any credentials; never use a developer's real ones against the sandbox.
    os.environ["AWS_ACCESS_KEY_ID"] = "local"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "local"  # noqa: S105 - placeholder for moto
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)


def demo_channels() -> dict[str, dict[str, str]]:
    """Credentials for every channel of the demo store, random each run."""
    return {
        "facebook": {"page_id": "100000000000001", "app_secret": secrets.token_hex(16),
                     "verify_token": secrets.token_urlsafe(12), "access_token": "EAAdemo" + secrets.token_hex(16)},
        "instagram": {"ig_user_id": "17841400000000001", "app_secret": secrets.token_hex(16),
                      "verify_token": secrets.token_urlsafe(12), "access_token": "IGQdemo" + secrets.token_hex(16)},
        "whatsapp": {"phone_number_id": "106540352242922", "app_secret": secrets.token_hex(16),
                     "verify_token": secrets.token_urlsafe(12), "access_token": "EAAwa" + secrets.token_hex(16)},
        "line": {"channel_secret": secrets.token_hex(16), "channel_access_token": secrets.token_urlsafe(32)},
    }


def seed_demo_store(api: str, storefront_url: str) -> dict[str, Any]:
    from chalicelib import clock, stores
    from chalicelib.channels import configure_channel

    now = clock.now()
    created = stores.create_store("Demo Tea House", "TW", "Asia/Taipei", now)
    stores.update_settings(created.store_id, {"storefront_url": storefront_url,
                                              "shop_email": "shop@demo-tea-house.example"}, now)
    branch = stores.create_branch(created.store_id, "Taipei Flagship", now)
    staff = stores.create_staff(created.store_id, "Demo Staff", branch.branch_id, now)
    channels = demo_channels()
    for channel, values in channels.items():
        configure_channel(created.store_id, channel, values, now)
    return {"store_id": created.store_id, "admin_key": created.admin_key,
            "storefront_key": created.storefront_key, "staff_key": staff.staff_key,
            "branch_id": branch.branch_id, "staff_id": staff.staff.staff_id, "channels": channels}


def serialize_dynamodb() -> None:
    """One DynamoDB request at a time in the embedded AWS, as DynamoDB itself isolates transactions.

    moto checks a transaction's conditions and applies it without a lock, and rolls a cancelled one back
    by restoring copies of whole tables: two concurrent requests could both pass a condition, or a
    rollback could erase another request's write. (Binding: of 20 concurrent redemptions exactly one wins.)
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if getattr(DomainDispatcherApplication, "_memberlink_serialized", False):
        return
    lock = threading.Lock()
    dispatch = DomainDispatcherApplication.__call__

    def serialized(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB_"):
            return dispatch(self, environ, start_response)
        with lock:
            return list(dispatch(self, environ, start_response))  # the body is produced inside the lock

    DomainDispatcherApplication.__call__ = serialized  # type: ignore[method-assign]
    DomainDispatcherApplication._memberlink_serialized = True  # type: ignore[attr-defined]


def run(port: int, aws_port: int, demo_file: Path = DEMO_FILE) -> None:
    for name, value in (("PORT", port), ("AWS_PORT", aws_port)):
        if not _port_free(value):
            raise SystemExit(f"port {value} is in use: set {name} to a free port (e.g. {name}={value + 10} make run)")
    configure_environment(aws_port)

    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per AWS call drowns the API's log

    serialize_dynamodb()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=aws_port, verbose=False)
    moto.start()
    sandbox = None
    server = None
    scheduler = None
    try:
        from local.resources import create_resources

        create_resources()

        from local.channel_sandbox import ChannelSandbox

        if not (os.environ.get("GRAPH_API_BASE_URL") and os.environ.get("LINE_API_BASE_URL")):
            sandbox = ChannelSandbox().start()
            os.environ["LOCAL_SANDBOX_URL"] = sandbox.url
            os.environ.setdefault("GRAPH_API_BASE_URL", f"{sandbox.url}/graph")
            os.environ.setdefault("LINE_API_BASE_URL", f"{sandbox.url}/line")

        from chalice.cli.factory import CLIFactory
        from chalice.local import create_local_server

        factory = CLIFactory(str(PROJECT_DIR), environ=os.environ)
        config = factory.create_config_obj(chalice_stage_name="local")
        app = config.chalice_app
        server = create_local_server(app, config, "127.0.0.1", port)
        threading.Thread(target=server.serve_forever, name="api", daemon=True).start()

        from local.scheduler import Scheduler

        scheduler = Scheduler(app, tick_seconds=float(os.environ.get("SCHEDULER_TICK_SECONDS", "5"))).start()

        api = f"http://127.0.0.1:{port}"
        demo = seed_demo_store(api, os.environ.get("STOREFRONT_URL", "http://localhost:3000"))
        if sandbox is not None:
            sandbox.outbox.accounts.update({
                demo["channels"]["facebook"]["page_id"]: "facebook",
                demo["channels"]["instagram"]["ig_user_id"]: "instagram",
                demo["channels"]["whatsapp"]["phone_number_id"]: "whatsapp",
            })
        info = {"api": api, "aws_endpoint": os.environ["AWS_ENDPOINT_URL"],
                "reports_bucket": os.environ["REPORTS_BUCKET"],
                "channel_sandbox": sandbox.url if sandbox else None, **demo}
        demo_file.parent.mkdir(parents=True, exist_ok=True)
        demo_file.write_text(json.dumps(info, indent=2) + "\n")
        demo_file.chmod(0o600)
        print(banner(info, demo_file), flush=True)

        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        stop.wait()
        print("\nstopping memberlink local sandbox", flush=True)
    finally:
        if scheduler:
            scheduler.stop()
        if server:
            server.shutdown()
        if sandbox:
            sandbox.stop()
        moto.stop()


def banner(info: dict[str, Any], demo_file: Path) -> str:
    api, key = info["api"], info["admin_key"]
    return f"""
memberlink is running locally (no AWS account involved).

  API                {api}
  embedded AWS       {info['aws_endpoint']}   (DynamoDB, SSM, SNS, S3 on moto)
  channel sandbox    {info['channel_sandbox'] or 'off (GRAPH_API_BASE_URL and LINE_API_BASE_URL are set)'}
  demo store         {info['store_id']}  (keys and channel secrets in {demo_file})

Try:
  curl -s {api}/admin/settings -H "Authorization: Bearer {key}"
  curl -s -X PUT {api}/admin/settings -H "Authorization: Bearer {key}" \\
       -H "Content-Type: application/json" -d '{{"sms_daily_cap": 500}}'
  curl -s {api}/_local/clock
  curl -s -X POST {api}/_local/clock -H "Content-Type: application/json" -d '{{"advance_seconds": 3600}}'
  curl -s -X POST {api}/_local/schedules/run
  curl -s {api}/_local/outbox

Ctrl-C stops everything.
"""
