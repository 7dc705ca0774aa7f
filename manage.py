#!/usr/bin/env python3
"""Operator commands for memberlink (not deployed). `python manage.py -h` lists them.

Setting up a store (``--stage local``, the default, is the running sandbox; ``--stage dev|prod`` is
AWS with your usual credentials and that stage's table names from .chalice/config.json):

    create-store --name "Tea House" --country TW [--timezone Asia/Taipei]
    create-branch --store ST --name "Taipei Flagship"
    create-staff --store ST --branch BR --name "Amy"           # prints the staff member's key
    create-key --store ST --role admin|storefront|staff [--staff SF] [--label TEXT]
    configure-channel --store ST line channel_secret=... channel_access_token=...
    list-keys --store ST / revoke-key --store ST --key-id KEYID
    backfill-order-keys [--store ST]                            # upgrade step before the first lifecycle run

Trying the product against the sandbox (`make run`):

    env                     shell variables for the docs: eval "$(.venv/bin/python manage.py env)"
    send-webhook CHANNEL    post a signed sample delivery (facebook, instagram, whatsapp, line)
    sign CHANNEL FILE       the signature header for a delivery body of your own
    outbox --to USER        the newest message the sandbox "sent" to a customer (--param token: its link's token)
    sms --to PHONE          the newest SMS to a number (--code: its six-digit code; --param invite: a link's token)
    email --to ADDRESS      the newest e-mail to an address (--code: its six-digit code)
    pick PATH               a value from the JSON on stdin: curl ... | manage.py pick items.0.conversation_id

After a deploy (README "Deploying"): smoke --stage prod checks that the stage holds and answers what its template
declares (functions, tables, bucket, topic, parameters, SES, the webhook handshake).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shlex
import sys
from pathlib import Path
from typing import Any

from local.stage import PROJECT_DIR, stage_environment


def demo_file() -> Path:
    return Path(os.environ.get("DEMO_FILE") or PROJECT_DIR / ".local" / "demo.json")


def demo() -> dict[str, Any]:
    """The running sandbox's addresses and demo store, as `make run` wrote them."""
    try:
        return dict(json.loads(demo_file().read_text()))
    except FileNotFoundError:
        raise SystemExit(f"{demo_file()} is missing: start the sandbox first (make run)") from None


def use_stage(stage: str) -> None:
    os.environ.update(stage_environment(stage))
    if stage == "local":
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        if not endpoint and demo_file().exists():
            endpoint = demo()["aws_endpoint"]
        os.environ["AWS_ENDPOINT_URL"] = endpoint or f"http://127.0.0.1:{os.environ.get('AWS_PORT', '4566')}"
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        os.environ["AWS_ACCESS_KEY_ID"] = "local"
        os.environ["AWS_SECRET_ACCESS_KEY"] = "local"  # noqa: S105 - placeholder for moto


# --- trying the product ------------------------------------------------------------------------------

def new_customer() -> dict[str, str]:
    """A customer no page has used: a TW mobile number, an e-mail address and an id on every channel."""
    from local.deliveries import new_user_id

    digits = "".join(secrets.choice("0123456789") for _ in range(6))
    other = "".join(secrets.choice("0123456789") for _ in range(6))
    tag = secrets.token_hex(3)
    return {"PHONE": f"0912{digits}", "PHONE_E164": f"+886912{digits}", "OTHER_PHONE_E164": f"+886922{other}",
            "EMAIL": f"amy.{tag}@example.com",
            "LINE_USER": new_user_id("line"), "FB_USER": new_user_id("facebook"),
            "IG_USER": new_user_id("instagram"), "WA_USER": new_user_id("whatsapp")}


def env_lines() -> list[str]:
    info = demo()
    values = {"API": info["api"], "AWS_ENDPOINT": info["aws_endpoint"], "DEMO_FILE": str(demo_file().resolve()),
              "STORE_ID": info["store_id"],
              "ADMIN_KEY": info["admin_key"], "STOREFRONT_KEY": info["storefront_key"],
              "STAFF_KEY": info["staff_key"], "STAFF_ID": info["staff_id"], "BRANCH_ID": info["branch_id"],
              **new_customer()}
    return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


def http(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    import urllib3

    response = urllib3.request(method, url, body=body, headers=headers or {}, timeout=30.0)
    try:
        return response.status, json.loads(response.data) if response.data else None
    except ValueError:
        return response.status, response.data.decode("utf-8", "replace")


def send_webhook(args: argparse.Namespace) -> int:
    from chalicelib.conversations import conversation_id_for
    from local.deliveries import account_id, encode, new_user_id, sample_delivery, signature_header

    info = demo()
    store = args.store or info["store_id"]
    credentials = info["channels"][args.channel]
    if args.body:
        raw = Path(args.body).read_bytes()
        user = args.user
    else:
        user = args.user or new_user_id(args.channel)
        raw = encode(sample_delivery(args.channel, account_id(args.channel, credentials), user, args.text,
                                     args.name, comment=args.comment))
    header, signature = signature_header(args.channel, credentials, raw)
    status, answer = http("POST", f"{info['api']}/webhooks/{args.channel}/{store}", raw,
                          {"Content-Type": "application/json", header: signature})
    social_user_key = f"{args.channel}:{user}" if user else None
    print(json.dumps({"status": status, "answer": answer, "social_user_key": social_user_key,
                      "conversation_id": conversation_id_for(social_user_key) if social_user_key else None},
                     ensure_ascii=False, indent=2))
    return 0 if status < 400 else 1


def sign(args: argparse.Namespace) -> int:
    from local.deliveries import signature_header

    raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    header, signature = signature_header(args.channel, demo()["channels"][args.channel], raw)
    print(f"{header}: {signature}")
    return 0


_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def link_param(text: str, name: str) -> str | None:
    found = re.findall(r"[?&#]" + re.escape(name) + r"=([A-Za-z0-9._~%-]+)", text)
    return found[-1] if found else None


def show(text: str, args: argparse.Namespace, what: str) -> int:
    """Prints the text, or its code (--code) or a link parameter (--param NAME)."""
    if args.code:
        codes = _CODE.findall(text)
        if not codes:
            print(f"no six-digit code in the newest {what}: {text}", file=sys.stderr)
            return 1
        print(codes[-1])
    elif args.param:
        value = link_param(text, args.param)
        if value is None:
            print(f"no link with {args.param}= in the newest {what}: {text}", file=sys.stderr)
            return 1
        print(value)
    else:
        print(text)
    return 0


def outbox(args: argparse.Namespace) -> int:
    import time

    # Auto-replies leave through the channel-work queue after the webhook answered: give the consumer a moment.
    deadline = time.monotonic() + 15
    while True:
        status, answer = http("GET", f"{demo()['api']}/_local/outbox")
        items = [item for item in answer["items"] if item["method"] == "POST"
                 and args.to in json.dumps(item["body"], ensure_ascii=False)]
        if (status == 200 and items) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    if status != 200 or not items:
        print(f"the sandbox sent nothing to {args.to} yet", file=sys.stderr)
        return 1
    return show(json.dumps(items[-1]["body"], ensure_ascii=False), args, "outbox message")


def moto_data() -> dict[str, Any]:
    status, answer = http("GET", f"{demo()['aws_endpoint']}/moto-api/data.json")
    return answer if status == 200 and isinstance(answer, dict) else {}


def sms(args: argparse.Namespace) -> int:
    from chalicelib.sms.phones import parse_phone

    to = parse_phone(args.to, "TW").e164 if not args.to.startswith("+") else args.to
    texts = [m["message"] for m in moto_data().get("sns", {}).get("SMS", []) if m["phone_number"] == to]
    if not texts:
        print(f"no SMS to {to} yet", file=sys.stderr)
        return 1
    return show(texts[-1], args, "SMS")


def readable(raw: str) -> str:
    """A raw e-mail as a person reads it: its headers, then its text part decoded (quoted-printable wraps
    long links across lines with '=' escapes, which would cut a token in two)."""
    from email import message_from_string
    from email.policy import default

    message = message_from_string(raw, policy=default)
    part = message.get_body(preferencelist=("plain",)) if message.is_multipart() else message
    try:
        text = part.get_content() if part is not None else ""
    except (LookupError, KeyError):
        return raw
    headers = "".join(f"{name}: {value}\n" for name, value in message.items())
    return f"{headers}\n{text}"


def email(args: argparse.Namespace) -> int:
    ses = moto_data().get("ses", {})
    texts = []
    for message in ses.get("Message", []) + ses.get("RawMessage", []):
        destinations = json.dumps(message.get("destinations") or message.get("destination") or "")
        if args.to.lower() in destinations.lower() or args.to.lower() in str(message.get("raw_data", "")).lower():
            texts.append(str(message.get("body") or readable(str(message.get("raw_data") or ""))))
    if not texts:
        print(f"no e-mail to {args.to} yet", file=sys.stderr)
        return 1
    return show(texts[-1], args, "e-mail")


def pick(args: argparse.Namespace) -> int:
    value: Any = json.load(sys.stdin)
    for part in args.path.split("."):
        if isinstance(value, list) and part.lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            there = ", ".join(value) if isinstance(value, dict) else f"a list of {len(value)}" \
                if isinstance(value, list) else repr(value)
            print(f"no '{part}' in the JSON (there: {there})", file=sys.stderr)
            return 1
    print(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    return 0


# --- setting up a store ------------------------------------------------------------------------------

def key_value(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected name=value, got {text!r}")
    return name, value


# Who the audit trail names for what an operator does from this command line (keys made or revoked).
OPERATOR_NAME = "operator (manage.py)"


def operator_command(args: argparse.Namespace) -> int:
    use_stage(args.stage)
    from chalicelib import access, audit, clock, stores
    from chalicelib.errors import ApiError

    def out(value: dict[str, Any]) -> None:
        print(json.dumps(value, indent=2, ensure_ascii=False))

    OPERATOR = access.Actor("key", None, OPERATOR_NAME)  # the contract names two kinds: user and key

    try:
        if args.command == "create-store":
            created = stores.create_store(args.name, args.country, args.timezone, clock.now())
            out({"store_id": created.store_id, "admin_key": created.admin_key,
                 "storefront_key": created.storefront_key})
        elif args.command == "create-branch":
            stores.get_store(args.store)
            branch = stores.create_branch(args.store, args.name, clock.now())
            out({"store_id": args.store, "branch_id": branch.branch_id, "name": branch.name})
        elif args.command == "create-staff":
            stores.get_store(args.store)
            staff = stores.create_staff(args.store, args.name, args.branch, clock.now())
            out({"store_id": args.store, "staff_id": staff.staff.staff_id, "branch_id": args.branch,
                 "staff_key": staff.staff_key})
        elif args.command == "create-key":
            stores.get_store(args.store)
            role = access.Role(args.role)
            staff_id = branch_id = None
            if role is access.Role.STAFF:
                if not args.staff:
                    print("error: a staff key names its staff member: add --staff SF (create-staff makes one)",
                          file=sys.stderr)
                    return 2
                member = stores.get_staff(args.store, args.staff)
                staff_id, branch_id = member.staff_id, member.branch_id
            elif args.staff:
                print("error: --staff is only for --role staff", file=sys.stderr)
                return 2
            issued = access.build_key(args.store, role, clock.now(), label=args.label, staff_id=staff_id,
                                      branch_id=branch_id)
            issued.item.save()
            audit.record(args.store, OPERATOR, "key.created", ("key", issued.key_id))
            out({"store_id": args.store, "key_id": issued.key_id, "role": args.role, "key": issued.key,
                 **({"staff_id": staff_id, "branch_id": branch_id} if staff_id else {})})
        elif args.command == "configure-channel":
            from chalicelib.api.admin import channel_fields
            from chalicelib.channels import configure_channel
            from chalicelib.validation import parse_object

            stores.get_store(args.store)
            values = parse_object(dict(args.values), channel_fields(args.channel))
            configure_channel(args.store, args.channel, values, clock.now())
            out({"store_id": args.store, "channel": args.channel, "configured": sorted(values)})
        elif args.command == "backfill-order-keys":
            from dataclasses import asdict

            from local.upgrades import backfill_member_order_keys

            if args.store:
                stores.get_store(args.store)
            out(asdict(backfill_member_order_keys(args.store)))
        elif args.command == "list-keys":
            out({"items": access.list_keys(args.store)})
        elif args.command == "revoke-key":
            if not access.revoke(args.store, args.key_id, clock.now()):
                print(f"no key {args.key_id} in store {args.store}", file=sys.stderr)
                return 1
            audit.record(args.store, OPERATOR, "key.revoked", ("key", args.key_id))
            out({"revoked": args.key_id})
    except ApiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0


def parser() -> argparse.ArgumentParser:
    from local.deliveries import CHANNELS

    root = argparse.ArgumentParser(prog="manage.py", description="memberlink operator commands",
                                   formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = root.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run-local", help="start the local sandbox (make run)")
    run.add_argument("--fresh", action="store_true", help="start clean instead of restoring the saved data")
    run.add_argument("--template", type=Path, help="boot this packaged template (make package STAGE=local writes "
                                                   "build/local/sam.json) instead of building it now")

    create = sub.add_parser("create-store", help="create a store with an admin and a storefront key")
    create.add_argument("--name", required=True)
    create.add_argument("--country", required=True, help="ISO 3166-1 alpha-2, e.g. TW")
    create.add_argument("--timezone", help="IANA zone; defaults to the country's only zone")

    branch = sub.add_parser("create-branch", help="add a branch (a physical store) to a store")
    branch.add_argument("--store", required=True)
    branch.add_argument("--name", required=True)

    staff = sub.add_parser("create-staff", help="add a staff member to a branch; prints their staff key")
    staff.add_argument("--store", required=True)
    staff.add_argument("--branch", required=True)
    staff.add_argument("--name", required=True)

    key = sub.add_parser("create-key", help="issue another admin, storefront or staff key")
    key.add_argument("--store", required=True)
    key.add_argument("--role", required=True, choices=["admin", "storefront", "staff"])
    key.add_argument("--staff", help="the staff member a staff key names (staff_id)")
    key.add_argument("--label")

    channel = sub.add_parser("configure-channel", help="store a channel's credentials (as PUT /admin/channels)")
    channel.add_argument("--store", required=True)
    channel.add_argument("channel", choices=CHANNELS)
    channel.add_argument("values", nargs="+", type=key_value, metavar="name=value",
                         help="facebook: page_id app_secret verify_token access_token; instagram: ig_user_id ...; "
                              "whatsapp: phone_number_id ...; line: channel_secret channel_access_token")

    backfill = sub.add_parser("backfill-order-keys",
                              help="upgrade step: index orders stored before lifecycles (idempotent; Scans orders)")
    backfill.add_argument("--store", help="only this store's orders (default: every store)")

    keys = sub.add_parser("list-keys", help="list a store's keys (ids and roles, never the keys)")
    keys.add_argument("--store", required=True)

    revoke = sub.add_parser("revoke-key", help="revoke a key by its key id")
    revoke.add_argument("--store", required=True)
    revoke.add_argument("--key-id", required=True)

    for command in (create, branch, staff, key, channel, keys, revoke, backfill):
        command.add_argument("--stage", default="local", help="local (default), dev or prod")

    smoke = sub.add_parser("smoke", help="after a deploy: check the stage's functions, tables, bucket, topic, "
                                          "parameters, SES and the webhook handshake (a throwaway store, removed)")
    smoke.add_argument("--stage", required=True, help="local (the running `make run`), dev or prod")

    sub.add_parser("env", help='shell variables for the docs: eval "$(.venv/bin/python manage.py env)"')

    webhook = sub.add_parser("send-webhook", help="post a signed sample delivery to the sandbox")
    webhook.add_argument("channel", choices=CHANNELS)
    webhook.add_argument("--user", help="the customer's id on the channel (default: a new customer)")
    webhook.add_argument("--text", default="Hello!", help="the message (or comment) text")
    webhook.add_argument("--name", help="the customer's name where the payload carries one (WhatsApp, comments)")
    webhook.add_argument("--comment", action="store_true",
                         help="a comment on a post (instagram, facebook) instead of a message")
    webhook.add_argument("--body", help="post this file as the delivery instead of a sample (signed as is)")
    webhook.add_argument("--store", help="default: the demo store")

    signer = sub.add_parser("sign", help="print the signature header for a delivery body (file, or - for stdin)")
    signer.add_argument("channel", choices=CHANNELS)
    signer.add_argument("file")

    for name, helptext in (("outbox", "the newest message the channel sandbox received for a customer"),
                           ("sms", "the newest SMS the embedded SNS received for a number"),
                           ("email", "the newest e-mail the embedded SES received for an address")):
        reader = sub.add_parser(name, help=helptext)
        reader.add_argument("--to", required=True, help="phone, address, or (outbox) the customer's id or any "
                                                        "text of the message")
        reader.add_argument("--code", action="store_true", help="print only the six-digit code")
        reader.add_argument("--param", help="print only this query parameter of the link (token, invite, ...)")

    picker = sub.add_parser("pick", help="print one value of the JSON on stdin (dotted path, list indexes)")
    picker.add_argument("path")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "run-local":
        from local.sandbox import run

        run(port=int(os.environ.get("PORT", "8000")), aws_port=int(os.environ.get("AWS_PORT", "4566")),
            demo_file=demo_file(), fresh=args.fresh, template_file=args.template)
        return 0
    if args.command == "smoke":
        use_stage(args.stage)
        from infra.smoke import run as smoke

        report = smoke(args.stage)
        print("\n".join(report.lines))
        print(f"smoke check of stage {args.stage}: " + (f"{report.failed} FAILED" if report.failed else "all passed"))
        return 1 if report.failed else 0
    helpers = {"env": lambda a: print("\n".join(env_lines())) or 0, "send-webhook": send_webhook, "sign": sign,
               "outbox": outbox, "sms": sms, "email": email, "pick": pick}
    if args.command in helpers:
        return int(helpers[args.command](args))
    return operator_command(args)


if __name__ == "__main__":
    sys.exit(main())
