"""SES feedback through the SNS function: permanent bounces suppress, complaints unsubscribe, once per feedbackId."""

from __future__ import annotations

import json
from typing import Any

from tests.support_accounts import call
from tests.support_consent import bounce, consents, events, sign_up


def complaint(store_id: str, recipient: str) -> dict[str, Any]:
    return {"notificationType": "Complaint",
            "complaint": {"feedbackId": "0100018f-complaint-1", "complaintFeedbackType": "abuse",
                          "complainedRecipients": [{"emailAddress": recipient}],
                          "timestamp": "2026-11-25T10:00:00.000Z"},
            "mail": {"messageId": "m-2", "source": "shop@example.com", "destination": [recipient],
                     "tags": {"store_id": [store_id]}}}


def sns_envelope(message: dict[str, Any]) -> dict[str, Any]:
    return {"Type": "Notification", "MessageId": "sns-1", "TopicArn": "arn:aws:sns:us-east-1:123:feedback",
            "Message": json.dumps(message), "Timestamp": "2026-11-25T10:00:01.000Z"}


def test_a_permanent_bounce_suppresses_every_recipient_once(client: Any, store: Any) -> None:
    amy = sign_up(client, store, "amy@example.com", email_marketing=True)
    bob = sign_up(client, store, "Bob@Example.com", email_marketing=True)
    body = sns_envelope(bounce(store.store_id, ["amy@example.com", "bob@example.com"]))
    for _ in range(2):  # SNS delivers at least once
        status, answer = call(client, "POST", "/_local/ses-feedback", {"Content-Type": "application/json"}, body)
        assert status == 200, answer
    for member_id in (amy, bob):
        assert consents(client, store, member_id)["email_marketing"]["suppressed"] == "hard_bounce"
        log = events(client, store, member_id)
        assert [(e["action"], e["source"], e["reason"]) for e in log] == [
            ("subscribe", "signup_form", None), ("suppress", "ses_bounce", "hard_bounce")]


def test_the_lambda_function_itself_takes_the_sns_event(client: Any, store: Any) -> None:
    from app import ses_feedback

    amy = sign_up(client, store, "amy@example.com", email_marketing=True)
    record = {"EventSource": "aws:sns", "Sns": sns_envelope(bounce(store.store_id, ["amy@example.com"]))}
    assert ses_feedback({"Records": [record]}, None)["outcomes"] == ["bounce"]
    assert consents(client, store, amy)["email_marketing"]["suppressed"] == "hard_bounce"


def test_a_transient_bounce_changes_nothing(client: Any, store: Any) -> None:
    amy = sign_up(client, store, "amy@example.com", email_marketing=True)
    call(client, "POST", "/_local/ses-feedback", {"Content-Type": "application/json"},
         bounce(store.store_id, ["amy@example.com"], bounce_type="Transient"))
    assert consents(client, store, amy)["email_marketing"]["suppressed"] is None


def test_a_complaint_unsubscribes(client: Any, store: Any) -> None:
    amy = sign_up(client, store, "amy@example.com", email_marketing=True)
    status, _ = call(client, "POST", "/_local/ses-feedback", {"Content-Type": "application/json"},
                     complaint(store.store_id, "amy@example.com"))
    assert status == 200
    now = consents(client, store, amy)["email_marketing"]
    assert (now["state"], now["suppressed"], now["source"]) == ("unsubscribed", "complaint", "ses_complaint")
    assert events(client, store, amy)[-1]["source"] == "ses_complaint"


def test_feedback_for_another_store_touches_nobody_here(client: Any, store: Any, other_store: Any) -> None:
    amy = sign_up(client, store, "amy@example.com", email_marketing=True)
    status, answer = call(client, "POST", "/_local/ses-feedback", {"Content-Type": "application/json"},
                          bounce(other_store.store_id, ["amy@example.com"]))
    assert status == 200 and answer["outcomes"][0]["unknown"] == 1
    assert consents(client, store, amy)["email_marketing"]["suppressed"] is None


def _change_email(client: Any, store: Any, member_id: str, email: str) -> None:
    from tests.support_accounts import code_in, moto_emails

    path = f"/storefront/members/{member_id}/email"
    assert call(client, "PUT", path, store.storefront(), {"email": email})[0] == 202
    code = code_in(moto_emails(email)[-1])
    status, view = call(client, "PUT", path, store.storefront(), {"email": email, "code": code})
    assert status == 200 and view["email"] == email, view


def test_a_new_email_address_lifts_the_old_ones_hard_bounce(client: Any, store: Any) -> None:
    # GIVEN a subscribed member whose address bounced for good
    amy = sign_up(client, store, "amy@dead.example", email_marketing=True)
    body = sns_envelope(bounce(store.store_id, ["amy@dead.example"]))
    assert call(client, "POST", "/_local/ses-feedback", {"Content-Type": "application/json"}, body)[0] == 200
    assert consents(client, store, amy)["email_marketing"]["suppressed"] == "hard_bounce"
    # WHEN she confirms a new address
    _change_email(client, store, amy, "amy@alive.example")
    # THEN the suppression is gone (her consent stays as she gave it), and the log says why
    assert consents(client, store, amy)["email_marketing"] | {"updated_at": None} == {
        "state": "subscribed", "suppressed": None, "updated_at": None, "source": "email_change"}
    assert [(e["action"], e["source"], e["reason"]) for e in events(client, store, amy)][-1] == (
        "lift", "email_change", "hard_bounce")


def test_a_complaint_or_an_unsubscribe_survives_a_new_email_address(client: Any, store: Any) -> None:
    # GIVEN a member who complained (unsubscribed, suppressed for the complaint)
    bob = sign_up(client, store, "bob@example.com", email_marketing=True)
    body = sns_envelope(complaint(store.store_id, "bob@example.com"))
    assert call(client, "POST", "/_local/ses-feedback", {"Content-Type": "application/json"}, body)[0] == 200
    before = consents(client, store, bob)["email_marketing"]
    logged = len(events(client, store, bob))
    # WHEN he changes his address
    _change_email(client, store, bob, "bob@new.example")
    # THEN nothing about his consent changed: a complaint is the person's, not the address's
    assert consents(client, store, bob)["email_marketing"] == before and before["state"] == "unsubscribed"
    assert len(events(client, store, bob)) == logged
