"""Two transactions overlapping on one item, against the local stack's faithful DynamoDB.

The embedded AWS runs as in ``make run`` (moto's server, one request at a time, the faithful layer in
front); the first transaction is kept in flight by the layer's test hook until the second has been
cancelled with ``TransactionConflict``. The second's retry (the connection's jittered backoff) then
stores what it carries exactly once: nothing twice, nothing lost."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.channels.events import InboundEvent

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


@dataclass
class Embedded:
    layer: Any
    waits: list[float]


@pytest.fixture
def embedded(monkeypatch: pytest.MonkeyPatch) -> Iterator[Embedded]:
    from moto.server import ThreadedMotoServer

    from chalicelib import aws
    from chalicelib.models import transactions
    from local import faithful_dynamodb, moto_transactions
    from local.resources import create_resources
    from local.sandbox import serialize_dynamodb

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    serialize_dynamodb()
    moto_transactions.install()
    layer = faithful_dynamodb.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    waits: list[float] = []
    monkeypatch.setattr(transactions, "_sleep", waits.append)  # the backoff is seen, not slept
    transactions.reset_connection()
    aws.reset()
    try:
        create_resources()
        yield Embedded(layer, waits)
    finally:
        layer.on_hold = layer.on_conflict = None
        server.stop()
        faithful_dynamodb.uninstall()
        moto_transactions.uninstall()
        transactions.reset_connection()
        aws.reset()
        os.environ.pop("AWS_ENDPOINT_URL", None)


def _comment(user_id: str, comment_id: str) -> InboundEvent:
    return InboundEvent(channel="instagram", kind="comment", user_id=user_id, provider_id=comment_id, at=NOW,
                        text="+1", comment_id=comment_id, post_id="post-1", account_id="17841400000000001")


def _overlap(embedded: Embedded, store_id: str, first: InboundEvent, second: InboundEvent) -> list[Any]:
    """``first`` is stored in a transaction held in flight until ``second``'s transaction has conflicted."""
    from chalicelib import conversations

    released = threading.Event()
    holding = threading.Event()

    def hold(keys: list[Any]) -> None:
        if not holding.is_set():  # only the first transaction waits
            holding.set()
            assert released.wait(30), "the second transaction never conflicted"

    def conflicted(keys: list[Any]) -> None:
        released.set()

    embedded.layer.on_hold, embedded.layer.on_conflict = hold, conflicted
    with ThreadPoolExecutor(max_workers=2) as pool:
        one = pool.submit(conversations.record_inbound, store_id, first, None, NOW, 0)
        assert holding.wait(30)
        two = pool.submit(conversations.record_inbound, store_id, second, None, NOW, 0)
        return [one.result(30), two.result(30)]


def _stored(store_id: str, user_id: str) -> list[Any]:
    from chalicelib.conversations import conversation_id_for, conversation_key
    from chalicelib.models.inbox import MessageModel

    key = conversation_key(store_id, conversation_id_for(f"instagram:{user_id}"))
    return list(MessageModel.query(key))


def test_a_redelivered_comment_racing_its_first_delivery_conflicts_and_its_retry_stores_it_once(
        embedded: Embedded) -> None:
    from chalicelib.conversations import Outcome, total_unread

    # GIVEN a comment whose transaction is still in flight
    comment = _comment("9100000000000001", "c-1")
    # WHEN the platform's redelivery of it arrives meanwhile
    outcomes = _overlap(embedded, "ST1", comment, comment)
    # THEN the redelivery's transaction was cancelled for the conflict, retried after a jittered wait...
    assert embedded.layer.ledger.stats()["conflicts"] >= 1
    assert embedded.waits and all(0 <= wait <= 1.0 for wait in embedded.waits)
    # ...and its retry found the comment stored: stored once, counted once
    assert outcomes == [Outcome.STORED, Outcome.DUPLICATE]
    assert [m.provider_message_id for m in _stored("ST1", "9100000000000001")] == ["c-1"]
    assert total_unread("ST1") == 1


def test_two_comments_of_one_customer_overlapping_on_their_conversation_are_both_stored_once(
        embedded: Embedded) -> None:
    from chalicelib.conversations import Outcome, conversation_id_for, get_conversation, total_unread

    outcomes = _overlap(embedded, "ST2", _comment("9100000000000002", "c-2"), _comment("9100000000000002", "c-3"))
    assert outcomes == [Outcome.STORED, Outcome.STORED]
    assert embedded.layer.ledger.stats()["conflicts"] >= 1
    assert sorted(m.provider_message_id for m in _stored("ST2", "9100000000000002")) == ["c-2", "c-3"]
    conversation = get_conversation("ST2", conversation_id_for("instagram:9100000000000002"))
    assert conversation.unread_count == 2
    assert total_unread("ST2") == 2
