"""Marketing consent (issue 16): a one-click unsubscribe, SES feedback, and a broadcast to 10,000 members.

Rows of the operations table: the public one-click POST, the SNS function for one bounce, and a
broadcast to a tag of 100 members (the worker runs in process, as in the sandbox).

The report: a broadcast to ``BENCH_BROADCAST_MEMBERS`` (default 10,000) members of one tag, 90% of
them subscribed, through the same worker as AWS, in embedded AWS: DynamoDB and SES calls per
recipient, wall time per recipient, and how many invocations the work took at a 60 s budget each
(in AWS the budget is ``sends.BUDGET_SECONDS``; a hand-off is one async Lambda invoke).
"""

from __future__ import annotations

import os
import time
from typing import Any

from bench.support import Bench, Operation

SHOP_EMAIL = "news@bench-tea.example"


def _settings(bench: Bench) -> None:
    status, _ = bench.call("PUT", "/admin/settings", bench.admin_key,
                           {"shop_email": SHOP_EMAIL, "postal_address": "1 Bench Road, Taipei"})
    assert status == 200


def seed(store_id: str, count: int, tag: str = "all") -> None:
    """``count`` members with an e-mail, 9 in 10 subscribed, all tagged ``tag`` (batch writes)."""
    from chalicelib import clock, tokens
    from chalicelib.models.customers import TAG_SEPARATOR, MemberTagModel
    from chalicelib.models.members import ConsentAttribute, MemberModel

    now = clock.now()
    with MemberModel.batch_write() as members, MemberTagModel.batch_write() as tags:
        for index in range(count):
            member_id = tokens.new_id("mb")
            consent = ConsentAttribute(state="subscribed" if index % 10 else "never",  # type: ignore[no-untyped-call]
                                       source="signup_form", updated_at=now)
            members.save(MemberModel(store_id, member_id, name=f"M{index}", name_lower=f"m{index}",
                                     email=f"m{index}@bench.example", email_marketing=consent,
                                     created_at=now, updated_at=now))
            tags.save(MemberTagModel(store_id, f"{tag}{TAG_SEPARATOR}{member_id}", tag=tag, member_id=member_id,
                                     tagged_at=now))


def setup_broadcast(bench: Bench) -> None:
    _settings(bench)
    seed(bench.store_id, 100)


def broadcast(bench: Bench, state: Any) -> None:
    status, answer = bench.call("POST", "/admin/marketing-emails", bench.admin_key,
                                {"kind": "broadcast", "subject": "Sale", "text": "20% off",
                                 "audience": {"tag": "all"}})
    assert status == 202, answer
    # The worker runs as its own (asynchronous) invocation: wait for it (no AWS call), so its calls count in
    # this row and never in the next operation's.
    from local.lambdas import current

    current().drain()


def setup_one_click(bench: Bench) -> str:
    from chalicelib.consent.unsubscribe import token_for
    from chalicelib.members.core import create_member

    member = create_member(bench.store_id, "Amy", email="amy@bench.example")
    return token_for(bench.store_id, member.member_id, "email_marketing")


def one_click(bench: Bench, token: str) -> None:
    status, _ = bench.call("POST", f"/u/{token}", raw=b"List-Unsubscribe=One-Click",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200


def setup_bounce(bench: Bench) -> dict[str, Any]:
    import json

    from chalicelib.members.core import create_member

    create_member(bench.store_id, "Amy", email="amy@bench.example")
    message = {"eventType": "Bounce", "mail": {"tags": {"store_id": [bench.store_id]}},
               "bounce": {"bounceType": "Permanent", "feedbackId": "fb-1",
                          "bouncedRecipients": [{"emailAddress": "amy@bench.example"}]}}
    return {"Records": [{"Sns": {"Message": json.dumps(message)}}]}


def bounce(bench: Bench, event: dict[str, Any]) -> None:
    from app import ses_feedback

    assert ses_feedback(event, None)["outcomes"] == ["bounce"]


OPERATIONS = [
    Operation("POST /u/{token} one-click unsubscribe", "2 DynamoDB (read + 1 TransactWrite)", one_click,
              setup_one_click),
    Operation("SES permanent bounce, 1 recipient (SNS function)", "3 DynamoDB", bounce, setup_bounce),
    Operation("POST /admin/marketing-emails, tag of 100 (90 subscribed), worker in process",
              "1 SES per recipient; ~3 DynamoDB per 100", broadcast, setup_broadcast),
]


def report() -> str:
    from moto import mock_aws

    from bench.support import CallCounter
    from chalicelib import clock, stores
    from chalicelib.api import views
    from chalicelib.marketing import sends
    from local.resources import create_resources

    size = int(os.environ.get("BENCH_BROADCAST_MEMBERS", "10000"))
    counter = CallCounter()
    counter.install()
    invocations = 0
    original_hand_off = sends.hand_off

    def counting_hand_off(event: dict[str, Any]) -> None:
        nonlocal invocations
        invocations += 1
        sends.run(event, clock.now(), budget_seconds=60.0)

    with mock_aws():
        create_resources(empty=True)
        created = stores.create_store("Bench Broadcast", "TW", None, clock.now())
        stores.update_settings(created.store_id, {"shop_email": SHOP_EMAIL, "postal_address": "1 Bench Road"},
                               clock.now())
        seed(created.store_id, size)
        sends.hand_off = counting_hand_off  # type: ignore[assignment]
        try:
            started = time.perf_counter()
            with counter.counting():
                send = sends.start_send(created.store_id, "email", "broadcast", "Sale", "20% off this week",
                                        {"tag": "all"}, "https://api.example.com", clock.now())
            seconds = time.perf_counter() - started
        finally:
            sends.hand_off = original_hand_off  # type: ignore[assignment]
        view = views.send_view(sends.get_send(created.store_id, send.send_id, "email"))
    dynamodb, ses = counter.by_service("dynamodb"), counter.by_service("ses")
    recipients = max(view["recipients"], 1)
    return ("## Marketing broadcast (background worker, embedded AWS)\n\n"
            "| members | sent | excluded | DynamoDB calls | per recipient | SES calls | per recipient | time | "
            "per recipient | invocations (60 s budget) |\n|---|---|---|---|---|---|---|---|---|---|\n"
            f"| {size:,} | {view['sent']:,} | {sum(view['excluded'].values()):,} | {dynamodb} | "
            f"{dynamodb / recipients:.3f} | {ses} | {ses / recipients:.3f} | {seconds:.1f} s | "
            f"{seconds / recipients * 1000:.1f} ms | {invocations} |\n")

