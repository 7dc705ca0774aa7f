"""The local sandbox's cheaper transaction backups (local/moto_transactions.py) keep moto's semantics:
a cancelled transaction leaves every item as it was, a successful one applies every part, and an
item the transaction does not name is never copied."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local import moto_transactions


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    moto_transactions.install()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                       {"AttributeName": "sk", "KeyType": "RANGE"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                  {"AttributeName": "sk", "AttributeType": "S"}])
        client.create_table(TableName="h", BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        for i in range(50):
            client.put_item(TableName="t", Item={"pk": {"S": f"p{i % 5}"}, "sk": {"S": f"s{i}"}, "n": {"N": "0"}})
        client.put_item(TableName="h", Item={"pk": {"S": "counter"}, "n": {"N": "0"}})
        yield client
    moto_transactions.uninstall()  # the other tests of this process get moto as it comes


def _items(client: Any, table: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(i["pk"]["S"], i.get("sk", {}).get("S", "")): i for i in client.scan(TableName=table)["Items"]}


def _bump(table: str, key: dict[str, Any], condition: str | None = None) -> dict[str, Any]:
    update: dict[str, Any] = {"TableName": table, "Key": key, "UpdateExpression": "SET n = n + :one",
                              "ExpressionAttributeValues": {":one": {"N": "1"}}}
    if condition:
        update["ConditionExpression"] = condition
    return {"Update": update}


def test_a_cancelled_transaction_leaves_every_item_as_it_was(dynamodb: Any) -> None:
    before_t, before_h = _items(dynamodb, "t"), _items(dynamodb, "h")
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(TransactItems=[
            _bump("t", {"pk": {"S": "p1"}, "sk": {"S": "s1"}}),
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "p9"}, "sk": {"S": "new"}}}},
            _bump("h", {"pk": {"S": "counter"}}),
            _bump("h", {"pk": {"S": "absent"}}, condition="attribute_exists(pk)"),  # fails: all is undone
        ])
    assert _items(dynamodb, "t") == before_t
    assert _items(dynamodb, "h") == before_h


def test_a_successful_transaction_applies_every_part(dynamodb: Any) -> None:
    dynamodb.transact_write_items(TransactItems=[
        _bump("t", {"pk": {"S": "p1"}, "sk": {"S": "s1"}}),
        {"Put": {"TableName": "t", "Item": {"pk": {"S": "p9"}, "sk": {"S": "new"}, "n": {"N": "7"}}}},
        _bump("h", {"pk": {"S": "counter"}}, condition="attribute_exists(pk)"),
    ])
    items = _items(dynamodb, "t")
    assert items[("p1", "s1")]["n"] == {"N": "1"}
    assert items[("p9", "new")]["n"] == {"N": "7"}
    assert _items(dynamodb, "h")[("counter", "")]["n"] == {"N": "1"}
    assert len(items) == 51


def test_items_the_transaction_does_not_name_are_not_copied(dynamodb: Any) -> None:
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends["123456789012"]["us-east-1"].tables["t"]
    untouched = {id(item) for ranged in table.items.values() for item in ranged.values()}
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(TransactItems=[
            _bump("t", {"pk": {"S": "p1"}, "sk": {"S": "s1"}}, condition="n = :one"),  # fails
        ])
    restored = dynamodb_backends["123456789012"]["us-east-1"].tables["t"]
    after = {id(item) for ranged in restored.items.values() for item in ranged.values()}
    assert len(untouched - after) == 1  # only the named item was copied back
