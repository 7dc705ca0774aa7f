"""`make run`: the whole system on this machine, no AWS account.

One process: moto's ThreadedMotoServer as the AWS endpoint, the stage's tables and bucket, the
channel sandbox, the API through Chalice's local server, a timer for the schedules, and a seeded
demo store written to .local/demo.json. Set the shell variables every page of docs/ uses (API, ADMIN_KEY, ...):
  eval "$(.venv/bin/python manage.py env)"

Ctrl-C stops everything and saves the data for the next `make run` (`make run FRESH=1` starts clean).
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


def _wants_fresh() -> bool:
    return os.environ.get("FRESH", "").strip().lower() in ("1", "true", "yes")


def run(port: int, aws_port: int, demo_file: Path = DEMO_FILE, fresh: bool = False,
        template_file: Path | None = None) -> None:
    for name, value in (("PORT", port), ("AWS_PORT", aws_port)):
        if not _port_free(value):
            raise SystemExit(f"port {value} is in use: set {name} to a free port (e.g. {name}={value + 10} make run)")
    configure_environment(aws_port)

    import logging

    from moto.server import ThreadedMotoServer

    from local import faithful_dynamodb, moto_transactions, state

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per AWS call drowns the API's log

    state_file = demo_file.parent / STATE_FILE_NAME
    fresh = fresh or _wants_fresh()
    saved = None if fresh else state.load(state_file)
    previous = _read_demo(demo_file) if saved is not None else None
    if saved is not None and previous is None:
        saved = None  # the data without its keys would be unreachable
    kept = "FRESH=1: started clean" if fresh else "nothing saved yet: started clean"

    # Powertools' logger, imported here once: two threads (scheduler, channel-work pollers) importing it at once
    # meet its circular import half-initialized (ImportError in whichever loses).
    import aws_lambda_powertools.logging  # noqa: F401

    serialize_dynamodb()
    moto_transactions.install()  # a transaction's backup costs what it touches, not the whole table
    if faithful_dynamodb.enabled():
        faithful_dynamodb.install()  # conflicts, per-item throttling and write counts, as DynamoDB (on by default)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=aws_port, verbose=False)
    moto.start()
    sandbox = None
    server = None
    scheduler = None
    info: dict[str, Any] | None = None
    try:
        from local.lambdas import boot
        from local.resources import deploy

        api = f"http://127.0.0.1:{port}"
        # The packaged template (built now, or `make package STAGE=local`'s): functions, roles, resources, triggers.
        runtime = boot(api, template_file=template_file)
        from local.lambdas import serve_over_http

        serve_over_http()  # the same functions, by name or ARN, for other processes (manage.py smoke)
        restored = state.restore(saved) if saved is not None else None
        deploy(runtime.stack)  # the template's own values win over saved ones (the API's URL moves with its port)

        from local.channel_sandbox import ChannelSandbox

        if not (os.environ.get("GRAPH_API_BASE_URL") and os.environ.get("LINE_API_BASE_URL")):
            sandbox = ChannelSandbox().start()
            os.environ["LOCAL_SANDBOX_URL"] = sandbox.url
            os.environ.setdefault("GRAPH_API_BASE_URL", f"{sandbox.url}/graph")
            os.environ.setdefault("LINE_API_BASE_URL", f"{sandbox.url}/line")

        from chalice.cli.factory import CLIFactory

        from chalicelib import clock
        from local.api_server import create_api_server

        factory = CLIFactory(str(PROJECT_DIR), environ=os.environ)
        config = factory.create_config_obj(chalice_stage_name="local")
        app = config.chalice_app
        if restored is not None:
            clock.reset()
            clock.advance(max(restored.clock_offset_seconds, 0.0))
            if sandbox is not None:
                sandbox.outbox.load(restored.outbox_items)
            kept = (f"restored from {state_file} (saved {restored.saved_at}): {restored.describe()}; "
                    f"not kept: {state.NOT_KEPT}")
        server = create_api_server(app, config, "127.0.0.1", port, runtime)
        threading.Thread(target=server.serve_forever, name="api", daemon=True).start()

        from local.scheduler import Scheduler

        scheduler = Scheduler(runtime, tick_seconds=float(os.environ.get("SCHEDULER_TICK_SECONDS", "5"))).start()
        if previous is not None:
            demo = {k: previous[k] for k in DEMO_KEYS if k in previous}
        else:
            demo = seed_demo_store(api, os.environ.get("STOREFRONT_URL", "http://localhost:3000"))
        if sandbox is not None:
            sandbox.outbox.accounts.update({
                demo["channels"]["facebook"]["page_id"]: "facebook",
                demo["channels"]["instagram"]["ig_user_id"]: "instagram",
                demo["channels"]["whatsapp"]["phone_number_id"]: "whatsapp",
            })
        info = {"api": api, "aws_endpoint": os.environ["AWS_ENDPOINT_URL"], "stage": "local",
                "template": str(template_file) if template_file else "built from infra/ and app.py (make package)",
                "functions": {f.logical_id: f.name for f in runtime.stack.functions.values()},
                "reports_bucket": os.environ["REPORTS_BUCKET"],
                "channel_sandbox": sandbox.url if sandbox else None, **demo}
        demo_file.parent.mkdir(parents=True, exist_ok=True)
        partial = demo_file.with_suffix(".tmp")
        partial.write_text(json.dumps(info, indent=2) + "\n")
        partial.chmod(0o600)
        partial.replace(demo_file)  # whole or not at all: tests and manage.py read it as soon as it appears
        print(banner(info, demo_file, kept), flush=True)

        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        stop.wait()
        print("\nstopping memberlink local sandbox", flush=True)
    finally:
        if scheduler:
            scheduler.stop()
        from local import lambdas

        if lambdas._runtime is not None:
            lambdas._runtime.uninstall()
        if server:
            server.shutdown()
        if info is not None:
            _save(state_file, sandbox)
        if sandbox:
            sandbox.stop()
        moto.stop()


STATE_FILE_NAME = "sandbox-state.json"
# What demo.json says about the demo store (the rest is this run's addresses).
DEMO_KEYS = ("store_id", "admin_key", "storefront_key", "staff_key", "branch_id", "staff_id", "channels")


def _read_demo(demo_file: Path) -> dict[str, Any] | None:
    try:
        demo = json.loads(demo_file.read_text())
    except (OSError, ValueError):
        return None
    return demo if isinstance(demo, dict) and all(k in demo for k in DEMO_KEYS) else None


def _save(state_file: Path, sandbox: Any) -> None:
    from chalicelib import clock
    from local import state

    try:
        summary = state.save(state_file, sandbox.outbox.items() if sandbox else [], clock.offset_seconds())
    except Exception as exc:  # never lose the way out; say what happened
        print(f"could not save the sandbox's data to {state_file}: {exc}", flush=True)
        return
    print(f"saved {summary.describe()} to {state_file} (`make run FRESH=1` starts clean)", flush=True)


def banner(info: dict[str, Any], demo_file: Path, kept: str) -> str:
    from local import faithful_dynamodb

    api, key = info["api"], info["admin_key"]
    dynamodb = ("faithful: conflicts and per-item throttling as on AWS, write counts at /_memberlink/dynamodb"
                if faithful_dynamodb.enabled() else "as moto comes (MEMBERLINK_FAITHFUL_DYNAMODB=0)")
    return f"""
memberlink is running locally (no AWS account involved).

  data               {kept}

  API                {api}
  merchant console   {api}/console/     (sign in with the admin_key in {demo_file.name})
  staff app          {api}/staff-app/   (staff_key; or open {api}/staff-app/#key={info['staff_key']})
  embedded AWS       {info['aws_endpoint']}   (DynamoDB, SSM, SNS, S3, SQS on moto; DynamoDB {dynamodb})
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

Set the shell variables every page of docs/ uses (API, ADMIN_KEY, ...):
  eval "$(.venv/bin/python manage.py env)"

Ctrl-C stops everything and saves the data for the next `make run` (`make run FRESH=1` starts clean).
"""
