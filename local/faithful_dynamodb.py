"""The embedded DynamoDB as strict as DynamoDB documents it: conflicts, per-item throttling, and a write count.

moto applies requests one at a time (``sandbox.serialize_dynamodb``) and never refuses one for
contention, so a design whose every message writes one store-wide item looks fine locally and fails
on AWS. This layer sits in front of moto's server (a WSGI wrapper over its dispatcher) and answers as
DynamoDB does (Developer Guide, "Transaction conflict handling" and partition throughput limits):

- **In flight.** A ``TransactWriteItems`` holds each item it names while moto applies it and for a
  commit time after (``MEMBERLINK_FAITHFUL_COMMIT_MS``, 10 ms: about what a small transaction takes on
  DynamoDB, whose items stay locked until it has committed). moto applies one request at a time, so the
  check and the apply happen together, in the order requests get their turn; time spent waiting for
  that turn is not in flight (on AWS there is no such queue).
- **Conflicts.** A ``TransactWriteItems`` naming an item another one holds is cancelled
  (``TransactionCanceledException``, reason ``TransactionConflict`` on that item, ``None`` on the
  others); a ``PutItem``/``UpdateItem``/``DeleteItem`` of a held item is refused with
  ``TransactionConflictException``; a ``TransactGetItems`` reading a held item is cancelled with
  ``TransactionConflict``; a ``BatchWriteItem`` touching a held item comes back whole as
  ``UnprocessedItems`` (the caller retries them, as BatchWriteItem callers must).
- **Throttling.** Each item has 1,000 write units a second (a partition's limit; an item never spans
  partitions). A write costs one unit per KB of the request's item (at least 1), a transactional write
  two. Past the limit a single write gets ``ProvisionedThroughputExceededException`` and a transaction
  is cancelled with ``ThrottlingError`` on that item.
- **Counts.** Every applied write is counted per item (table and key), so a run can name its hottest
  item: ``GET /_memberlink/dynamodb`` on the embedded AWS answers the counts (``DELETE`` resets them).

On by default in ``make run`` and the stack tests; ``MEMBERLINK_FAITHFUL_DYNAMODB=0`` turns it off.
What it does not emulate: a single write in flight making a ``TransactGetItems`` conflict (single
writes are applied at once here), global secondary index partitions, and on-demand tables' table-wide
ramp-up (double the previous peak).
"""

from __future__ import annotations

import io
import json
import math
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

STATS_PATH = "/_memberlink/dynamodb"
COMMIT_SECONDS = float(os.environ.get("MEMBERLINK_FAITHFUL_COMMIT_MS", "10")) / 1000
ITEM_WRITE_UNITS_PER_SECOND = 1000.0
_PREFIX = "com.amazonaws.dynamodb.v20120810#"
_SINGLE_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}

ItemKey = tuple[str, str]  # (table, the key's attributes as canonical JSON)


def enabled() -> bool:
    return os.environ.get("MEMBERLINK_FAITHFUL_DYNAMODB", "1").strip().lower() not in ("0", "false", "no", "off")


def item_key(table: str, key: dict[str, Any]) -> ItemKey:
    return table, json.dumps(key, sort_keys=True, separators=(",", ":"))


def write_units(part: dict[str, Any], transactional: bool) -> float:
    """One unit per started KB of what the request writes (at least 1); two for a transactional write."""
    size = len(json.dumps(part.get("Item") or part, separators=(",", ":")).encode())
    units = max(1, math.ceil(size / 1024))
    return float(units * (2 if transactional else 1))


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class Ledger:
    """What the layer knows: items held by transactions in flight, each item's write budget, the counts."""

    clock: Callable[[], float] = time.monotonic
    units_per_second: float = ITEM_WRITE_UNITS_PER_SECOND
    writes: Counter[ItemKey] = field(default_factory=Counter)
    conflicts: int = 0
    throttled: int = 0
    transactions: int = 0
    commit_seconds: float = COMMIT_SECONDS
    _held: dict[ItemKey, float] = field(default_factory=dict)  # item -> until when (inf while applying)
    _buckets: dict[ItemKey, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- in flight -------------------------------------------------------------------------------

    def _taken(self, keys: Iterable[ItemKey]) -> list[bool]:
        now = self.clock()
        return [self._held.get(key, -math.inf) > now for key in keys]

    def hold(self, keys: list[ItemKey]) -> list[bool]:
        """For a transaction: which of ``keys`` another transaction holds. When none is, holds them all."""
        with self._lock:
            taken = self._taken(keys)
            if any(taken):
                self.conflicts += 1
                return taken
            for key in keys:
                self._held[key] = math.inf
            self.transactions += 1
            return taken

    def release(self, keys: list[ItemKey], committed: bool = True) -> None:
        """The transaction has answered: its items stay held for the commit time (not when it was refused)."""
        with self._lock:
            until = self.clock() + (self.commit_seconds if committed else 0.0)
            for key in keys:
                self._held[key] = until
            if len(self._held) > 10_000:
                now = self.clock()
                self._held = {key: end for key, end in self._held.items() if end > now}

    def held(self, keys: Iterable[ItemKey]) -> list[bool]:
        """For a single write or a read: which of ``keys`` a transaction holds (counted as a conflict if any)."""
        with self._lock:
            taken = self._taken(keys)
            if any(taken):
                self.conflicts += 1
            return taken

    # --- throughput ------------------------------------------------------------------------------

    def charge(self, costs: list[tuple[ItemKey, float]]) -> list[bool]:
        """Spends each item's write units; when any item lacks them nothing is spent and those are True."""
        with self._lock:
            now = self.clock()
            short = []
            for key, units in costs:
                bucket = self._buckets.get(key)
                if bucket is None:
                    bucket = self._buckets[key] = _Bucket(self.units_per_second, now)
                bucket.tokens = min(self.units_per_second, bucket.tokens + (now - bucket.at) * self.units_per_second)
                bucket.at = now
                short.append(bucket.tokens < units)
            if any(short):
                self.throttled += 1
                return short
            for key, units in costs:
                self._buckets[key].tokens -= units
            if len(self._buckets) > 200_000:  # full buckets are the default: forget them
                self._buckets = {k: b for k, b in self._buckets.items() if b.tokens < self.units_per_second}
            return short

    # --- counts ----------------------------------------------------------------------------------

    def count(self, keys: Iterable[ItemKey]) -> None:
        with self._lock:
            self.writes.update(keys)

    def stats(self, top: int = 10) -> dict[str, Any]:
        with self._lock:
            hottest = [{"table": table, "key": json.loads(key), "writes": n}
                       for (table, key), n in self.writes.most_common(top)]
            return {"writes": sum(self.writes.values()), "items": len(self.writes), "hottest": hottest,
                    "conflicts": self.conflicts, "throttled": self.throttled, "transactions": self.transactions}

    def reset(self) -> None:
        with self._lock:
            self.writes.clear()
            self.conflicts = self.throttled = self.transactions = 0


# --- the WSGI layer ----------------------------------------------------------------------------------

KeySchema = Callable[[str], list[str]]  # table name -> its key attribute names
Wsgi = Callable[[dict[str, Any], Any], Iterable[bytes]]


def moto_key_schema(region: str = "us-east-1") -> KeySchema:
    """Key attribute names from moto's own tables (hash key, then range key)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    def names(table: str) -> list[str]:
        found = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].tables.get(table)
        if found is None:
            return []
        return [found.hash_key_attr] + ([found.range_key_attr] if found.range_key_attr else [])

    return names


def _key_of(part: dict[str, Any], schema: KeySchema) -> ItemKey | None:
    table = part.get("TableName")
    if not isinstance(table, str):
        return None
    if isinstance(part.get("Key"), dict):
        return item_key(table, part["Key"])
    item = part.get("Item")
    names = schema(table)
    if not isinstance(item, dict) or not names or any(name not in item for name in names):
        return None
    return item_key(table, {name: item[name] for name in names})


def _error(start_response: Any, kind: str, message: str, extra: dict[str, Any] | None = None) -> list[bytes]:
    body = json.dumps({"__type": _PREFIX + kind, "message": message, "Message": message, **(extra or {})}).encode()
    start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.0"),
                                       ("Content-Length", str(len(body))), ("x-amzn-RequestId", "memberlink-faithful")])
    return [body]


def _ok(start_response: Any, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))])
    return [body]


_REASONS = {
    "TransactionConflict": "Transaction is ongoing for the item",
    "ThrottlingError": "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically "
                       "scaling your table or index so please try again shortly.",
}


def _cancelled(start_response: Any, flags: list[bool], code: str) -> list[bytes]:
    reasons = [{"Code": code, "Message": _REASONS[code]} if flag else {"Code": "None"} for flag in flags]
    codes = ", ".join(reason["Code"] for reason in reasons)
    return _error(start_response, "TransactionCanceledException",
                  f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
                  {"CancellationReasons": reasons})


class FaithfulLayer:
    """Wraps the embedded AWS's WSGI callable; only DynamoDB requests and :data:`STATS_PATH` are looked at."""

    def __init__(self, schema: KeySchema, ledger: Ledger | None = None) -> None:
        self.schema = schema
        self.ledger = ledger or Ledger()
        self._turn = threading.Lock()  # one write at a time: its check and its apply are one step
        # Tests only: called with a transaction's keys once moto applied it, while they are still held (the
        # commit time starts when it returns); and with the keys of a request refused for a conflict.
        self.on_hold: Callable[[list[ItemKey]], None] | None = None
        self.on_conflict: Callable[[list[ItemKey]], None] | None = None

    def handle(self, environ: dict[str, Any], start_response: Any, inner: Wsgi) -> Iterable[bytes]:
        """Answers one request, passing it to ``inner`` (moto) unless DynamoDB would refuse it."""
        if environ.get("PATH_INFO") == STATS_PATH:
            if environ.get("REQUEST_METHOD") == "DELETE":
                self.ledger.reset()
            return _ok(start_response, self.ledger.stats())
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if not target.startswith("DynamoDB_"):
            return inner(environ, start_response)
        operation = target.split(".", 1)[-1]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            request = json.loads(raw) if raw else {}
        except ValueError:
            return inner(environ, start_response)
        if operation == "TransactWriteItems":
            return self._transaction(request, environ, start_response, inner)
        if operation in _SINGLE_WRITES:
            return self._single(request, environ, start_response, inner)
        if operation == "BatchWriteItem":
            return self._batch(request, environ, start_response, inner)
        if operation == "TransactGetItems":
            keys = [_key_of(next(iter(entry.values())), self.schema) for entry in request.get("TransactItems", [])]
            if all(key is not None for key in keys):
                with self._turn:
                    flags = self.ledger.held([key for key in keys if key is not None])
                    if any(flags):
                        return _cancelled(start_response, flags, "TransactionConflict")
                    return self._apply(environ, start_response, inner)[1]
        return inner(environ, start_response)

    @staticmethod
    def _apply(environ: dict[str, Any], start_response: Any, inner: Wsgi) -> tuple[bool, list[bytes]]:
        status: list[str] = []

        def capture(code: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(code)
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        body = list(inner(environ, capture))  # produced here, so the status is known
        return bool(status) and status[0].startswith("200"), body

    def _transaction(self, request: dict[str, Any], environ: dict[str, Any], start_response: Any,
                            inner: Wsgi) -> Iterable[bytes]:
        parts = [next(iter(entry.values())) for entry in request.get("TransactItems", []) if entry]
        keys = [_key_of(part, self.schema) for part in parts]
        if any(key is None for key in keys) or len(set(keys)) != len(keys):
            return inner(environ, start_response)  # malformed: moto's own validation answers
        known: list[ItemKey] = [key for key in keys if key is not None]
        writing = [(key, write_units(part, True)) for key, part, entry in
                   zip(known, parts, request["TransactItems"], strict=True) if "ConditionCheck" not in entry]
        with self._turn:
            taken = self.ledger.hold(known)
            if any(taken):
                if self.on_conflict:
                    self.on_conflict(known)
                return _cancelled(start_response, taken, "TransactionConflict")
            try:
                short = dict(zip([key for key, _ in writing], self.ledger.charge(writing), strict=True))
                if any(short.values()):
                    self.ledger.release(known, committed=False)
                    return _cancelled(start_response, [short.get(key, False) for key in known], "ThrottlingError")
                applied, body = self._apply(environ, start_response, inner)
            except BaseException:
                self.ledger.release(known, committed=False)
                raise
        try:
            if applied:
                self.ledger.count(key for key, _ in writing)
            if self.on_hold:
                self.on_hold(known)
            return body
        finally:
            self.ledger.release(known)

    def _single(self, request: dict[str, Any], environ: dict[str, Any], start_response: Any,
                       inner: Wsgi) -> Iterable[bytes]:
        key = _key_of(request, self.schema)
        if key is None:
            return inner(environ, start_response)
        with self._turn:
            if self.ledger.held([key])[0]:
                if self.on_conflict:
                    self.on_conflict([key])
                return _error(start_response, "TransactionConflictException", "Transaction is ongoing for the item")
            if self.ledger.charge([(key, write_units(request, False))])[0]:
                return _error(start_response, "ProvisionedThroughputExceededException",
                              "The level of configured provisioned throughput for the table was exceeded: this "
                              "item's key range takes at most 1,000 write units a second (KeyRangeThroughputExceeded)")
            applied, body = self._apply(environ, start_response, inner)
        if applied:
            self.ledger.count([key])
        return body

    def _batch(self, request: dict[str, Any], environ: dict[str, Any], start_response: Any,
                      inner: Wsgi) -> Iterable[bytes]:
        keys: list[ItemKey] = []
        for table, entries in (request.get("RequestItems") or {}).items():
            for entry in entries:
                part = entry.get("PutRequest") or entry.get("DeleteRequest") or {}
                key = _key_of({**part, "TableName": table}, self.schema)
                if key is not None:
                    keys.append(key)
        with self._turn:
            if any(self.ledger.held(keys)):
                return _ok(start_response, {"UnprocessedItems": request.get("RequestItems") or {}})
            applied, body = self._apply(environ, start_response, inner)
        if applied:
            unprocessed = json.loads(b"".join(body) or b"{}").get("UnprocessedItems") or {}
            left = {_key_of({**(e.get("PutRequest") or e.get("DeleteRequest") or {}), "TableName": t}, self.schema)
                    for t, entries in unprocessed.items() for e in entries}
            self.ledger.count(key for key in keys if key not in left)
        return body


_installed: FaithfulLayer | None = None


def install(region: str = "us-east-1") -> FaithfulLayer:
    """Puts one layer in front of every moto server of this process (before ``ThreadedMotoServer`` starts);
    wraps whatever dispatch is installed (the sandbox's one-at-a-time lock goes on inside it)."""
    global _installed
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if _installed is not None:
        return _installed
    dispatch = DomainDispatcherApplication.__call__
    layer = FaithfulLayer(schema=moto_key_schema(region))

    def faithful(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        return layer.handle(environ, start_response, lambda env, respond: dispatch(self, env, respond))

    DomainDispatcherApplication.__call__ = faithful  # type: ignore[method-assign]
    DomainDispatcherApplication._memberlink_faithful = dispatch  # type: ignore[attr-defined]
    _installed = layer
    return layer


def uninstall() -> None:
    """moto as it was before :func:`install` (tests that installed it in a shared process)."""
    global _installed
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = getattr(DomainDispatcherApplication, "_memberlink_faithful", None)
    if original is not None:
        DomainDispatcherApplication.__call__ = original  # type: ignore[method-assign]
        del DomainDispatcherApplication._memberlink_faithful  # type: ignore[attr-defined]
    _installed = None
