"""The local stack's faithful DynamoDB layer (local/faithful_dynamodb.py) answers as DynamoDB documents:
an item held by a transaction in flight cancels an overlapping transaction and refuses a single write,
an item written past 1,000 write units a second is throttled, and every applied write is counted.

The layer is driven here in front of a stand-in for moto that can keep a transaction in flight until the
test lets it go, so each overlap is certain, not a matter of timing."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterable
from typing import Any

import pytest

from local.faithful_dynamodb import STATS_PATH, FaithfulLayer, Ledger, item_key, write_units

SCHEMA = {"inbox": ["store_id"], "messages": ["conversation_key", "message_key"]}


class Moto:
    """Answers 200 to everything, recording what it applied."""

    def __init__(self) -> None:
        self.applied: list[str] = []
        self.gate: threading.Event | None = None
        self.entered = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        operation = environ["HTTP_X_AMZ_TARGET"].split(".")[1]
        self.applied.append(operation)
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0")])
        return [b"{}"]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def moto() -> Moto:
    return Moto()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def layer(clock: Clock) -> FaithfulLayer:
    return FaithfulLayer(schema=lambda table: SCHEMA.get(table, []), ledger=Ledger(clock=clock))


def send(layer: FaithfulLayer, moto: Moto, operation: str, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    raw = json.dumps(request).encode()
    environ = {"PATH_INFO": "/", "REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": f"DynamoDB_20120810.{operation}",
               "CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw)}
    status: list[str] = []
    body = b"".join(layer.handle(environ, lambda code, headers, *_: status.append(code), moto))
    return int(status[0].split()[0]), json.loads(body or b"{}")


def bump(store: str) -> dict[str, Any]:
    return {"Update": {"TableName": "inbox", "Key": {"store_id": {"S": store}}, "UpdateExpression": "ADD n :one",
                       "ExpressionAttributeValues": {":one": {"N": "1"}}}}


def put_message(key: str) -> dict[str, Any]:
    return {"Put": {"TableName": "messages", "Item": {"conversation_key": {"S": "st#cv"}, "message_key": {"S": key},
                                                      "text": {"S": "+1"}}}}


def in_flight(layer: FaithfulLayer, moto: Moto, items: list[dict[str, Any]]) -> threading.Thread:
    """A transaction of ``items`` applied and still committing (its items held) until ``moto.gate`` is set."""
    gate = moto.gate = threading.Event()

    def committing(keys: list[Any]) -> None:
        moto.entered.set()
        gate.wait(10)

    layer.on_hold = committing
    thread = threading.Thread(target=send, args=(layer, moto, "TransactWriteItems", {"TransactItems": items}))
    thread.start()
    assert moto.entered.wait(10)
    return thread


def test_a_transaction_overlapping_one_in_flight_on_the_same_item_is_cancelled_with_transaction_conflict(
        layer: FaithfulLayer, moto: Moto) -> None:
    # GIVEN a transaction holding the store's item, still in flight
    first = in_flight(layer, moto, [bump("ST1"), put_message("a")])
    # WHEN another transaction names that item (and one of its own)
    status, body = send(layer, moto, "TransactWriteItems", {"TransactItems": [put_message("b"), bump("ST1")]})
    gate = moto.gate
    assert gate is not None
    gate.set()
    first.join(10)
    # THEN it is cancelled, the conflict named on that item only, and nothing of it applied
    assert status == 400
    assert body["__type"].endswith("#TransactionCanceledException")
    assert [r["Code"] for r in body["CancellationReasons"]] == ["None", "TransactionConflict"]
    assert moto.applied == ["TransactWriteItems"]  # the first one only
    assert layer.ledger.stats()["conflicts"] == 1


def test_a_single_write_to_an_item_held_by_a_transaction_is_refused_and_other_items_are_not(
        layer: FaithfulLayer, moto: Moto) -> None:
    first = in_flight(layer, moto, [bump("ST1")])
    refused = send(layer, moto, "UpdateItem", bump("ST1")["Update"])
    other = send(layer, moto, "UpdateItem", bump("ST2")["Update"])
    read = send(layer, moto, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": "inbox", "Key": {"store_id": {"S": "ST1"}}}}]})
    batch = send(layer, moto, "BatchWriteItem", {"RequestItems": {"inbox": [
        {"PutRequest": {"Item": {"store_id": {"S": "ST1"}}}}]}})
    gate = moto.gate
    assert gate is not None
    gate.set()
    first.join(10)
    assert refused[0] == 400 and refused[1]["__type"].endswith("#TransactionConflictException")
    assert other[0] == 200
    assert read[0] == 400 and read[1]["CancellationReasons"][0]["Code"] == "TransactionConflict"
    assert batch == (200, {"UnprocessedItems": {"inbox": [{"PutRequest": {"Item": {"store_id": {"S": "ST1"}}}}]}})


def test_an_item_is_held_for_the_commit_time_after_its_transaction_answered_then_free(
        layer: FaithfulLayer, moto: Moto, clock: Clock) -> None:
    assert send(layer, moto, "TransactWriteItems", {"TransactItems": [bump("ST1")]})[0] == 200
    clock.now += layer.ledger.commit_seconds / 2
    assert send(layer, moto, "UpdateItem", bump("ST1")["Update"])[0] == 400  # still committing
    clock.now += layer.ledger.commit_seconds
    assert send(layer, moto, "TransactWriteItems", {"TransactItems": [bump("ST1")]})[0] == 200
    clock.now += layer.ledger.commit_seconds
    assert send(layer, moto, "UpdateItem", bump("ST1")["Update"])[0] == 200
    assert layer.ledger.stats()["conflicts"] == 1


def test_an_item_written_past_1000_write_units_a_second_is_throttled_until_the_second_has_passed(
        layer: FaithfulLayer, moto: Moto, clock: Clock) -> None:
    layer.ledger.commit_seconds = 0.0  # the writes below follow each other without a conflict
    # GIVEN one item written 500 times in a transaction (2 units each) within the same instant
    for _ in range(500):
        assert send(layer, moto, "TransactWriteItems", {"TransactItems": [bump("ST1")]})[0] == 200
    # WHEN it is written again in that second, alone and in a transaction; another item is written
    single = send(layer, moto, "UpdateItem", bump("ST1")["Update"])
    tx = send(layer, moto, "TransactWriteItems", {"TransactItems": [bump("ST2"), bump("ST1")]})
    elsewhere = send(layer, moto, "UpdateItem", bump("ST2")["Update"])
    # THEN DynamoDB's throttling answers come back for that item only
    assert single[0] == 400 and single[1]["__type"].endswith("#ProvisionedThroughputExceededException")
    assert [r["Code"] for r in tx[1]["CancellationReasons"]] == ["None", "ThrottlingError"]
    assert elsewhere[0] == 200
    # AND half a second later 500 units are back
    clock.now += 0.5
    assert send(layer, moto, "UpdateItem", bump("ST1")["Update"])[0] == 200
    assert layer.ledger.stats()["throttled"] == 2


def test_writes_are_counted_per_item_and_the_hottest_is_named(layer: FaithfulLayer, moto: Moto) -> None:
    layer.ledger.commit_seconds = 0.0
    for key in ("a", "b", "c"):
        send(layer, moto, "TransactWriteItems", {"TransactItems": [bump("ST1"), put_message(key)]})
    send(layer, moto, "PutItem", put_message("d")["Put"])
    stats = layer.ledger.stats()
    assert stats["writes"] == 7 and stats["items"] == 5
    assert stats["hottest"][0] == {"table": "inbox", "key": {"store_id": {"S": "ST1"}}, "writes": 3}


def test_the_counts_are_read_and_reset_over_http_on_the_embedded_aws(layer: FaithfulLayer, moto: Moto) -> None:
    send(layer, moto, "PutItem", put_message("a")["Put"])
    answers = []
    for method in ("GET", "DELETE", "GET"):
        status: list[str] = []
        environ = {"PATH_INFO": STATS_PATH, "REQUEST_METHOD": method}
        answers.append(json.loads(b"".join(layer.handle(environ, lambda code, headers: status.append(code), moto))))
    assert answers[0]["writes"] == 1 and answers[2]["writes"] == 0


def test_a_write_costs_a_unit_per_started_kilobyte_and_twice_that_in_a_transaction() -> None:
    small = put_message("a")["Put"]
    large = {"TableName": "messages", "Item": {"text": {"S": "x" * 3000}}}
    assert write_units(small, False) == 1 and write_units(small, True) == 2
    assert write_units(large, False) == 3
    assert item_key("t", {"b": 1, "a": 2}) == item_key("t", {"a": 2, "b": 1})
