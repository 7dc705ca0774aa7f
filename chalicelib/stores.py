"""Stores and their settings, branches and staff."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pynamodb.exceptions import DoesNotExist

from chalicelib import access, i18n, tokens
from chalicelib.access import Role
from chalicelib.errors import InvalidRequest, NotFound
from chalicelib.members.core import check_email
from chalicelib.models import BranchModel, StaffModel, StoreModel
from chalicelib.models.reports import StoreRegistryModel, registry_item
from chalicelib.models.transactions import NamedTransaction
from chalicelib.validation import one_line

DEFAULT_SMS_DAILY_CAP = 1000
DEFAULT_SMS_IP_HOURLY_LIMIT = 10
_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~%/-]*)?$")
_LOCAL_URL = re.compile(r"^http://(localhost|127\.0\.0\.1)(:\d+)?(/[A-Za-z0-9._~%/-]*)?$")


def check_country(value: str) -> str:
    import phonenumbers  # its metadata is a noticeable share of a cold start; only settings need it here

    country = value.upper()
    if country not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidRequest("'country' must be an ISO 3166-1 alpha-2 code such as TW", field="country")
    return country


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidRequest("'timezone' must be an IANA time zone such as Asia/Taipei", field="timezone") from None
    return value


def check_storefront_url(value: str) -> str:
    # http is accepted only for a storefront running on this machine.
    if not (_URL.match(value) or _LOCAL_URL.match(value)):
        raise InvalidRequest("'storefront_url' must be an https:// URL without query or fragment",
                             field="storefront_url")
    return value.rstrip("/")


def default_timezone(country: str) -> str | None:
    """The country's time zone when it has only one (TW -> Asia/Taipei), else None (US, BR, ...)."""
    zones = _zones_by_country().get(country, [])
    return zones[0] if len(zones) == 1 else None


@functools.cache
def _zones_by_country() -> dict[str, list[str]]:
    import importlib.resources  # only for a store created with a country and no time zone

    # zone.tab from the tzdata package: "<country>\t<coordinates>\t<zone>" per line.
    table = importlib.resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    zones: dict[str, list[str]] = {}
    for line in table.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            zones.setdefault(parts[0], []).append(parts[2])
    return zones


def check_shop_email(value: str) -> str:

    email = check_email(value, "shop_email")
    if any(ch in email for ch in '<>",;\r\n'):  # one bare address: it becomes a From header
        raise InvalidRequest("'shop_email' must be one bare address such as shop@example.com", field="shop_email")
    return email


@dataclass(frozen=True)
class NewStore:
    store_id: str
    admin_key: str
    storefront_key: str


def create_store(name: str, country: str, timezone: str | None, now: datetime) -> NewStore:
    """A store with one admin and one storefront key, written in one transaction."""
    country = check_country(country)
    tz = check_timezone(timezone) if timezone else default_timezone(country)
    if tz is None:
        raise InvalidRequest(f"{country} has several time zones: give one with --timezone", field="timezone")
    if not name.strip():
        raise InvalidRequest("the store needs a name", field="name")
    one_line("name")(name.strip())  # the From display name of the store's mail
    store = StoreModel(tokens.new_id("st"), name=name.strip(), country=country, timezone=tz,
                       language=i18n.default_language(country),
                       storefront_url=None, sms_daily_cap=DEFAULT_SMS_DAILY_CAP,
                       sms_ip_hourly_limit=DEFAULT_SMS_IP_HOURLY_LIMIT, created_at=now, updated_at=now)
    admin = access.build_key(store.store_id, Role.ADMIN, now, label="admin")
    storefront = access.build_key(store.store_id, Role.STOREFRONT, now, label="storefront")
    with NamedTransaction() as tx:
        tx.save("store", store, condition=StoreModel.store_id.does_not_exist())
        tx.save("admin_key", admin.item)
        tx.save("storefront_key", storefront.item)
        # The store registry (issue 7): how the nightly report job finds every store without a Scan.
        tx.save("registry", registry_item(store.store_id, now), condition=StoreRegistryModel.store_id.does_not_exist())
    return NewStore(store.store_id, admin.key, storefront.key)


def get_store(store_id: str) -> StoreModel:
    try:
        return StoreModel.get(store_id)
    except DoesNotExist:
        raise NotFound("store not found") from None


def update_settings(store_id: str, changes: dict[str, Any], now: datetime) -> StoreModel:
    """Apply a partial settings update in one conditional write and return the stored store."""
    store = StoreModel(store_id)
    actions = [getattr(StoreModel, name).set(value) for name, value in changes.items() if value is not None]
    actions += [getattr(StoreModel, name).remove() for name, value in changes.items() if value is None]
    actions.append(StoreModel.updated_at.set(now))
    store.update_existing(actions, "store not found")
    return store


def create_branch(store_id: str, name: str, now: datetime) -> BranchModel:
    branch = BranchModel(store_id, tokens.new_id("br"), name=name, created_at=now)
    branch.save(condition=BranchModel.branch_id.does_not_exist())
    return branch


def get_branch(store_id: str, branch_id: str) -> BranchModel:
    try:
        return BranchModel.get(store_id, branch_id)
    except DoesNotExist:
        raise NotFound(f"branch {branch_id} not found") from None


@dataclass(frozen=True)
class NewStaff:
    staff: StaffModel
    staff_key: str


def create_staff(store_id: str, name: str, branch_id: str, now: datetime) -> NewStaff:
    """A staff member of one of the store's branches, and the key their staff app signs in with."""
    get_branch(store_id, branch_id)
    staff = StaffModel(store_id, tokens.new_id("sf"), name=name, branch_id=branch_id, created_at=now)
    key = access.build_key(store_id, Role.STAFF, now, label=f"staff {staff.staff_id}",
                           staff_id=staff.staff_id, branch_id=branch_id)
    with NamedTransaction() as tx:
        tx.save("staff", staff, condition=StaffModel.staff_id.does_not_exist())
        tx.save("key", key.item)
    return NewStaff(staff, key.key)


def remove_staff(store_id: str, staff_id: str, now: datetime) -> StaffModel:
    """Cut a staff member off at once: every key of theirs revoked (401 from then on); the referrals they
    bound stay as they are. 404 for an unknown staff member; removing twice changes nothing."""
    try:
        staff = StaffModel.get(store_id, staff_id)
    except DoesNotExist:
        raise NotFound(f"staff member {staff_id} not found") from None
    access.revoke_staff_keys(store_id, staff_id, now)
    if staff.removed_at is None:
        staff.update(actions=[StaffModel.removed_at.set(now)])
    return staff


def get_staff(store_id: str, staff_id: str) -> StaffModel:
    try:
        return StaffModel.get(store_id, staff_id)
    except StaffModel.DoesNotExist:
        raise NotFound(f"staff member {staff_id} not found") from None
