"""Operator upgrade steps run by ``manage.py`` (not deployed: the functions never Scan).

``backfill-order-keys``:
Orders stored before customer lifecycles have no ``member_order_key``, so they are missing from the
``by_store_member`` index the daily run reads: those members would look as if they had never ordered.
This sets ``member_order_key = <member_id>#<ordered_key>`` (what every new order gets) on each order
lacking it. It Scans the orders table once, which the deployed functions' policy never allows: it
runs with the operator's credentials. Each write is conditional on the key still being absent, so a
run can be repeated or interrupted and resumed; it changes nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import UpdateError

from chalicelib.models.binding import OrderModel


@dataclass
class Backfilled:
    scanned: int = 0  # orders without the key that the Scan returned
    updated: int = 0
    skipped: int = 0  # given the key meanwhile (a new order path, or another run)


def backfill_member_order_keys(store_id: str | None = None) -> Backfilled:
    """Give every order (of ``store_id``, or of every store) that lacks it its ``member_order_key``."""
    result = Backfilled()
    condition = OrderModel.member_order_key.does_not_exist()
    if store_id is not None:
        condition = condition & (OrderModel.store_id == store_id)
    for order in OrderModel.scan(filter_condition=condition):
        result.scanned += 1
        try:
            order.update(actions=[OrderModel.member_order_key.set(f"{order.member_id}#{order.ordered_key}")],
                         condition=OrderModel.member_order_key.does_not_exist())
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            result.skipped += 1
            continue
        result.updated += 1
    return result
