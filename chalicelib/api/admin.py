"""Routes for the merchant's admin: store settings, channels, branches, staff."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib import clock
from chalicelib.api.http import ADMIN, Body, Call, endpoint, no_content
from chalicelib.api.lazy import lazy
from chalicelib.api.pages import page_url
from chalicelib.models import BranchModel, StaffModel
from chalicelib.pagination import page, parse_limit
from chalicelib.validation import Field, one_line, require_non_empty

if TYPE_CHECKING:
    from chalicelib import i18n, qr, sms, stores
    from chalicelib.api import views
    from chalicelib.channels import credentials, registry
else:  # loaded by the first admin request, not at cold start (chalicelib/api/lazy.py)
    qr, sms, stores = lazy("chalicelib.qr"), lazy("chalicelib.sms"), lazy("chalicelib.stores")
    i18n = lazy("chalicelib.i18n")
    credentials, registry = lazy("chalicelib.channels.credentials"), lazy("chalicelib.channels.registry")
    views = lazy("chalicelib.api.views")

admin = Blueprint(__name__)

NAME = Field(str, required=True, max_length=120)


@functools.cache
def settings_fields() -> dict[str, Field]:
    """Built by the first settings change: the checks live in ``stores``, which loads lazily."""
    return {
        "name": Field(str, max_length=120, check=one_line("name")),  # the From display name
        "storefront_url": Field(str, max_length=500, nullable=True, check=stores.check_storefront_url),
        "country": Field(str, max_length=2, check=stores.check_country),
        "timezone": Field(str, max_length=64, check=stores.check_timezone),
        "sms_daily_cap": Field(int, minimum=0, maximum=1_000_000),
        "sms_ip_hourly_limit": Field(int, minimum=1, maximum=10_000),
        "shop_email": Field(str, max_length=254, nullable=True, check=stores.check_shop_email),
        "postal_address": Field(str, max_length=500, nullable=True),
        "language": Field(str, max_length=10, check=i18n.check_language),
    }


def channel_fields(channel: str) -> dict[str, Field]:
    """The channel's secrets and, for Meta channels, its account id: each required."""
    spec = registry.spec_for(channel)
    fields = {name: Field(str, required=True, max_length=1024) for name in spec.secret_fields}
    if spec.account_field:
        fields[spec.account_field] = Field(str, required=True, max_length=64)
    return fields


@endpoint(admin, "/admin/settings", ["GET"], roles=ADMIN)
def get_settings(call: Call) -> Body:
    return views.settings_view(stores.get_store(call.store_id))


@endpoint(admin, "/admin/settings", ["PUT"], roles=ADMIN)
def put_settings(call: Call) -> Body:
    changes = call.body(settings_fields())
    require_non_empty(changes, "setting")
    updated = stores.update_settings(call.store_id, changes, clock.now())
    sms.forget(call.store_id)  # this instance's SMS limits see a new cap at once; others within the cache's 30 s
    return views.settings_view(updated)


@endpoint(admin, "/admin/channel-registry", ["GET"], roles=ADMIN)
def channel_registry(call: Call) -> Body:
    """Every channel the store can connect, its fields and limits: the console's lists come from here."""
    return {"items": [views.channel_registry_view(adapter) for adapter in registry.ADAPTERS.values()]}


@endpoint(admin, "/admin/channels", ["GET"], roles=ADMIN)
def list_channels(call: Call) -> Body:
    return {"items": [views.channel_view(item) for item in credentials.list_channels(call.store_id)],
            "next_cursor": None}


@endpoint(admin, "/admin/channels/{channel}", ["GET"], roles=ADMIN)
def get_channel(call: Call, channel: str) -> Body:
    return views.channel_view(credentials.get_channel_config(call.store_id, channel))


@endpoint(admin, "/admin/channels/{channel}", ["PUT"], roles=ADMIN)
def put_channel(call: Call, channel: str) -> Body:
    values = call.body(channel_fields(channel))
    return views.channel_view(credentials.configure_channel(call.store_id, channel, values, clock.now()))


@endpoint(admin, "/admin/branches", ["POST"], roles=ADMIN, status=201)
def create_branch(call: Call) -> Body:
    body = call.body({"name": NAME})
    return views.branch_view(stores.create_branch(call.store_id, body["name"], clock.now()))


@endpoint(admin, "/admin/branches", ["GET"], roles=ADMIN)
def list_branches(call: Call) -> Body:
    return page(BranchModel.query, call.store_id, parse_limit(call.query("limit")), call.query("cursor"),
                views.branch_view)


@endpoint(admin, "/admin/branches/{branch_id}", ["GET"], roles=ADMIN)
def get_branch(call: Call, branch_id: str) -> Body:
    return views.branch_view(stores.get_branch(call.store_id, branch_id))


@endpoint(admin, "/admin/staff", ["POST"], roles=ADMIN, status=201)
def create_staff(call: Call) -> Body:
    body = call.body({"name": NAME, "branch_id": Field(str, required=True, max_length=64)})
    created = stores.create_staff(call.store_id, body["name"], body["branch_id"], clock.now())
    # The key travels in the URL's fragment, which browsers never send to a server; the staff app keeps it.
    sign_in_url = f"{page_url('staff-app')}#key={created.staff_key}"
    return {**views.staff_view(created.staff), "staff_key": created.staff_key, "staff_app_url": sign_in_url,
            "staff_key_qr_svg": qr.svg(sign_in_url)}


@endpoint(admin, "/admin/staff", ["GET"], roles=ADMIN)
def list_staff(call: Call) -> Body:
    return page(StaffModel.query, call.store_id, parse_limit(call.query("limit")), call.query("cursor"),
                views.staff_view)


@endpoint(admin, "/admin/staff/{staff_id}", ["DELETE"], roles=ADMIN)
def remove_staff(call: Call, staff_id: str) -> Response:
    """A lost counter tablet: the staff member's key answers 401 from now on; bound referrals stay."""
    stores.remove_staff(call.store_id, staff_id, clock.now())
    return no_content()
