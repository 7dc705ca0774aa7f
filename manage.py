#!/usr/bin/env python3
"""Operator commands for memberlink (not deployed).

    python manage.py run-local                         # what `make run` does
    python manage.py create-store --name "Tea House" --country TW [--timezone Asia/Taipei] [--stage local]
    python manage.py create-key --store ST --role storefront|admin [--label TEXT] [--stage local]
    python manage.py list-keys --store ST [--stage local]
    python manage.py revoke-key --store ST --key-id KEYID [--stage local]

``--stage local`` talks to the running sandbox (its endpoint from .local/demo.json, else
AWS_ENDPOINT_URL, else http://127.0.0.1:4566); any other stage talks to AWS with your usual
credentials and that stage's table names from .chalice/config.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from local.stage import PROJECT_DIR, stage_environment


def use_stage(stage: str) -> None:
    os.environ.update(stage_environment(stage))
    if stage == "local":
        demo = PROJECT_DIR / ".local" / "demo.json"
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        if not endpoint and demo.exists():
            endpoint = json.loads(demo.read_text())["aws_endpoint"]
        os.environ["AWS_ENDPOINT_URL"] = endpoint or f"http://127.0.0.1:{os.environ.get('AWS_PORT', '4566')}"
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        os.environ["AWS_ACCESS_KEY_ID"] = "local"
        os.environ["AWS_SECRET_ACCESS_KEY"] = "local"  # noqa: S105 - placeholder for moto


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="manage.py", description="memberlink operator commands")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run-local", help="start the local sandbox (make run)")

    create = sub.add_parser("create-store", help="create a store with an admin and a storefront key")
    create.add_argument("--name", required=True)
    create.add_argument("--country", required=True, help="ISO 3166-1 alpha-2, e.g. TW")
    create.add_argument("--timezone", help="IANA zone; defaults to the country's only zone")

    key = sub.add_parser("create-key", help="issue another admin or storefront key")
    key.add_argument("--store", required=True)
    key.add_argument("--role", required=True, choices=["admin", "storefront"])
    key.add_argument("--label")

    keys = sub.add_parser("list-keys", help="list a store's keys (ids and roles, never the keys)")
    keys.add_argument("--store", required=True)

    revoke = sub.add_parser("revoke-key", help="revoke a key by its key id")
    revoke.add_argument("--store", required=True)
    revoke.add_argument("--key-id", required=True)

    for command in (create, key, keys, revoke):
        command.add_argument("--stage", default="local", help="local (default), dev or prod")

    args = parser.parse_args(argv)
    if args.command == "run-local":
        from local.sandbox import run  # noqa: I001

        from pathlib import Path

        from local.sandbox import DEMO_FILE

        run(port=int(os.environ.get("PORT", "8000")), aws_port=int(os.environ.get("AWS_PORT", "4566")),
            demo_file=Path(os.environ.get("DEMO_FILE", str(DEMO_FILE))))
        return 0

    use_stage(args.stage)
    from chalicelib import access, clock, stores
    from chalicelib.errors import ApiError

    try:
        if args.command == "create-store":
            created = stores.create_store(args.name, args.country, args.timezone, clock.now())
            print(json.dumps({"store_id": created.store_id, "admin_key": created.admin_key,
                              "storefront_key": created.storefront_key}, indent=2))
        elif args.command == "create-key":
            stores.get_store(args.store)
            issued = access.build_key(args.store, access.Role(args.role), clock.now(), label=args.label)
            issued.item.save()
            print(json.dumps({"store_id": args.store, "key_id": issued.key_id, "role": args.role,
                              "key": issued.key}, indent=2))
        elif args.command == "list-keys":
            print(json.dumps({"items": access.list_keys(args.store)}, indent=2))
        elif args.command == "revoke-key":
            if not access.revoke(args.store, args.key_id, clock.now()):
                print(f"no key {args.key_id} in store {args.store}", file=sys.stderr)
                return 1
            print(json.dumps({"revoked": args.key_id}))
    except ApiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
