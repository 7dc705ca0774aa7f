"""A TransactWrite whose items carry names, so a cancellation says which condition failed.

PynamoDB sends condition checks, then deletes, then puts, then updates, whatever order they were
added in; DynamoDB's cancellation reasons follow that wire order. This keeps the bookkeeping here.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import CancellationReason, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

_KINDS = ("check", "delete", "put", "update")


class NamedTransaction:
    def __init__(self) -> None:
        self.tx = TransactWrite(connection=Connection())
        self._names: dict[str, list[str]] = {kind: [] for kind in _KINDS}

    def __enter__(self) -> NamedTransaction:
        self.tx.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> Any:
        return self.tx.__exit__(exc_type, exc, tb)  # type: ignore[no-untyped-call]

    def check(self, name: str, model_cls: type[Model], hash_key: str, range_key: str | None,
              condition: Condition) -> None:
        self._names["check"].append(name)
        self.tx.condition_check(model_cls, hash_key, range_key, condition=condition)

    def delete(self, name: str, model: Model, condition: Condition | None = None) -> None:
        self._names["delete"].append(name)
        self.tx.delete(model, condition=condition)

    def save(self, name: str, model: Model, condition: Condition | None = None) -> None:
        self._names["put"].append(name)
        self.tx.save(model, condition=condition)

    def update(self, name: str, model: Model, actions: list[Action], condition: Condition | None = None,
               return_old_on_failure: bool = False) -> None:
        self._names["update"].append(name)
        self.tx.update(model, actions=actions, condition=condition,
                       return_values="ALL_OLD" if return_old_on_failure else None)

    def reason(self, error: TransactWriteError, name: str) -> CancellationReason | None:
        order = [n for kind in _KINDS for n in self._names[kind]]
        reasons = error.cancellation_reasons
        index = order.index(name) if name in order else -1
        return reasons[index] if 0 <= index < len(reasons) else None

    def failed(self, error: TransactWriteError, name: str) -> bool:
        """True when the item ``name`` was refused by its condition."""
        reason = self.reason(error, name)
        return reason is not None and reason.code == "ConditionalCheckFailed"


def conflicted(error: TransactWriteError) -> bool:
    """Cancelled because another transaction was changing one of the items at that moment."""
    return any(r is not None and r.code == "TransactionConflict" for r in error.cancellation_reasons)
