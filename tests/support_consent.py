"""Helpers for the consent and marketing tests: signing a member up, reading consents and the log, SES feedback."""

from __future__ import annotations

from typing import Any

from tests.support_accounts import PASSWORD, call


def sign_up(client: Any, store: Any, email: str, **extra: Any) -> str:
    status, created = call(client, "POST", "/storefront/members", store.storefront(),
                           {"name": "Amy Chen", "password": PASSWORD, "email": email, **extra})
    assert status == 201, created
    return str(created["member_id"])


ONE_CLICK = {"Content-Type": "application/x-www-form-urlencoded"}


def consents(client: Any, store: Any, member_id: str) -> Any:
    return call(client, "GET", f"/storefront/members/{member_id}/consents", store.storefront())[1]


def events(client: Any, store: Any, member_id: str) -> list[Any]:
    return list(call(client, "GET", f"/admin/members/{member_id}/consent-events", store.admin())[1]["items"])


def bounce(store_id: str, recipients: list[str], feedback_id: str = "0100018f-bounce-1",
           bounce_type: str = "Permanent") -> dict[str, Any]:
    """The shape SES event publishing sends to SNS (docs: "Contents of event data that Amazon SES publishes")."""
    return {"eventType": "Bounce",
            "bounce": {"bounceType": bounce_type, "bounceSubType": "General", "feedbackId": feedback_id,
                       "timestamp": "2026-11-25T10:00:00.000Z", "reportingMTA": "dsn; a1-2.smtp-out.amazonses.com",
                       "bouncedRecipients": [{"emailAddress": r, "action": "failed", "status": "5.1.1",
                                              "diagnosticCode": "smtp; 550 5.1.1 user unknown"} for r in recipients]},
            "mail": {"timestamp": "2026-11-25T09:59:59.000Z", "source": "shop@example.com", "messageId": "m-1",
                     "destination": recipients, "tags": {"store_id": [store_id], "ses:configuration-set": ["x"]}}}


POSTAL = "12 Tea Street, Da'an District, Taipei 106"


def settings(client: Any, store: Any, **values: Any) -> None:
    status, answer = call(client, "PUT", "/admin/settings", store.admin(), values)
    assert status == 200, answer


def broadcast(client: Any, store: Any, audience: dict[str, Any], subject: str = "Autumn tea sale") -> Any:
    status, answer = call(client, "POST", "/admin/marketing-emails", store.admin(),
                          {"kind": "broadcast", "subject": subject, "text": "20% off oolong <this week>.",
                           "audience": audience})
    assert status == 202, answer
    status, progress = call(client, "GET", f"/admin/marketing-emails/{answer['send_id']}", store.admin())
    assert status == 200
    return progress
