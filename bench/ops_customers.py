"""Customers (issue 28): the customer list, a member's blacklisting, and an export of 100,000 members.

Rows of the operations table: a page of the customer list (newest first), a page filtered by tag and
e-mail consent, and ``PUT /admin/members/{id}/blacklist`` for a member with two bound accounts.

The report: ``POST /admin/customer-exports`` of every member of a store of :data:`SIZES` members,
through the same worker as AWS in embedded AWS (in process, moto): rows, CSV size, DynamoDB and S3
calls, Scans (none), wall time, and how many invocations the export took at a 60 s budget each (in
AWS the budget is ``exports.BUDGET_SECONDS``; a hand-off is one async Lambda invoke). moto's Query
re-reads the partition for every page, so the time here grows faster than linearly; DynamoDB reads a
page by key. DynamoDB answers are serialized with json.dumps (``ops_reports.fast_dynamodb_responses``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from bench.support import Bench, Operation

SIZES = (100_000,)
MOTO_SIZE = 3_000  # a row read through moto's DynamoDB, end to end


@contextmanager
def fast_string_comparisons() -> Iterator[None]:
    """moto sorts a partition on every Query page, comparing keys through ``DynamoType.cast_value`` (about 15 µs
    each, most of an export's time here); a string's value is itself, so that case skips the checks. Restored on
    leaving."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    original = DynamoType.cast_value

    def cast_value(self: Any) -> Any:
        return self.value if self.type == "S" else original.fget(self)  # type: ignore[attr-defined]

    DynamoType.cast_value = property(cast_value)  # type: ignore[assignment,method-assign]
    try:
        yield
    finally:
        DynamoType.cast_value = original  # type: ignore[method-assign]


def seed(store_id: str, count: int, tag: str = "all") -> None:
    """``count`` members a second apart, with a phone and an e-mail, half subscribed, all tagged (batch writes)."""
    from datetime import timedelta

    from chalicelib import clock, tokens
    from chalicelib.models.customers import TAG_SEPARATOR, MemberTagModel
    from chalicelib.models.members import ConsentAttribute, MemberModel

    start = clock.now() - timedelta(seconds=count)
    with MemberModel.batch_write() as members, MemberTagModel.batch_write() as tags:
        for index in range(count):
            member_id = tokens.new_id("mb")
            at = start + timedelta(seconds=index)
            consent = ConsentAttribute(state="subscribed" if index % 2 else "never",  # type: ignore[no-untyped-call]
                                       source="signup_form", updated_at=at)
            members.save(MemberModel(store_id, member_id, name=f"Member {index}", name_lower=f"member {index}",
                                     phone=f"+8869{index:08d}", phone_verified=True, email=f"m{index}@bench.example",
                                     email_marketing=consent, tags={tag}, created_at=at, updated_at=at))
            tags.save(MemberTagModel(store_id, f"{tag}{TAG_SEPARATOR}{member_id}", tag=tag, member_id=member_id,
                                     tagged_at=at))


def setup_list(bench: Bench) -> None:
    seed(bench.store_id, 200)


def first_page(bench: Bench, state: Any) -> None:
    status, answer = bench.call("GET", "/admin/members", bench.admin_key)
    assert status == 200 and len(answer["items"]) == 50, answer


def filtered_page(bench: Bench, state: Any) -> None:
    status, answer = bench.call("GET", "/admin/members?tag=all&email_marketing=subscribed", bench.admin_key)
    assert status == 200 and len(answer["items"]) == 50, answer


def setup_blacklist(bench: Bench) -> str:
    from chalicelib import clock
    from chalicelib.members.core import add_social_account, create_member
    from chalicelib.models.members import MemberModel

    member = create_member(bench.store_id, "Amy", email="amy@bench.example")
    for key in ("line:U4af4980629", "facebook:1234567890"):
        MemberModel(bench.store_id, member.member_id).update(actions=add_social_account(key, "Amy", clock.now()))
    return member.member_id


def blacklist(bench: Bench, member_id: str) -> None:
    status, answer = bench.call("PUT", f"/admin/members/{member_id}/blacklist", bench.admin_key)
    assert status == 200, answer


OPERATIONS = [
    Operation("GET /admin/members (the customer list, first page of 50)", "key + 1 Query", first_page,
              setup_list),
    Operation("GET /admin/members?tag=&email_marketing=subscribed (50 of 200)", "key + ≤ 10 (Query + BatchGet)",
              filtered_page, setup_list),
    Operation("PUT /admin/members/{id}/blacklist, 2 bound accounts", "key + GetItem + 1 TransactWrite",
              blacklist, setup_blacklist),
]


def member_items(store_id: str, count: int) -> list[Any]:
    """``count`` members as the list would read them (not stored): a phone, an e-mail, a tag, half subscribed."""
    from datetime import timedelta

    from chalicelib import clock
    from chalicelib.models.members import ConsentAttribute, MemberModel

    start = clock.now() - timedelta(seconds=count)
    items = []
    for index in range(count):
        at = start + timedelta(seconds=index)
        consent = ConsentAttribute(state="subscribed" if index % 2 else "never",  # type: ignore[no-untyped-call]
                                   source="signup_form", updated_at=at)
        items.append(MemberModel(store_id, f"mb_{index:016d}", name=f"Member {index}", name_lower=f"member {index}",
                                 phone=f"+8869{index:08d}", phone_verified=True, email=f"m{index}@bench.example",
                                 email_marketing=consent, tags={"all"}, created_at=at, updated_at=at))
    return list(reversed(items))  # newest first, as by_created answers


@contextmanager
def pages_from_memory(members: list[Any], queries: list[int]) -> Iterator[None]:
    """The list's pages served from ``members`` (one counted Query per page): moto's Query re-reads and sorts the
    whole partition for every page, hours at 100,000 members, where DynamoDB reads a page by key."""
    from chalicelib.members import listing

    original = listing.page

    def page(store_id: str, filters: Any, limit: int, start: Any, max_reads: int = 10) -> Any:
        offset = int(start["offset"]) if start else 0
        queries.append(1)
        chunk = members[offset:offset + limit]
        end = offset + len(chunk)
        return chunk, ({"offset": end} if end < len(members) else None)

    listing.page = page  # type: ignore[assignment]
    try:
        yield
    finally:
        listing.page = original  # type: ignore[assignment]


def report() -> str:
    from moto import mock_aws

    from bench.ops_reports import fast_dynamodb_responses
    from bench.support import CallCounter, forget_aws_clients
    from chalicelib import clock, stores
    from chalicelib.members import exports, listing
    from chalicelib.models.customers import CustomerExportModel
    from chalicelib.reports.s3stream import s3_client
    from local.resources import create_resources

    lines = ["| members | list pages read from | rows | CSV | DynamoDB calls (of which list Queries) | S3 calls | "
             "Scan | export | per 1,000 rows | invocations (60 s budget) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    started_section = time.perf_counter()
    counter = CallCounter()
    counter.install()  # once: clients are cached across rows, each counts into this counter
    for size, in_memory in ((MOTO_SIZE, False), *((size, True) for size in SIZES)):
        forget_aws_clients()
        invocations = 0
        queries: list[int] = []
        original = exports.hand_off, exports.BUDGET_SECONDS

        def counting_hand_off(event: dict[str, Any]) -> None:
            nonlocal invocations
            invocations += 1
            exports.run(event, clock.now())

        with mock_aws(), ExitStack() as section:
            create_resources(empty=True)
            created = stores.create_store("Bench Customers", "TW", None, clock.now())
            store_id = created.store_id
            if in_memory:
                section.enter_context(pages_from_memory(member_items(store_id, size), queries))
            else:
                seed(store_id, 10)
                # moto's generic serializer would be most of the time: answers as json.dumps (proved equal first).
                section.enter_context(fast_dynamodb_responses(
                    lambda: listing.page(store_id, listing.Filters(), 10, None)))  # noqa: B023 (called at once)
                section.enter_context(fast_string_comparisons())
                seed(store_id, size - 10)
            exports.hand_off, exports.BUDGET_SECONDS = counting_hand_off, 60.0  # type: ignore[assignment]
            try:
                began = time.perf_counter()
                with counter.counting():
                    export = exports.start_export(store_id, listing.Filters(), clock.now())
                seconds = time.perf_counter() - began
            finally:
                exports.hand_off, exports.BUDGET_SECONDS = original  # type: ignore[assignment]
            done = CustomerExportModel.get(store_id, export.export_id)
            size_bytes = s3_client().head_object(Bucket=exports.settings().reports_bucket,
                                                 Key=done.key)["ContentLength"]
        assert done.state == "done" and int(done.rows) == size, (done.state, done.rows)
        dynamodb = counter.by_service("dynamodb") + len(queries)
        list_queries = len(queries) if in_memory else counter.calls.get(("dynamodb", "Query"), 0)
        lines.append(f"| {size:,} | {'memory (counted)' if in_memory else 'embedded DynamoDB (moto)'} | "
                     f"{int(done.rows):,} | {size_bytes / 1e6:.1f} MB | {dynamodb:,} ({list_queries}) | "
                     f"{counter.by_service('s3')} | {counter.scans()} | {seconds:.0f} s | "
                     f"{seconds / size * 1000:.2f} s | {invocations} |")
    return ("## Customer export (background worker, embedded AWS)\n\n" + "\n".join(lines) + "\n\n"
            "Budget: no Scan; every invocation hands on before its budget (10 minutes in AWS, 60 s here), so any "
            "size finishes; memory stays at one 8 MiB part. The 100,000-member row serves the list's pages from "
            "memory (each page counted as the Query it is): moto's Query re-reads and sorts the whole partition "
            "for every page, which takes hours at that size, where DynamoDB reads a page by key. Everything else "
            "(the export item, branch names, S3 multipart upload, hand-offs) runs against moto. Section took "
            f"{time.perf_counter() - started_section:.0f} s.\n")


if __name__ == "__main__":  # python -m bench.ops_customers [SIZE ...]
    import sys

    from bench.support import section_main

    section_main(sys.modules[__name__], sys.argv[1:])
