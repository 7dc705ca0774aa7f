"""Transactions in the embedded DynamoDB at a cost that does not grow with the table.

moto backs up every table a ``TransactWriteItems`` touches with ``copy.deepcopy`` before applying it
(to roll a cancelled one back): a cost proportional to the whole table, paid by every transaction.
With a few thousand messages stored, each webhook then spends most of its time copying tables, and a
load run (``bench/load.py``) measures moto instead of us. Here the backup copies the table's item
index one level deep and deep-copies only the items the transaction names: a cancelled transaction
restores exactly what it may have changed, as before.

Only for the local sandbox, whose DynamoDB requests run one at a time (``sandbox.serialize_dynamodb``).
"""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from types import ModuleType
from typing import Any

_named = threading.local()  # the keys, by table, of the transaction being applied on this thread


def _keys_by_table(transact_items: list[dict[str, Any]], tables: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    keys: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = tables.get(op.get("TableName"))
        if table is None:
            continue
        if "Key" in op:
            keys[table.name].append(op["Key"])
        else:
            names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
            keys[table.name].append({name: op["Item"][name] for name in names})
    return keys


def _backup(table: Any, keys: list[dict[str, Any]]) -> Any:
    """A copy of ``table`` that shares every item except the ones named (deep copies of those)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    clone = copy.copy(table)
    if table.has_range_key:
        clone.items = defaultdict(dict, {hash_key: dict(ranged) for hash_key, ranged in table.items.items()})
    else:
        clone.items = defaultdict(dict, table.items)
    for key in keys:
        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = DynamoType(key[table.range_key_attr]) if table.has_range_key else None
        if range_key is not None:
            item = table.items.get(hash_key, {}).get(range_key)
            if item is not None:
                clone.items[hash_key][range_key] = copy.deepcopy(item)
        elif hash_key in table.items:
            clone.items[hash_key] = copy.deepcopy(table.items[hash_key])
    return clone


class _CopyModule(ModuleType):
    """``copy`` as moto's DynamoDB backend sees it: a table's backup inside a transaction is :func:`_backup`."""

    def __init__(self) -> None:
        super().__init__("copy")
        self.copy = copy.copy
        self.Error = copy.Error

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        named = getattr(_named, "keys", None)
        if named is not None and isinstance(value, Table) and value.name in named:
            return _backup(value, named[value.name])
        return copy.deepcopy(value, memo)


def install() -> None:
    from moto.dynamodb import models

    if getattr(models.DynamoDBBackend, "_memberlink_cheap_backups", False):
        return
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        try:
            _named.keys = _keys_by_table(transact_items, self.tables)
        except (KeyError, TypeError, AttributeError, StopIteration):
            _named.keys = None  # a malformed request: moto's own validation answers it, with its full backup
        try:
            return original(self, transact_items)
        finally:
            _named.keys = None

    transact_write_items._memberlink_original = original  # type: ignore[attr-defined]
    models.copy = _CopyModule()  # type: ignore[attr-defined]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    models.DynamoDBBackend._memberlink_cheap_backups = True  # type: ignore[attr-defined]


def uninstall() -> None:
    """moto as it comes (for tests that installed this in a shared process)."""
    from moto.dynamodb import models

    if not getattr(models.DynamoDBBackend, "_memberlink_cheap_backups", False):
        return
    models.DynamoDBBackend.transact_write_items = (  # type: ignore[method-assign]
        models.DynamoDBBackend.transact_write_items._memberlink_original)  # type: ignore[attr-defined]
    models.copy = copy  # type: ignore[attr-defined]
    models.DynamoDBBackend._memberlink_cheap_backups = False  # type: ignore[attr-defined]
