"""Customer lifecycle: the store's overview and parameters, a member's stage history."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib import clock, pagination
from chalicelib.api.http import ADMIN, Body, Call, endpoint
from chalicelib.api.lazy import lazy
from chalicelib.errors import InvalidRequest
from chalicelib.validation import Field, require_non_empty

if TYPE_CHECKING:
    from chalicelib.lifecycle import overview, parameters
else:  # loaded by the first lifecycle request, not at cold start (chalicelib/api/lazy.py)
    overview, parameters = lazy("chalicelib.lifecycle.overview"), lazy("chalicelib.lifecycle.parameters")

lifecycle = Blueprint(__name__)


def _spend(value: Any) -> Decimal:
    from chalicelib.binding.orders import check_total  # loads with the first override, not at cold start

    try:
        return Decimal(check_total(value))
    except InvalidRequest:
        raise InvalidRequest("'high_value_spend' must be a number from 0 to 10^12", field="high_value_spend") from None


PARAMETER_FIELDS = {
    "repurchase_cycle_days": Field(int, nullable=True, minimum=1, maximum=3650),
    "high_value_spend": Field(object, nullable=True, check=_spend),
}


@endpoint(lifecycle, "/admin/lifecycle", ["GET"], roles=ADMIN)
def get_lifecycle(call: Call) -> Body:
    return overview.overview(call.store_id, clock.now())


@endpoint(lifecycle, "/admin/lifecycle/parameters", ["PUT"], roles=ADMIN)
def put_parameters(call: Call) -> Body:
    body = call.body(PARAMETER_FIELDS)
    require_non_empty(body, "parameter")
    stored = parameters.set_overrides(call.store_id, body, clock.now())
    return parameters.parameter_view(stored)


@endpoint(lifecycle, "/admin/members/{member_id}/lifecycle-history", ["GET"], roles=ADMIN)
def member_history(call: Call, member_id: str) -> Body:
    return overview.member_history(call.store_id, member_id, pagination.parse_limit(call.query("limit")),
                                   call.query("cursor"))
