"""Report formatting and day arithmetic: pure functions, fixed times."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.errors import InvalidRequest
from chalicelib.models import SmsLogModel
from chalicelib.reports import csvfile, referrals, sms
from chalicelib.reports.compiler import day_keys, ended_days, range_days
from tests.support_reports import SMS_HEADER, parse_csv


@pytest.mark.parametrize("text", ["=1+2", "+886912345678", "-3", "@SUM(A1)", "\tx", "\rx",
                                  '=HYPERLINK("http://evil","x")'])
def test_cells_a_spreadsheet_would_evaluate_are_escaped(text):
    assert csvfile.safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Amy", "886", "0.00", "a=b", "", "王小明"])
def test_ordinary_cells_are_kept(text):
    assert csvfile.safe_cell(text) == text


def test_header_is_bom_then_the_contract_header_with_crlf():
    data = csvfile.header_bytes(sms.HEADER)
    assert data == ("\ufeffInternational Calling Code,Sent Mobile Number,Sent Time,SMS Agent,Message Type,"
                    "Sent Messages Count,Domestic/International,Status\r\n").encode()
    assert parse_csv(data) == [SMS_HEADER]


def test_rows_quote_only_what_needs_it_and_round_trip():
    data = csvfile.to_bytes(["a", "b", "c"], [["王, 小明", 'say "hi"', "two\nlines"], ["=cmd", "x", "1"]])
    assert data.endswith(b'"\xe7\x8e\x8b, \xe5\xb0\x8f\xe6\x98\x8e","say ""hi""","two\nlines"\r\n\'=cmd,x,1\r\n')
    assert parse_csv(data)[1:] == [["王, 小明", 'say "hi"', "two\nlines"], ["'=cmd", "x", "1"]]


def test_sms_row_uses_the_store_wall_clock_and_labels():
    item = SmsLogModel("st#2024-05-01", "x", store_id="st", phone="+886912345678", calling_code="886",
                       national_number="912345678", sent_at=datetime(2024, 4, 30, 16, 5, 9, 123456, tzinfo=UTC),
                       agent="Amazon SNS", message_type="password_reset", segments=2, scope="international",
                       status="failed")
    assert sms.row(item, ZoneInfo("Asia/Taipei")) == [
        "886", "912345678", "2024-05-01T00:05:09+08:00", "Amazon SNS", "Password Reset", "2", "International",
        "Failed"]
    assert sms.row(item, ZoneInfo("America/Bogota"))[2] == "2024-04-30T11:05:09-05:00"


@pytest.mark.parametrize(("counts", "expected"), [
    ([1, 1, 1], ["33.34", "33.33", "33.33"]),
    ([2, 1], ["66.67", "33.33"]),
    ([5, 0], ["100.00", "0.00"]),
    ([0, 0], ["0.00", "0.00"]),
    ([1, 1, 1, 1, 1, 1, 1], ["14.29", "14.29", "14.29", "14.29", "14.28", "14.28", "14.28"]),
])
def test_branch_shares_add_up_to_exactly_100(counts, expected):
    shares = referrals.shares(counts)
    assert shares == expected
    if sum(counts):
        assert sum(round(float(s) * 100) for s in shares) == 10_000


class _Names(referrals.Names):
    def __init__(self, branches: dict[str, str]) -> None:  # no AWS: the names a Query would have read
        self.store_id = "st"
        self.branches = branches
        self._staff = {}


def test_branch_summary_lists_every_branch_most_first_and_unknown_ids():
    names = _Names({"br_a": "Taipei", "br_b": "Banqiao", "br_c": "Hsinchu"})
    rows = referrals.branch_rows(names, Counter({"br_b": 3, "br_a": 1, "br_gone": 1, "": 1}))
    assert rows == [["Banqiao", "3", "50.00"], ["(no branch)", "1", "16.67"], ["Taipei", "1", "16.67"],
                    ["br_gone", "1", "16.66"], ["Hsinchu", "0", "0.00"]]


def test_days_end_at_each_store_own_midnight():
    registered = datetime(2024, 4, 1, tzinfo=UTC)
    # 2024-05-01 17:00 UTC is already May 2nd 01:00 in Taipei but still May 1st 12:00 in Bogota.
    now = datetime(2024, 5, 1, 17, 0, tzinfo=UTC)
    assert ended_days("Asia/Taipei", registered, now)[-1] == "2024-05-01"
    assert ended_days("America/Bogota", registered, now)[-1] == "2024-04-30"


def test_catch_up_is_bounded_and_never_before_the_store_existed():
    now = datetime(2024, 5, 20, 12, 0, tzinfo=UTC)
    assert ended_days("Asia/Taipei", datetime(2024, 1, 1, tzinfo=UTC), now) == [
        "2024-05-13", "2024-05-14", "2024-05-15", "2024-05-16", "2024-05-17", "2024-05-18", "2024-05-19"]
    assert ended_days("Asia/Taipei", datetime(2024, 5, 18, 3, 0, tzinfo=UTC), now) == ["2024-05-18", "2024-05-19"]
    assert ended_days("Asia/Taipei", datetime(2024, 5, 20, 3, 0, tzinfo=UTC), now) == []


def test_keys_are_the_contract_keys():
    assert day_keys("st_1", "2024-05-01") == ("reports/st_1/sms/2024-05-01.csv",
                                              "reports/st_1/referrals/2024-05-01.csv",
                                              "reports/st_1/referrals/2024-05-01-branches.csv")


def test_ranges_are_inclusive_and_checked():
    now = datetime(2024, 5, 20, 12, 0, tzinfo=UTC)
    assert range_days("2024-05-18", "2024-05-20", "Asia/Taipei", now) == ["2024-05-18", "2024-05-19", "2024-05-20"]
    assert len(range_days("2024-04-20", "2024-05-20", "Asia/Taipei", now)) == 31
    for start, end, field in [("2024-5-1", "2024-05-02", "from"), ("2024-02-30", "2024-03-01", "from"),
                              ("2024-05-02", "tomorrow", "to"), ("2024-05-03", "2024-05-02", "from"),
                              ("2024-04-19", "2024-05-20", "to"), ("2024-05-20", "2024-05-21", "to")]:
        with pytest.raises(InvalidRequest) as caught:
            range_days(start, end, "Asia/Taipei", now)
        assert caught.value.extra["field"] == field, (start, end)
    # 05-21 is already today in Taipei (UTC+8) at 17:00 UTC, but not yet in Bogota.
    late = datetime(2024, 5, 20, 17, 0, tzinfo=UTC)
    assert range_days("2024-05-21", "2024-05-21", "Asia/Taipei", late) == ["2024-05-21"]
    with pytest.raises(InvalidRequest):
        range_days("2024-05-21", "2024-05-21", "America/Bogota", late)
