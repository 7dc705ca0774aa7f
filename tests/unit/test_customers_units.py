"""Customer list filters and export rows as pure functions (no AWS): a fixed clock, members built in memory."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.errors import InvalidRequest
from chalicelib.members import listing
from chalicelib.members.exports import HEADER, row
from chalicelib.models.members import ConsentAttribute, MemberModel
from chalicelib.reports.csvfile import RowEncoder, header_bytes

NOW = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)


class FixedNames:
    """Branch and staff names as reports.referrals.Names gives them, without a table."""

    def branch(self, branch_id: str | None) -> str:
        return {"br_1": "Taipei 101"}.get(branch_id or "", branch_id or "(no branch)")

    def staff(self, staff_id: str | None) -> str:
        return {"st_1": "Mei"}.get(staff_id or "", staff_id or "")


def member(**values: object) -> MemberModel:
    base: dict[str, object] = {"name": "Amy", "name_lower": "amy", "created_at": NOW, "updated_at": NOW}
    return MemberModel("st_store", "mb_1", **{**base, **values})


def subscribed() -> ConsentAttribute:
    return ConsentAttribute(state="subscribed", source="signup_form", updated_at=NOW)  # type: ignore[no-untyped-call]


def test_the_header_is_the_contracts_exactly():
    expected = ("Member ID,Name,Mobile Number,International Calling Code,Email,Phone Verified,Email Verified,"
                "Tags,Member Since,Lifecycle Stage,Accepts Email Marketing,Accepts SMS Marketing,Blacklisted,"
                "Store Referral Binding Time,Referral Branch,Store Referral Staff")
    assert header_bytes(HEADER) == ("\ufeff" + expected + "\r\n").encode()


def test_a_referred_member_row_has_names_local_times_and_flags():
    amy = member(phone="+886912345678", phone_verified=True, email="amy@example.com", tags={"VIP", "Tea"},
                 lifecycle_stage="cant_lose", email_marketing=subscribed(), blacklisted_at=NOW,
                 referral_staff_id="st_1", referral_branch_id="br_1", referral_bound_at=NOW)

    cells = dict(zip(HEADER, row(amy, ZoneInfo("Asia/Taipei"), FixedNames()), strict=True))  # type: ignore[arg-type]

    assert cells["Mobile Number"] == "912345678" and cells["International Calling Code"] == "886"
    assert cells["Member Since"] == "2026-12-07T09:30:00+08:00" == cells["Store Referral Binding Time"]
    assert (cells["Phone Verified"], cells["Email Verified"]) == ("Y", "N")
    assert cells["Tags"] == "Tea, VIP" and cells["Lifecycle Stage"] == "Can't Lose"
    assert (cells["Accepts Email Marketing"], cells["Accepts SMS Marketing"], cells["Blacklisted"]) == ("Y", "N", "Y")
    assert (cells["Referral Branch"], cells["Store Referral Staff"]) == ("Taipei 101", "Mei")


def test_cells_that_start_a_formula_are_quoted_and_no_referral_leaves_the_columns_empty():
    eve = member(name="=cmd|'/c calc'!A1", email="+1@example.com", tags={"@sum"})
    encoded = RowEncoder().encode(row(eve, ZoneInfo("Asia/Taipei"), FixedNames())).decode()
    assert encoded.startswith("mb_1,'=cmd|'/c calc'!A1,,,'+1@example.com,N,N,'@sum,")
    assert encoded.endswith(",N,N,N,,,\r\n")


def test_filters_are_checked_and_match_together():
    filters = listing.parse_filters({"tag": "VIP", "email_marketing": "subscribed", "blacklisted": "true"})
    assert filters.source == "blacklisted"
    assert listing.matches(member(tags={"VIP"}, email_marketing=subscribed(), blacklisted_at=NOW), filters)
    assert not listing.matches(member(tags={"VIP"}, email_marketing=subscribed()), filters)
    assert not listing.matches(member(tags={"VIP"}, blacklisted_at=NOW), filters)
    assert listing.parse_filters({}).source == "created"
    assert listing.Filters.from_dict(filters.as_dict()) == filters


@pytest.mark.parametrize(("values", "field"), [
    ({"blacklisted": "false"}, "filters.blacklisted"), ({"email_marketing": "never"}, "filters.email_marketing"),
    ({"stage": "royal"}, "filters.stage"), ({"colour": "red"}, "filters.colour"), ({"tag": 3}, "filters.tag"),
    ({"added_from": "br#1"}, "filters.added_from")])
def test_bad_filters_name_the_field(values, field):
    with pytest.raises(InvalidRequest) as caught:
        listing.parse_filters(values, prefix="filters.")
    assert caught.value.extra["field"] == field
