"""The store-referral report and its branch summary.

Rows come from the ``by_referral_day`` index (one Query per local day), in binding-time order;
members bound in the same microsecond are ordered by member id, so the bytes never depend on the
order DynamoDB returns equal index keys in. Branch and staff names are read once per run (one
Query for the store's branches, one GetItem per staff member seen).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from pynamodb.exceptions import DoesNotExist

from chalicelib.models import BranchModel, MemberModel, StaffModel
from chalicelib.reports.sms import local_time

HEADER = ("Member ID", "Member Name", "Mobile Number", "Store Referral Binding Time", "Referral Branch",
          "Store Referral Staff")
BRANCH_HEADER = ("Branch", "Members Registered", "Percentage")
NO_BRANCH = "(no branch)"


class Names:
    """Branch and staff names of one store, read once per run; a deleted one shows its id."""

    def __init__(self, store_id: str) -> None:
        self.store_id = store_id
        self.branches = {branch.branch_id: branch.name for branch in BranchModel.query(store_id)}
        self._staff: dict[str, str] = {}

    def branch(self, branch_id: str | None) -> str:
        return self.branches.get(branch_id, branch_id) if branch_id else NO_BRANCH

    def staff(self, staff_id: str | None) -> str:
        if not staff_id:
            return ""
        if staff_id not in self._staff:
            try:
                self._staff[staff_id] = StaffModel.get(self.store_id, staff_id).name
            except DoesNotExist:
                self._staff[staff_id] = staff_id
        return self._staff[staff_id]


def row(member: MemberModel, zone: ZoneInfo, names: Names) -> list[str]:
    bound = local_time(member.referral_bound_at, zone) if member.referral_bound_at else ""
    return [member.member_id, member.name, member.phone or "", bound, names.branch(member.referral_branch_id),
            names.staff(member.referral_staff_id)]


def rows(store_id: str, days: Iterable[str], timezone: str, names: Names,
         tally: Counter[str]) -> Iterator[list[str]]:
    """Referral rows of each day in turn; counts each member's branch id ("" for none) into ``tally``."""
    zone = ZoneInfo(timezone)
    for day in days:
        same_moment: list[MemberModel] = []
        for member in MemberModel.by_referral_day.query(f"{store_id}#{day}"):
            if same_moment and member.referral_bound_at_key != same_moment[0].referral_bound_at_key:
                yield from _ordered(same_moment, zone, names, tally)
                same_moment = []
            same_moment.append(member)
        yield from _ordered(same_moment, zone, names, tally)


def _ordered(members: list[MemberModel], zone: ZoneInfo, names: Names, tally: Counter[str]) -> Iterator[list[str]]:
    for member in sorted(members, key=lambda m: m.member_id):
        tally[member.referral_branch_id or ""] += 1
        yield row(member, zone, names)


def shares(counts: list[int]) -> list[str]:
    """Percentages with two decimals that add up to exactly 100.00 (largest remainder); all 0.00 if none."""
    total = sum(counts)
    if total == 0:
        return ["0.00"] * len(counts)
    exact = [count * 10_000 for count in counts]  # in hundredths of a percent, times total
    hundredths = [value // total for value in exact]
    short = 10_000 - sum(hundredths)
    by_remainder = sorted(range(len(counts)), key=lambda i: (-(exact[i] % total), i))
    for i in by_remainder[:short]:
        hundredths[i] += 1
    return [f"{value // 100}.{value % 100:02d}" for value in hundredths]


def branch_rows(names: Names, tally: Counter[str]) -> list[list[str]]:
    """Every branch of the store (those with no registrations too), most registrations first."""
    counted = {branch_id: tally.get(branch_id, 0) for branch_id in names.branches}
    counted.update({branch_id: count for branch_id, count in tally.items() if branch_id not in counted})
    ordered = sorted(counted.items(), key=lambda item: (-item[1], names.branch(item[0]), item[0]))
    percentages = shares([count for _, count in ordered])
    return [[names.branch(branch_id), str(count), share]
            for (branch_id, count), share in zip(ordered, percentages, strict=True)]
