"""Customer import with Accepts Email / SMS Marketing and Consent Date."""

from __future__ import annotations

from typing import Any

from chalicelib import members
from tests.support_consent import consents, events, sign_up
from tests.support_members import HEADER, by_line, csv_bytes, import_csv

CONSENT_HEADER = [*HEADER, "Accepts Email Marketing", "Accepts SMS Marketing", "Consent Date"]


def member_id_of(store: Any, email: str) -> str:
    found = members.find_member_by_identity(store.store_id, members.email_identity(email))
    assert found is not None
    return str(found.member_id)


def test_y_without_a_consent_date_is_a_row_error(client: Any, store: Any) -> None:
    data = csv_bytes([["Amy", "amy@example.com", "", "", "N", "Y", "N", ""],
                      ["Ben", "ben@example.com", "", "", "N", "maybe", "", "2024-05-31"],
                      ["Cy", "cy@example.com", "", "", "N", "Y", "", "31/05/2024"]], header=CONSENT_HEADER)
    status, answer = import_csv(client, store, data, dry_run=False)
    assert status == 200
    rows = by_line(answer)
    assert rows[2]["status"] == "error" and rows[2]["errors"] == [
        "Consent Date: required when a customer accepts marketing (YYYY-MM-DD)"]
    assert rows[3]["errors"] == ["Accepts Email Marketing: must be Y or N"]
    assert rows[4]["errors"] == ["Consent Date: must be a date such as 2024-05-31"]
    assert answer["created"] == 0


def test_y_with_a_date_subscribes_with_source_csv_import_at_that_date(client: Any, store: Any) -> None:
    data = csv_bytes([["Amy", "amy@example.com", "", "", "N", "Y", "N", "2024-05-31"],
                      ["Ben", "ben@example.com", "", "", "N", "N", "", ""]], header=CONSENT_HEADER)
    status, answer = import_csv(client, store, data, dry_run=False)
    assert status == 200 and answer["created"] == 2, answer
    amy = member_id_of(store, "amy@example.com")
    now = consents(client, store, amy)
    assert now["email_marketing"]["state"] == "subscribed" and now["email_marketing"]["source"] == "csv_import"
    assert now["email_marketing"]["updated_at"].startswith("2024-05-31")
    assert now["sms_marketing"]["state"] == "never"
    [event] = events(client, store, amy)
    assert (event["action"], event["source"], event["at"][:10]) == ("subscribe", "csv_import", "2024-05-31")
    assert consents(client, store, member_id_of(store, "ben@example.com"))["email_marketing"]["state"] == "never"


def test_an_existing_member_is_subscribed_once_and_n_never_unsubscribes(client: Any, store: Any) -> None:
    dee = sign_up(client, store, "dee@example.com", sms_marketing=True)
    data = csv_bytes([["Amy Chen", "dee@example.com", "", "", "N", "Y", "N", "2024-05-31"]], header=CONSENT_HEADER)
    status, answer = import_csv(client, store, data, dry_run=True)
    assert answer["updated"] == 1 and consents(client, store, dee)["email_marketing"]["state"] == "never"
    for expected in (1, 0):
        status, answer = import_csv(client, store, data, dry_run=False)
        assert status == 200 and answer["updated"] == expected, answer
    now = consents(client, store, dee)
    assert now["email_marketing"]["state"] == "subscribed" and now["sms_marketing"]["state"] == "subscribed"
    assert [e["source"] for e in events(client, store, dee)] == ["csv_import", "signup_form"]  # ordered by time
