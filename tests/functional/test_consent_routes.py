"""Marketing consent: ticks at sign-up, the storefront's changes, the append-only log, the admin's unsubscribe."""

from __future__ import annotations

from typing import Any

from tests.support_accounts import call
from tests.support_consent import sign_up

PASSWORD = "correct horse battery"


def test_sign_up_ticks_are_consents_with_an_event(client: Any, store: Any) -> None:
    member_id = sign_up(client, store, "amy@example.com", email_marketing=True, sms_marketing=False,
                        client_ip="203.0.113.7", consent_text="Send me offers by e-mail")
    status, consents = call(client, "GET", f"/storefront/members/{member_id}/consents", store.storefront())
    assert status == 200
    assert consents["email_marketing"]["state"] == "subscribed"
    assert consents["email_marketing"]["source"] == "signup_form"
    assert consents["sms_marketing"] == {"state": "never", "suppressed": None, "updated_at": None, "source": None}
    status, events = call(client, "GET", f"/admin/members/{member_id}/consent-events", store.admin())
    assert status == 200
    [event] = events["items"]
    assert event["purpose"] == "email_marketing" and event["action"] == "subscribe"
    assert event["source"] == "signup_form" and event["client_ip"] == "203.0.113.7"
    import hashlib

    assert event["consent_text_sha256"] == hashlib.sha256(b"Send me offers by e-mail").hexdigest()
    status, profile = call(client, "GET", f"/admin/members/{member_id}", store.admin())
    assert profile["consents"]["email_marketing"]["state"] == "subscribed"


def test_no_tick_is_never_and_no_event(client: Any, store: Any) -> None:
    member_id = sign_up(client, store, "bob@example.com")
    consents = call(client, "GET", f"/storefront/members/{member_id}/consents", store.storefront())[1]
    assert consents["email_marketing"]["state"] == "never"
    assert call(client, "GET", f"/admin/members/{member_id}/consent-events", store.admin())[1]["items"] == []


def test_member_center_changes_are_logged_in_order(client: Any, store: Any) -> None:
    member_id = sign_up(client, store, "cy@example.com")
    path = f"/storefront/members/{member_id}/consents"
    status, answer = call(client, "PUT", path, store.storefront(),
                          {"email_marketing": True, "sms_marketing": True, "source": "checkout"})
    assert status == 200 and answer["sms_marketing"]["state"] == "subscribed"
    status, answer = call(client, "PUT", path, store.storefront(), {"email_marketing": False,
                                                                     "source": "member_center"})
    assert answer["email_marketing"]["state"] == "unsubscribed"
    # Asking again for what is already so writes nothing.
    call(client, "PUT", path, store.storefront(), {"email_marketing": False, "source": "member_center"})
    events = call(client, "GET", f"/admin/members/{member_id}/consent-events", store.admin())[1]["items"]
    assert [(e["purpose"], e["action"], e["source"]) for e in events] == [
        ("email_marketing", "subscribe", "checkout"), ("sms_marketing", "subscribe", "checkout"),
        ("email_marketing", "unsubscribe", "member_center")]


def test_bad_consent_input_is_a_400_naming_the_field(client: Any, store: Any) -> None:
    member_id = sign_up(client, store, "dee@example.com")
    path = f"/storefront/members/{member_id}/consents"
    status, answer = call(client, "PUT", path, store.storefront(), {"email_marketing": True, "source": "admin"})
    assert status == 400 and answer["error"]["field"] == "source"
    status, answer = call(client, "PUT", path, store.storefront(), {"email_marketing": "yes", "source": "checkout"})
    assert status == 400 and answer["error"]["field"] == "email_marketing"
    status, answer = call(client, "PUT", "/storefront/members/mb_0000000000000000/consents", store.storefront(),
                          {"email_marketing": True, "source": "checkout"})
    assert status == 404


def test_the_admin_may_unsubscribe_but_never_subscribe(client: Any, store: Any) -> None:
    member_id = sign_up(client, store, "eve@example.com", email_marketing=True)
    path = f"/admin/members/{member_id}/consents"
    status, answer = call(client, "PUT", path, store.admin(), {"sms_marketing": True})
    assert status == 400 and answer["error"]["code"] == "admin_cannot_subscribe"
    status, answer = call(client, "PUT", path, store.admin(), {"email_marketing": False})
    assert status == 200 and answer["email_marketing"] == {**answer["email_marketing"], "state": "unsubscribed",
                                                            "source": "admin"}
    events = call(client, "GET", f"/admin/members/{member_id}/consent-events", store.admin())[1]["items"]
    assert [(e["action"], e["source"]) for e in events] == [("subscribe", "signup_form"), ("unsubscribe", "admin")]
    assert events[1]["actor"].startswith("admin:")


def test_another_store_sees_nothing(client: Any, store: Any, other_store: Any) -> None:
    member_id = sign_up(client, store, "fay@example.com", email_marketing=True)
    assert call(client, "GET", f"/admin/members/{member_id}/consent-events", other_store.admin())[0] == 404
    status, _ = call(client, "PUT", f"/storefront/members/{member_id}/consents", other_store.storefront(),
                     {"email_marketing": False, "source": "member_center"})
    assert status == 404
