"""The unsubscribe link: a GET shows a page and changes nothing; a POST (RFC 8058 one click) unsubscribes once."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.consent.unsubscribe import parse_token, token_for
from tests.support_consent import ONE_CLICK, consents, events, sign_up


def forged(token: str) -> str:
    """The token with its middle character changed."""
    i = len(token) // 2
    return token[:i] + ("a" if token[i] != "a" else "b") + token[i + 1:]


def test_every_one_character_change_is_refused(aws: None) -> None:
    token = token_for("st_00112233aabbccdd", "mb_0123456789abcdef", "email_marketing")
    assert len(token) == 48 and parse_token(token) is not None
    assert parse_token(token).member_id == "mb_0123456789abcdef"  # type: ignore[union-attr]
    for i in range(len(token)):
        for replacement in "a7":
            if token[i] != replacement:
                assert parse_token(token[:i] + replacement + token[i + 1:]) is None, i
    assert parse_token(token.upper()) is None and parse_token(token[:-1]) is None


def test_get_shows_a_page_and_changes_nothing(client: Any, store: Any) -> None:
    member_id = sign_up(client, store, "amy@example.com", email_marketing=True)
    token = token_for(store.store_id, member_id, "email_marketing")
    response = client.http.get(f"/u/{token}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.body.decode()
    assert '<form method="post">' in page and "Demo Tea House" in page
    assert consents(client, store, member_id)["email_marketing"]["state"] == "subscribed"
    assert len(events(client, store, member_id)) == 1


def test_one_click_post_unsubscribes_once(client: Any, store: Any) -> None:
    member_id = sign_up(client, store, "bob@example.com", email_marketing=True, sms_marketing=True)
    token = token_for(store.store_id, member_id, "email_marketing")
    for _ in range(2):
        response = client.http.post(f"/u/{token}", headers={**ONE_CLICK, "User-Agent": "GoogleOneClick/1.0"},
                                    body=b"List-Unsubscribe=One-Click")
        assert response.status_code == 200, response.body
        assert json.loads(response.body)["email_marketing"]["state"] == "unsubscribed"
    now = consents(client, store, member_id)
    assert now["email_marketing"]["state"] == "unsubscribed" and now["email_marketing"]["source"] == "one_click"
    assert now["sms_marketing"]["state"] == "subscribed"  # the token names one purpose
    log = events(client, store, member_id)
    assert [(e["action"], e["source"]) for e in log] == [("subscribe", "signup_form"), ("subscribe", "signup_form"),
                                                         ("unsubscribe", "one_click")]
    assert log[-1]["user_agent"] == "GoogleOneClick/1.0" and log[-1]["at"]


def test_an_empty_post_and_the_page_button_also_work(client: Any, store: Any) -> None:
    member_id = sign_up(client, store, "cy@example.com", sms_marketing=True)
    token = token_for(store.store_id, member_id, "sms_marketing")
    response = client.http.post(f"/u/{token}", headers={**ONE_CLICK, "Accept": "text/html"},
                                body=b"List-Unsubscribe=One-Click")
    # (the fixture's store is in Taiwan: its customers read Traditional Chinese)
    assert response.status_code == 200 and "您已取消訂閱" in response.body.decode()
    assert consents(client, store, member_id)["sms_marketing"]["state"] == "unsubscribed"
    other = sign_up(client, store, "dee@example.com", sms_marketing=True)
    response = client.http.post(f"/u/{token_for(store.store_id, other, 'sms_marketing')}", headers=ONE_CLICK,
                                body=b"")
    assert response.status_code == 200


def test_a_forged_token_is_404_and_changes_nothing(client: Any, store: Any) -> None:
    member_id = sign_up(client, store, "eve@example.com", email_marketing=True)
    bad = forged(token_for(store.store_id, member_id, "email_marketing"))
    response = client.http.get(f"/u/{bad}")
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("text/html")
    response = client.http.post(f"/u/{bad}", headers=ONE_CLICK, body=b"List-Unsubscribe=One-Click")
    assert response.status_code == 404 and json.loads(response.body)["error"]["code"] == "not_found"
    assert consents(client, store, member_id)["email_marketing"]["state"] == "subscribed"
    assert len(events(client, store, member_id)) == 1
    # A well-formed token for a member that does not exist is refused the same way.
    ghost = token_for(store.store_id, "mb_0000000000000000", "email_marketing")
    assert client.http.get(f"/u/{ghost}").status_code == 404
    assert client.http.post(f"/u/{ghost}", headers=ONE_CLICK, body=b"List-Unsubscribe=One-Click").status_code == 404


# --- the mailto: of List-Unsubscribe ----------------------------------------------------------------

def _mail_to(address: str, sender: str = "someone@mail.example") -> bytes:
    from email.message import EmailMessage
    from email.policy import SMTP

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, address, "unsubscribe"
    message["Message-ID"] = "<unsubscribe-1@mail.example>"
    message.set_content("unsubscribe")
    return message.as_bytes(policy=SMTP)


def _inbound_keys() -> list[str]:
    import boto3

    listed = boto3.client("s3").list_objects_v2(Bucket="memberlink-local-reports", Prefix="inbound/")
    return [item["Key"] for item in listed.get("Contents", [])]


def test_a_mail_to_the_mailto_address_unsubscribes_once_and_is_deleted(client: Any, store: Any) -> None:
    from chalicelib.consent.unsubscribe import mailto_address
    from tests.support_messages import post_inbound

    # GIVEN a subscribed member and the mailto: address of their marketing e-mails
    member_id = sign_up(client, store, "dan@example.com", email_marketing=True, sms_marketing=True)
    address = mailto_address(token_for(store.store_id, member_id, "email_marketing"))
    # WHEN their mail client sends the unsubscribe mail (twice: SES and S3 deliver at least once)
    answers = [post_inbound(client, _mail_to(address, sender="dan.old@mail.example")) for _ in range(2)]
    # THEN e-mail marketing is unsubscribed, SMS marketing untouched, one event with source mailto
    assert [(status, body["outcome"]) for status, body in answers] == [(200, "unsubscribed")] * 2
    now = consents(client, store, member_id)
    assert now["email_marketing"]["state"] == "unsubscribed" and now["sms_marketing"]["state"] == "subscribed"
    logged = [(e["purpose"], e["action"], e["source"]) for e in events(client, store, member_id)]
    assert logged[-1] == ("email_marketing", "unsubscribe", "mailto")
    assert logged.count(("email_marketing", "unsubscribe", "mailto")) == 1
    # AND no copy of the mail is kept (the consent event is the record)
    assert _inbound_keys() == []


def test_a_forged_or_foreign_unsubscribe_address_changes_nothing(client: Any, store: Any) -> None:
    from chalicelib.consent.unsubscribe import mailto_address, parse_mailto_address
    from tests.support_messages import post_inbound

    # GIVEN a subscribed member's real address, then the same with one token character changed
    member_id = sign_up(client, store, "eve@example.com", email_marketing=True)
    address = mailto_address(token_for(store.store_id, member_id, "email_marketing"))
    local, domain = address.split("@")
    bad = f"{local[:-1]}{'a' if local[-1] != 'a' else 'b'}@{domain}"
    assert parse_mailto_address(address) is not None and parse_mailto_address(bad) is None
    assert parse_mailto_address(f"{local}@elsewhere.example") is None
    # WHEN the forged address gets a mail
    status, answer = post_inbound(client, _mail_to(bad))
    # THEN it is quarantined like any mail naming nothing, and the member is still subscribed
    assert status == 200 and answer["outcome"] == "quarantined"
    assert _inbound_keys() == [f"inbound/quarantine/bad_token/{answer['key'].removeprefix('inbound/mail/')}"]
    assert consents(client, store, member_id)["email_marketing"]["state"] == "subscribed"
