"""Orders the storefront reports, and the binding a cart link's order makes.

"When a customer clicks the shopping cart link from their social channel and checks out, the system
will automatically bind the social account with the member account." The order is always recorded
(it happened); what it did to the binding is reported beside it (``binding.status``):

- ``bound``: this order bound the chat's social account to the member;
- ``already_bound``: the account was already this member's;
- ``bound_to_other_member``: the account belongs to another member and stays so;
- ``link_already_used``: the cart link already bound an account through an earlier order (a cart
  link binds once; later orders through it are only recorded);
- ``invalid_token`` / ``token_expired``: the cart token is unknown or older than 7 days.

One order is one ``TransactWrite`` (order put with ``attribute_not_exists``, token, identity,
member, conversation), after one read of the cart token. The same ``order_id`` again is stored once
and answers with the stored order.

Orders are a feed: ``status`` (``paid`` by default, ``pending``, ``cancelled``, ``refunded``) and
``ordered_at`` (default now) come with the order, and ``PUT /storefront/orders/{order_id}`` changes
the status later (one conditional UpdateItem). Only paid orders count for the customer lifecycle:
creating a paid order, or a change into or out of ``paid``, recomputes the member's stage right after
the write (:mod:`chalicelib.lifecycle.incremental`, at most one more write).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.binding import bindings, links
from chalicelib.errors import ApiError, Conflict, InvalidRequest, NotFound
from chalicelib.lifecycle.stages import order_counts
from chalicelib.members import blacklist as member_blacklist
from chalicelib.members import find_identity, social_identity
from chalicelib.models.binding import ORDER_STATUSES, PAID, BindingTokenModel, OrderModel
from chalicelib.models.members import MemberModel
from chalicelib.models.transactions import NamedTransaction, conflicted

MAX_TOTAL = Decimal("1000000000000")
STATUSES = ORDER_STATUSES
FUTURE_TOLERANCE = timedelta(minutes=5)  # storefront clocks drift; an order much later than now is a mistake


def check_total(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidRequest("'total' must be a number such as 1280 or \"1280.50\"", field="total")
    try:
        total = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidRequest("'total' must be a number such as 1280 or \"1280.50\"", field="total") from None
    if not total.is_finite() or total < 0 or total > MAX_TOTAL or -total.as_tuple().exponent > 4:  # type: ignore[operator]
        raise InvalidRequest("'total' must be between 0 and 10^12 with at most 4 decimals", field="total")
    return str(total)


def check_currency(value: str) -> str:
    if len(value) != 3 or not value.isalpha() or not value.isascii():
        raise InvalidRequest("'currency' must be an ISO 4217 code such as TWD", field="currency")
    return value.upper()


def check_order_id(value: str) -> str:
    if not value or "#" in value:
        raise InvalidRequest("'order_id' must be the storefront's order id (no '#')", field="order_id")
    return value


def recompute_member(store_id: str, member_id: str, now: datetime) -> None:
    # Here, not at the top: the lifecycle loads with the first order that counts, not with every binding route.
    from chalicelib.lifecycle.incremental import recompute_member as recompute

    recompute(store_id, member_id, now)


def check_status(value: str) -> str:
    if value not in STATUSES:
        raise InvalidRequest(f"'status' must be one of {', '.join(STATUSES)}", field="status")
    return value


def check_ordered_at(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidRequest("'ordered_at' must be an ISO 8601 time with offset, e.g. 2026-05-01T12:30:00+08:00",
                             field="ordered_at")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class PlacedOrder:
    order: OrderModel
    created: bool


def _sortable(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def place_order(store_id: str, body: dict[str, Any], now: datetime) -> PlacedOrder:
    placed = _place_order(store_id, body, now)
    if placed.created and order_counts(placed.order.status):
        recompute_member(store_id, placed.order.member_id, now)
    return placed


def _place_order(store_id: str, body: dict[str, Any], now: datetime) -> PlacedOrder:
    member_id, order_id = body["member_id"], body["order_id"]
    ordered_at: datetime = body.get("ordered_at") or now
    if ordered_at > now + FUTURE_TOLERANCE:
        raise InvalidRequest("'ordered_at' is in the future", field="ordered_at")
    ordered_key = f"{_sortable(ordered_at)}#{order_id}"
    order = OrderModel(store_id, order_id, member_id=member_id, store_member=f"{store_id}#{member_id}",
                       ordered_key=ordered_key, member_order_key=f"{member_id}#{ordered_key}", total=body["total"],
                       currency=body["currency"], ordered_at=ordered_at, status=body.get("status", PAID))
    token: links.LinkToken | None = None
    if body.get("cart_token"):
        token, order.binding = _cart_token(store_id, body["cart_token"], member_id, now)
        if token is not None:
            order.social_user_key = token.social_user_key
    attempts = ((True, True, False) if order.binding == "bound" else (False,))
    for attempt, binds in enumerate(attempts):
        if not binds and order.binding == "bound":
            order.binding = _why_not_bound(store_id, token, member_id)
        member = member_blacklist.binding_state(store_id, member_id) if binds else None
        tx = NamedTransaction()
        try:
            with tx:
                _write(tx, store_id, order, token if binds else None, now, member)
        except TransactWriteError as exc:
            if tx.failed(exc, "order"):
                return PlacedOrder(_existing(store_id, order_id, member_id), created=False)
            if tx.failed(exc, "member"):
                if member is not None and member.exists and attempts[attempt + 1]:
                    continue  # the member was blacklisted or lifted meanwhile: read it again
                raise NotFound(f"member {member_id} not found") from None
            if binds and not conflicted(exc):
                continue  # the token or the account changed meanwhile: record the order, say why
            raise
        return PlacedOrder(order, created=True)
    raise AssertionError("unreachable")


def _cart_token(store_id: str, value: str, member_id: str,
                now: datetime) -> tuple[links.LinkToken | None, str]:
    try:
        token = links.parse_link_token(value)
        item = BindingTokenModel.get(store_id, token.token_hash, consistent_read=True)
    except (ApiError, DoesNotExist):
        return None, "invalid_token"
    if item.purpose != links.CART:
        return None, "invalid_token"
    if item.expires_at <= now:
        return token, "token_expired"
    if item.member_id:
        return token, "already_bound" if item.member_id == member_id else "link_already_used"
    return token, "bound"


def _why_not_bound(store_id: str, token: links.LinkToken | None, member_id: str) -> str:
    if token is None:
        return "invalid_token"
    holder = find_identity(store_id, social_identity(token.social_user_key))
    if holder is not None:
        return "already_bound" if holder.member_id == member_id else "bound_to_other_member"
    return "link_already_used"


def _write(tx: NamedTransaction, store_id: str, order: OrderModel, token: links.LinkToken | None,
           now: datetime, member: member_blacklist.BindingState | None) -> None:
    T = BindingTokenModel
    tx.save("order", order, condition=OrderModel.order_id.does_not_exist())
    if token is None or member is None:
        tx.check("member", MemberModel, store_id, order.member_id, condition=MemberModel.member_id.exists())
        return
    tx.update("token", T(store_id, token.token_hash), actions=[T.member_id.set(order.member_id), T.used_at.set(now)],
              condition=links.usable(links.CART, now) & T.member_id.does_not_exist())
    bindings.binding_writes(tx, store_id, order.member_id, token.social_user_key, token.social_user_name, now,
                            bindings.member_note(member, order.member_id, f"order {order.order_id} via cart link"),
                            member)


def _existing(store_id: str, order_id: str, member_id: str) -> OrderModel:
    try:
        stored = OrderModel.get(store_id, order_id, consistent_read=True)
    except DoesNotExist:
        raise Conflict("the order is being recorded; try again") from None
    if stored.member_id != member_id:
        raise Conflict(f"order {order_id} was already recorded for another member", code="order_id_taken")
    return stored


def change_status(store_id: str, order_id: str, status: str, now: datetime) -> OrderModel:
    """``PUT /storefront/orders/{order_id}``: the storefront's new status (it is the source of truth).

    A read, then one UpdateItem conditioned on the status read (a concurrent change makes it read
    again). The same status again writes nothing. A change into or out of ``paid`` recomputes the
    member's stage.
    """
    Order = OrderModel
    for _ in range(3):
        try:
            order = Order.get(store_id, order_id, consistent_read=True)
        except DoesNotExist:
            raise NotFound(f"order {order_id} not found") from None
        previous = order.effective_status
        if previous == status:
            return order
        expected = Order.status.does_not_exist() if order.status is None else Order.status == order.status
        try:
            order.update(actions=[Order.status.set(status), Order.status_changed_at.set(now)], condition=expected)
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                continue  # changed meanwhile: decide again on what is stored now
            raise
        if order_counts(previous) != order_counts(status):
            recompute_member(store_id, order.member_id, now)
        return order
    raise Conflict("the order keeps changing; try again")


def orders_of_member(store_id: str, member_id: str, limit: int = 50) -> list[OrderModel]:
    """A member's orders, newest first: one Query on ``by_member`` (for the member profile)."""
    return list(OrderModel.by_member.query(f"{store_id}#{member_id}", scan_index_forward=False, limit=limit))
