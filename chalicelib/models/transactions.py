"""The process's one DynamoDB connection, and transactions whose items carry names.

One connection: every model (through :class:`chalicelib.models.base.StageModel`) and every
transaction share one PynamoDB ``Connection``, so one botocore client, built on first use and
kept for the life of the process. Building a client loads the DynamoDB service model from JSON
(about 45 ms of CPU); a fresh ``Connection()`` per transaction paid that on every request.

Named items: PynamoDB sends a transaction's condition checks, then deletes, then puts, then
updates, whatever order they were added in, and DynamoDB's cancellation reasons follow that
wire order. Counting positions breaks silently the day someone adds an item, so every item is
added with a name and a cancellation is asked about by name::

    tx = NamedTransaction()
    try:
        with tx:
            tx.save("delivery", delivery, condition=DeliveryModel.key.does_not_exist())
            tx.update("conversation", conversation, actions=[...], condition=...)
    except TransactWriteError as exc:
        if tx.failed(exc, "delivery"):
            ...  # a redelivery

Reads that must see several items at one instant use :class:`NamedGet` on the same connection.
Nothing outside this module reads ``cancellation_reasons`` or builds a ``Connection``.

Contention is retried here, for every write of the process: DynamoDB cancels a transaction that
overlaps another one on the same item (``TransactionConflict``), refuses a single write to an item a
transaction holds (``TransactionConflictException``) and throttles an item written faster than its
partition allows. None of these applied anything, so sending the same request again is safe: the
connection does, with jittered exponential backoff, and each transaction carries a
``ClientRequestToken`` so that botocore's own retry of a timed-out one is not applied twice.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from pynamodb.connection import Connection
from pynamodb.exceptions import CancellationReason, DoesNotExist, TransactWriteError, VerboseClientError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model, _ModelFuture
from pynamodb.transactions import TransactGet, TransactWrite

_KINDS = ("check", "delete", "put", "update")  # PynamoDB's wire order
_M = TypeVar("_M", bound=Model)

_connection: Connection | None = None
_lock = threading.Lock()

# Contention retries: up to 10 attempts, "equal jitter" over 10 ms x 2^n capped at 1 s (2.1 s at least before the
# last try, 4.3 s at most),
# well inside a webhook's time; what still conflicts after that answers 500 and the platform redelivers.
CONTENTION_ATTEMPTS = 10
_BACKOFF_BASE_SECONDS = 0.010
_BACKOFF_CAP_SECONDS = 1.0
_RETRIED_REASONS = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
_RETRIED_ERRORS = {"TransactionConflictException", "ProvisionedThroughputExceededException", "ThrottlingException",
                   "RequestLimitExceeded"}
_sleep: Callable[[float], None] = time.sleep  # tests replace it to see the waits


def contention(error: VerboseClientError) -> bool:
    """True when DynamoDB refused the request for contention only (nothing was applied; the same request may
    simply be sent again): never when a condition failed."""
    code = error.response.get("Error", {}).get("Code", "")
    if code in _RETRIED_ERRORS:
        return True
    if code != "TransactionCanceledException":
        return False
    reasons = [reason.code for reason in getattr(error, "cancellation_reasons", None) or [] if reason is not None]
    return bool(reasons) and all(reason in _RETRIED_REASONS for reason in reasons)


def backoff_seconds(attempt: int) -> float:
    """Equal jitter: half of min(cap, base x 2^attempt), plus up to that half again at random (attempt 0 is the
    first retry). Never near zero, so requests that collided spread out instead of colliding again."""
    ceiling = min(_BACKOFF_CAP_SECONDS, _BACKOFF_BASE_SECONDS * 2 ** attempt)
    return float(ceiling / 2 + random.uniform(0, ceiling / 2))  # noqa: S311 - spreading, not secrecy


class RetryingConnection(Connection):
    """PynamoDB's connection, sending a request again while DynamoDB refuses it for contention."""

    def _make_api_call(self, operation_name: str, operation_kwargs: dict[str, Any]) -> dict[str, Any]:
        for attempt in range(CONTENTION_ATTEMPTS):
            try:
                return super()._make_api_call(operation_name, operation_kwargs)
            except VerboseClientError as error:
                if not contention(error):
                    raise
                if attempt + 1 == CONTENTION_ATTEMPTS:
                    from chalicelib.logs import logger  # only on this rare path: cold start stays small

                    logger.warning("dynamodb contention: gave up", extra={"operation": operation_name,
                                                                          "attempts": CONTENTION_ATTEMPTS})
                    raise
            if "ClientRequestToken" in operation_kwargs:
                # The cancelled attempt applied nothing: a new token makes the next one a new request.
                operation_kwargs["ClientRequestToken"] = str(uuid.uuid4())
            _sleep(backoff_seconds(attempt))
        raise AssertionError("unreachable")


def connection() -> Connection:
    """The process's PynamoDB connection, built on first use (its botocore client is thread-safe)."""
    global _connection
    if _connection is None:
        with _lock:
            if _connection is None:
                _connection = RetryingConnection()
    return _connection


def reset_connection() -> None:
    """Forget the connection, so the next call honours a new ``AWS_ENDPOINT_URL`` (bench, tools)."""
    global _connection
    with _lock:
        _connection = None


class NamedTransaction:
    """A ``TransactWrite`` on the shared connection whose items are asked about by name."""

    def __init__(self) -> None:
        self.tx = TransactWrite(connection=connection(), client_request_token=str(uuid.uuid4()))
        self._names: dict[str, list[str]] = {kind: [] for kind in _KINDS}
        self.committed = False  # True once DynamoDB accepted the whole transaction

    def __enter__(self) -> NamedTransaction:
        self.tx.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> Any:
        result = self.tx.__exit__(exc_type, exc, tb)
        self.committed = exc_type is None
        return result

    def _add(self, kind: str, name: str) -> None:
        if any(name in names for names in self._names.values()):
            raise ValueError(f"two items named {name!r} in one transaction")
        self._names[kind].append(name)

    def check(self, name: str, model_cls: type[Model], hash_key: str, range_key: str | None,
              condition: Condition) -> None:
        self._add("check", name)
        self.tx.condition_check(model_cls, hash_key, range_key, condition=condition)

    def delete(self, name: str, model: Model, condition: Condition | None = None) -> None:
        self._add("delete", name)
        self.tx.delete(model, condition=condition)

    def save(self, name: str, model: Model, condition: Condition | None = None) -> None:
        self._add("put", name)
        self.tx.save(model, condition=condition)

    def update(self, name: str, model: Model, actions: list[Action], condition: Condition | None = None,
               return_old_on_failure: bool = False) -> None:
        """``return_old_on_failure``: the refused item's stored attributes come back in its reason."""
        self._add("update", name)
        self.tx.update(model, actions=actions, condition=condition,
                       return_values="ALL_OLD" if return_old_on_failure else None)

    def names(self) -> list[str]:
        """Every item's name, in wire order."""
        return [name for kind in _KINDS for name in self._names[kind]]

    def reason(self, error: TransactWriteError, name: str) -> CancellationReason | None:
        order = self.names()
        reasons = error.cancellation_reasons
        index = order.index(name) if name in order else -1
        return reasons[index] if 0 <= index < len(reasons) else None

    def failed(self, error: TransactWriteError, name: str) -> bool:
        """True when the item ``name`` was refused by its condition."""
        reason = self.reason(error, name)
        return reason is not None and reason.code == "ConditionalCheckFailed"

    def old_item(self, error: TransactWriteError, name: str) -> dict[str, Any] | None:
        """The refused item's stored attributes (raw DynamoDB JSON), when it was added with
        ``return_old_on_failure`` and existed."""
        reason = self.reason(error, name)
        return reason.raw_item if reason is not None and reason.raw_item else None

    def refused(self, error: TransactWriteError) -> list[str]:
        """The names of the items refused by their condition, in wire order."""
        return [name for name in self.names() if self.failed(error, name)]


def condition_failed(error: TransactWriteError) -> bool:
    """Cancelled because at least one item's condition did not hold."""
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in error.cancellation_reasons or [])


def conflicted(error: TransactWriteError) -> bool:
    """Cancelled because another transaction was changing one of the items at that moment."""
    return any(r is not None and r.code == "TransactionConflict" for r in error.cancellation_reasons or [])


class NamedGet:
    """A ``TransactGet`` on the shared connection: items read at one instant, found by name."""

    def __init__(self) -> None:
        self.tx = TransactGet(connection=connection())
        self._futures: dict[str, _ModelFuture[Any]] = {}

    def __enter__(self) -> NamedGet:
        self.tx.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> Any:
        return self.tx.__exit__(exc_type, exc, tb)

    def get(self, name: str, model_cls: type[_M], hash_key: str, range_key: str | None = None) -> _ModelFuture[_M]:
        if name in self._futures:
            raise ValueError(f"two items named {name!r} in one read")
        future = self.tx.get(model_cls, hash_key, range_key)
        self._futures[name] = future
        return future

    def found(self, name: str, model_cls: type[_M]) -> _M | None:
        """The item read as ``name``, or None when it does not exist."""
        try:
            item = self._futures[name].get()
        except DoesNotExist:
            return None
        if not isinstance(item, model_cls):
            raise TypeError(f"{name!r} is a {type(item).__name__}, not a {model_cls.__name__}")
        return item
