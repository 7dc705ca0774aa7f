"""Sender identities (issue 25, CONTRACT v3 "Sender identities"): no store can send as another.

Routes through chalice.test.Client under mock_aws; the mail goes through moto's SES and is read back raw.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support_messages import SHOP_EMAIL, json_call, verified_sender

PLATFORM = "no-reply@memberlink.local"
PLATFORM_FROM = f"Demo Tea House via memberlink <{PLATFORM}>"  # as the recipient's parser reads the quoted name
STOREFRONT_URL = "https://shop.example.com"


def _emails() -> list[dict[str, Any]]:
    from local.emails import sent_emails

    return sent_emails()


def _register(client: Any, store: Any, body: dict[str, str]) -> tuple[int, Any]:
    return json_call(client, "POST", "/admin/sender-identities", store.admin(), body)


def _settings(client: Any, store: Any, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = json_call(client, "PUT", "/admin/settings", store.admin(), body)
    assert status == 200, answer
    return answer


def _guest_thread(client: Any, store: Any, email: str = "guest@example.com") -> str:
    status, created = json_call(client, "POST", "/storefront/shop-messages", store.storefront(),
                                {"email": email, "name": "Guest", "text": "Do you ship to Kaohsiung?"})
    assert status == 201
    return str(created["conversation_id"])


def _reply(client: Any, store: Any, conversation_id: str) -> dict[str, Any]:
    status, answer = json_call(client, "POST", f"/admin/conversations/{conversation_id}/messages", store.admin(),
                               {"text": "Yes, we do."})
    assert status == 201 and answer["emailed"] is True, answer
    return _emails()[-1]


# --- registering ---------------------------------------------------------------------------------

def test_register_address__202_pending__sandbox_mailbox_has_a_link_that_verifies(client: Any, store: Any) -> None:
    # GIVEN a store WHEN it registers its address
    status, answer = _register(client, store, {"email": "Hello@Shop.Example"})
    # THEN 202 pending, lower-cased
    assert status == 202
    assert answer == {"identity": "hello@shop.example", "kind": "email", "status": "pending",
                      "created_at": answer["created_at"]}
    # AND the sandbox mailbox shows the verification mail, from the platform, with the confirming link
    [mail] = [m for m in _emails() if m["to"] == "hello@shop.example"]
    assert PLATFORM in mail["from"]
    link = next(word for word in mail["text"].split() if "/_local/ses/identities/" in word)
    assert link.endswith("/_local/ses/identities/hello@shop.example/verify")
    page = client.http.get(link[link.index("/_local/"):])
    assert page.status_code == 200 and b'<form method="post">' in page.body
    # WHEN the link's button is pressed THEN the identity is verified
    status, verified = json_call(client, "POST", link[link.index("/_local/"):], {}, None)
    assert status == 200 and verified["status"] == "verified"
    status, listed = json_call(client, "GET", "/admin/sender-identities", store.admin())
    assert status == 200 and [(i["identity"], i["status"]) for i in listed["items"]] == \
        [("hello@shop.example", "verified")]


def test_register_domain__dns_records_are_easy_dkim_cnames(client: Any, store: Any) -> None:
    status, answer = _register(client, store, {"domain": "Shop.Example."})
    assert status == 202 and answer["identity"] == "shop.example" and answer["kind"] == "domain"
    assert answer["status"] == "pending" and len(answer["dns_records"]) == 3
    for record in answer["dns_records"]:
        token = record["name"].split(".", 1)[0]
        assert record == {"type": "CNAME", "name": f"{token}._domainkey.shop.example",
                          "value": f"{token}.dkim.amazonses.com"}
    import boto3

    assert boto3.client("sesv2").get_email_identity(EmailIdentity="shop.example")["IdentityType"] == "DOMAIN"


@pytest.mark.parametrize("body,field", [({}, "email"), ({"email": "a@shop.example", "domain": "shop.example"}, "email"),
                                        ({"email": "not an address"}, "email"), ({"domain": "localhost"}, "domain"),
                                        ({"domain": "sh_op.example"}, "domain")])
def test_register__bad_body__400_naming_the_field(client: Any, store: Any, body: dict[str, str], field: str) -> None:
    status, answer = _register(client, store, body)
    assert status == 400 and answer["error"]["field"] == field


@pytest.mark.parametrize("held,asked", [
    ({"email": "hello@shop.example"}, {"email": "HELLO@shop.example"}),
    ({"email": "hello@shop.example"}, {"email": "hello@SHOP.EXAMPLE."}),
    ({"domain": "shop.example"}, {"domain": "Shop.Example."}),
    ({"domain": "shop.example"}, {"email": "sales@shop.example"}),
    ({"domain": "shop.example"}, {"email": "sales@mail.shop.example"}),
    ({"email": "hello@shop.example"}, {"domain": "shop.example"}),
])
def test_identity_of_another_store__409_identity_taken(client: Any, store: Any, other_store: Any,
                                                        held: dict[str, str], asked: dict[str, str]) -> None:
    # GIVEN store B holds an identity (pending is enough)
    assert _register(client, other_store, held)[0] == 202
    # WHEN store A asks for it in other case, with a trailing dot, or an address inside B's domain
    status, answer = _register(client, store, asked)
    # THEN 409 identity_taken, and A holds nothing
    assert status == 409 and answer["error"]["code"] == "identity_taken"
    assert json_call(client, "GET", "/admin/sender-identities", store.admin())[1]["items"] == []


def test_platform_domains__409_identity_taken(client: Any, store: Any) -> None:
    for body in ({"email": PLATFORM}, {"domain": "memberlink.local"}, {"domain": "inbound.memberlink.local"}):
        status, answer = _register(client, store, body)
        assert status == 409 and answer["error"]["code"] == "identity_taken", body


def test_register_twice_by_the_same_store__202_its_current_state(client: Any, store: Any) -> None:
    verified_sender(client, store, "hello@shop.example")
    status, answer = _register(client, store, {"email": "Hello@shop.example"})
    assert status == 202 and answer["status"] == "verified"


def test_delete__204_and_the_identity_is_free_for_another_store(client: Any, store: Any, other_store: Any) -> None:
    verified_sender(client, other_store, "hello@shop.example")
    assert json_call(client, "DELETE", "/admin/sender-identities/hello@shop.example", store.admin())[0] == 404
    status, _ = json_call(client, "DELETE", "/admin/sender-identities/Hello@Shop.Example.", other_store.admin())
    assert status == 204
    assert json_call(client, "GET", "/admin/sender-identities", other_store.admin())[1]["items"] == []
    assert _register(client, store, {"email": "hello@shop.example"})[0] == 202


def test_local_verify__unknown_identity__404(client: Any) -> None:
    status, answer = json_call(client, "POST", "/_local/ses/identities/nobody@shop.example/verify", {}, None)
    assert status == 404 and answer["error"]["code"] == "not_found"


# --- the From of the store's mail ------------------------------------------------------------------

def test_attack__store_a_sets_store_bs_verified_address__mail_goes_from_the_platform(
        client: Any, store: Any, other_store: Any) -> None:
    # GIVEN store B ("Rival Coffee") verified its address
    verified_sender(client, other_store, "hello@rival.example")
    # WHEN store A sets B's address as its shop_email and answers a customer
    settings = _settings(client, store, {"shop_email": "hello@rival.example", "storefront_url": STOREFRONT_URL})
    mail = _reply(client, store, _guest_thread(client, store))
    # THEN the mail is not From B's address: it is the platform's, with A's name, and the same Reply-To
    assert mail["from"] == PLATFORM_FROM
    assert "rival.example" not in mail["from"] and mail["reply_to"].startswith("reply+")
    assert settings["sender"] == {"from": f'"Demo Tea House via memberlink" <{PLATFORM}>', "verified": False}
    # AND neither can A claim B's address for itself
    assert _register(client, store, {"email": "hello@rival.example"})[0] == 409


def test_attack__store_a_marketing_with_store_bs_address__from_the_platform(
        client: Any, store: Any, other_store: Any) -> None:
    from tests.functional.test_consent_routes import sign_up

    verified_sender(client, other_store, "rival.example")
    _settings(client, store, {"shop_email": "news@rival.example", "postal_address": "1 Tea Road, Taipei"})
    member_id = sign_up(client, store, "amy@example.com", email_marketing=True)
    status, _ = json_call(client, "POST", "/admin/marketing-emails", store.admin(),
                          {"kind": "broadcast", "subject": "Autumn teas", "text": "New teas",
                           "audience": {"member_ids": [member_id]}})
    assert status == 202
    [mail] = [m for m in _emails() if m["to"] == "amy@example.com"]
    assert mail["from"] == PLATFORM_FROM
    assert mail["reply_to"] == "news@rival.example"  # answers still reach the address the store gave


def test_unverified_own_address__platform_from__verified__the_stores_own(client: Any, store: Any) -> None:
    _settings(client, store, {"shop_email": SHOP_EMAIL, "storefront_url": STOREFRONT_URL})
    conversation_id = _guest_thread(client, store)
    assert _register(client, store, {"email": SHOP_EMAIL})[0] == 202
    assert _reply(client, store, conversation_id)["from"] == PLATFORM_FROM
    json_call(client, "POST", f"/_local/ses/identities/{SHOP_EMAIL}/verify", {}, None)
    assert _reply(client, store, conversation_id)["from"] == f"Demo Tea House <{SHOP_EMAIL}>"
    _, settings = json_call(client, "GET", "/admin/settings", store.admin())
    assert settings["sender"] == {"from": f'"Demo Tea House" <{SHOP_EMAIL}>', "verified": True}


def test_verified_domain__any_shop_address_in_it_is_the_stores_from(client: Any, store: Any) -> None:
    verified_sender(client, store, SHOP_EMAIL.split("@")[1])
    _settings(client, store, {"shop_email": SHOP_EMAIL, "storefront_url": STOREFRONT_URL})
    assert _reply(client, store, _guest_thread(client, store))["from"] == f"Demo Tea House <{SHOP_EMAIL}>"


# --- SES's side --------------------------------------------------------------------------------------

def test_identity_ses_already_knows_outside_the_registry__409_and_nothing_held(
        client: Any, store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator verified a store's address by hand long ago: SES answers AlreadyExists; not this store's."""
    from botocore.exceptions import ClientError

    from chalicelib import aws

    def exists(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "AlreadyExistsException", "Message": "exists"}}, "CreateEmailIdentity")

    monkeypatch.setattr(aws.client("sesv2"), "create_email_identity", exists)
    status, answer = _register(client, store, {"email": "hello@legacy.example"})
    assert status == 409 and answer["error"]["code"] == "identity_taken"
    assert json_call(client, "GET", "/admin/sender-identities", store.admin())[1]["items"] == []


def test_ses_down__502_and_the_identity_is_free_again(client: Any, store: Any, other_store: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import EndpointConnectionError

    from chalicelib import aws

    def down(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://email.us-east-1.amazonaws.com")

    monkeypatch.setattr(aws.client("sesv2"), "create_email_identity", down)
    status, answer = _register(client, store, {"domain": "shop.example"})
    assert status == 502 and answer["error"]["code"] == "ses_unavailable"
    monkeypatch.undo()
    assert _register(client, other_store, {"domain": "shop.example"})[0] == 202


def test_deployed_stage__status_comes_from_ses_get_email_identity(client: Any, store: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import clock
    from chalicelib import senders as identities
    from chalicelib.models.senders import SenderIdentityModel

    assert _register(client, store, {"email": "hello@shop.example"})[1]["status"] == "pending"
    monkeypatch.setenv("STAGE", "prod")  # a deployed stage asks SES; moto's SES says SUCCESS once created
    [item] = identities.refresh(list(SenderIdentityModel.query(store.store_id)), clock.now())
    assert item.status == "verified" and SenderIdentityModel.get(store.store_id, "hello@shop.example").status == \
        "verified"


def test_squatting__a_claim_never_verified_for_a_week_is_released_to_the_next_store(
        client: Any, store: Any, other_store: Any) -> None:
    # GIVEN store B registered A's domain and can never prove it
    assert _register(client, other_store, {"domain": "demo-tea.example"})[0] == 202
    # WHEN A asks within the week THEN taken; WHEN A asks after it THEN A holds it and B no longer does
    assert _register(client, store, {"email": "hello@demo-tea.example"})[0] == 409
    json_call(client, "POST", "/_local/clock", {}, {"advance_seconds": 8 * 86400})
    status, answer = _register(client, store, {"email": "hello@demo-tea.example"})
    assert status == 202 and answer["status"] == "pending"
    assert json_call(client, "GET", "/admin/sender-identities", other_store.admin())[1]["items"] == []


def test_a_verified_claim_is_never_released(client: Any, store: Any, other_store: Any) -> None:
    verified_sender(client, other_store, "rival.example")
    json_call(client, "POST", "/_local/clock", {}, {"advance_seconds": 400 * 86400})
    assert _register(client, store, {"domain": "rival.example"})[0] == 409
