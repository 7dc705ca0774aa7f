"""Recomputing one member's stage when one of their orders is created or changes status.

Runs right after the order is written, in the same request: reads the member (GetItem), their
orders (one Query on ``by_member``), the store (GetItem) and the current parameters (Query, limit 1),
then writes at most once (:func:`chalicelib.lifecycle.tracking.move`, one TransactWrite) and only
when the stage changed. A failure here never undoes the order: it is logged, and the daily run
puts the member right.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib import clock
from chalicelib.lifecycle import parameters
from chalicelib.lifecycle.stages import CountedOrder, classify, order_counts
from chalicelib.lifecycle.tracking import Change, move
from chalicelib.logs import logger
from chalicelib.models.binding import OrderModel
from chalicelib.models.members import MemberModel
from chalicelib.models.stores import StoreModel


def counted_orders(orders: Iterable[OrderModel]) -> list[CountedOrder]:
    return [CountedOrder(order.ordered_at, Decimal(order.total)) for order in orders if order_counts(order.status)]


def member_orders(store_id: str, member_id: str) -> list[OrderModel]:
    return list(OrderModel.by_member.query(f"{store_id}#{member_id}"))


def live_view(store_id: str, member: MemberModel, orders: Iterable[OrderModel], now: datetime) -> dict[str, Any]:
    """The profile's ``lifecycle`` for a member no order change or daily run has staged yet (nothing written).

    Such a member has no paid order that was processed, so the stage has held since they were created;
    ``orders`` are the ones the profile already read.
    """
    store = StoreModel.get(store_id, attributes_to_get=["timezone"])
    params = parameters.current(store_id).effective()
    verdict = classify(counted_orders(orders), member.created_at, params, now, store.timezone)
    return {"stage": verdict.stage, "since": clock.isoformat(member.created_at), "reason": verdict.reason,
            "parameters_version": params.version}


def recompute_member(store_id: str, member_id: str, now: datetime) -> Change | None:
    """Bring one member's stored stage up to date; the change made, or None."""
    try:
        member = MemberModel.get(store_id, member_id, consistent_read=True)
        store = StoreModel.get(store_id, attributes_to_get=["timezone"])
        params = parameters.current(store_id).effective()
        orders = counted_orders(member_orders(store_id, member_id))
        verdict = classify(orders, member.created_at, params, now, store.timezone)
        return move(store_id, member_id, member.lifecycle_stage, verdict, params.version, now, cause="order",
                    store_day=clock.local_day(now, store.timezone))
    except DoesNotExist:
        return None
    except Exception:
        logger.exception("lifecycle recompute failed", extra={"store_id": store_id})
        return None
