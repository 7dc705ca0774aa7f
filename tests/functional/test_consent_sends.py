"""Marketing e-mail: consent read per recipient at send time, RFC 8058 headers, footer, excluded counts."""

from __future__ import annotations

import re
from typing import Any

from local.emails import sent_emails
from tests.support_accounts import call
from tests.support_consent import ONE_CLICK, POSTAL, broadcast, consents, settings, sign_up
from tests.support_messages import verified_sender


def to(address: str, subject: str = "Autumn tea sale") -> list[dict[str, Any]]:
    return [m for m in sent_emails() if m["to"] == address and m["subject"] == subject]


def test_only_subscribed_members_with_an_email_get_it_with_rfc8058_headers(client: Any, store: Any) -> None:
    settings(client, store, shop_email="shop@tea.example.com", postal_address=POSTAL)
    verified_sender(client, store, "tea.example.com")  # the store's verified domain: mail goes From its address
    amy = sign_up(client, store, "amy@example.com", email_marketing=True)
    ben = sign_up(client, store, "ben@example.com")
    cy = sign_up(client, store, "cy@example.com", email_marketing=True)
    call(client, "PUT", f"/admin/members/{cy}/consents", store.admin(), {"email_marketing": False})
    status, visitor = call(client, "POST", "/admin/members", store.admin(),
                           {"name": "No Mail", "phone": "+886912345678"})
    assert status == 201
    progress = broadcast(client, store, {"member_ids": [amy, ben, cy, visitor["member_id"], "mb_0000000000000000"]})
    assert progress["state"] == "done" and progress["sent"] == 1 and progress["recipients"] == 4
    assert progress["excluded"] == {"no_email": 1, "not_subscribed": 2, "suppressed": 0, "blacklisted": 0}
    [mail] = to("amy@example.com")
    assert not to("ben@example.com") and not to("cy@example.com")
    headers = mail["headers"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    links = re.findall(r"<([^>]+)>", headers["List-Unsubscribe"])
    assert links[0].startswith(("https://", "http://")) and "/u/" in links[0] and links[1].startswith("mailto:")
    assert "amy" not in headers["List-Unsubscribe"]  # the token names no address
    assert headers["List-Id"].endswith(">") and store.store_id.replace("_", "-") in headers["List-Id"]
    assert mail["from"] == "Demo Tea House <shop@tea.example.com>"
    assert POSTAL in mail["text"] and links[0] in mail["text"]
    assert "20% off oolong &lt;this week&gt;." in mail["html"] and f'href="{links[0]}"' in mail["html"]
    assert "Da&#x27;an" in mail["html"]

    # The link in the e-mail works: one click unsubscribes, the next broadcast skips Amy.
    path = links[0][links[0].index("/u/"):]
    assert client.http.post(path, headers=ONE_CLICK, body=b"List-Unsubscribe=One-Click").status_code == 200
    assert consents(client, store, amy)["email_marketing"]["state"] == "unsubscribed"
    again = broadcast(client, store, {"member_ids": [amy]}, subject="Second")
    assert again["sent"] == 0 and again["excluded"]["not_subscribed"] == 1 and not to("amy@example.com", "Second")


def test_suppressed_members_are_counted_and_skipped(client: Any, store: Any) -> None:
    from tests.support_consent import bounce

    settings(client, store, shop_email="shop@tea.example.com", postal_address=POSTAL)
    amy = sign_up(client, store, "amy@example.com", email_marketing=True)
    call(client, "POST", "/_local/ses-feedback", {"Content-Type": "application/json"},
         bounce(store.store_id, ["amy@example.com"]))
    progress = broadcast(client, store, {"member_ids": [amy]})
    assert progress["sent"] == 0 and progress["excluded"]["suppressed"] == 1


def test_a_tag_audience(client: Any, store: Any) -> None:
    settings(client, store, shop_email="shop@tea.example.com", postal_address=POSTAL)
    verified_sender(client, store, "tea.example.com")  # the store's verified domain: mail goes From its address
    amy = sign_up(client, store, "amy@example.com", email_marketing=True)
    ben = sign_up(client, store, "ben@example.com", email_marketing=True)
    sign_up(client, store, "cy@example.com", email_marketing=True)
    for member_id in (amy, ben):
        assert call(client, "POST", f"/admin/members/{member_id}/tags", store.admin(), {"tags": ["VIP"]})[0] == 200
    progress = broadcast(client, store, {"tag": "VIP"})
    assert progress["sent"] == 2 and progress["recipients"] == 2
    assert to("amy@example.com") and to("ben@example.com") and not to("cy@example.com")


def test_the_store_must_have_a_postal_address_and_a_shop_email(client: Any, store: Any) -> None:
    amy = sign_up(client, store, "amy@example.com", email_marketing=True)
    body = {"kind": "broadcast", "subject": "Sale", "text": "Hi", "audience": {"member_ids": [amy]}}
    status, answer = call(client, "POST", "/admin/marketing-emails", store.admin(), body)
    assert status == 422 and answer["error"]["code"] == "postal_address_not_set"
    settings(client, store, postal_address=POSTAL)
    status, answer = call(client, "POST", "/admin/marketing-emails", store.admin(), body)
    assert status == 422 and answer["error"]["code"] == "shop_email_not_set"
    assert sent_emails() == []


def test_bad_sends_are_400s_naming_the_field(client: Any, store: Any, other_store: Any) -> None:
    settings(client, store, shop_email="shop@tea.example.com", postal_address=POSTAL)
    good = {"kind": "broadcast", "subject": "Sale", "text": "Hi", "audience": {"tag": "VIP"}}
    for change, field in (({"kind": "spam"}, "kind"), ({"subject": "a\nBcc: x@y.z"}, "subject"),
                          ({"audience": {"tag": "VIP", "stage": "lost"}}, "audience"),
                          ({"audience": {"member_ids": []}}, "audience.member_ids"),
                          ({"audience": {"stage": "sleepy"}}, "audience.stage")):
        status, answer = call(client, "POST", "/admin/marketing-emails", store.admin(), {**good, **change})
        assert status == 400 and answer["error"]["field"] == field, (change, answer)
    status, answer = call(client, "POST", "/admin/marketing-emails", store.admin(), good)
    assert call(client, "GET", f"/admin/marketing-emails/{answer['send_id']}", other_store.admin())[0] == 404


def test_a_stage_audience(client: Any, store: Any) -> None:
    settings(client, store, shop_email="shop@tea.example.com", postal_address=POSTAL)
    sign_up(client, store, "amy@example.com", email_marketing=True)
    progress = broadcast(client, store, {"stage": "need_introduce"})
    assert progress["state"] == "done"
    assert progress["recipients"] == progress["sent"] + sum(progress["excluded"].values())
