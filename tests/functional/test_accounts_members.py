"""Sign-up, login, password reset, change of phone and email, through the storefront routes."""

from __future__ import annotations

from typing import Any

from chalicelib import clock, members
from tests.support_accounts import (
    PASSWORD,
    call,
    code_in,
    fresh_tw_mobile,
    last_code,
    log_in,
    moto_emails,
    sign_up_by_phone,
    verified_token,
)


def test_phone_sign_up_then_login(client: Any, store: Any) -> None:
    phone = fresh_tw_mobile()
    status, created = sign_up_by_phone(client, store, phone)
    assert status == 201
    member = members.get_member(store.store_id, created["member_id"])
    assert (member.phone, member.phone_verified, member.name_lower) == (phone, True, "amy chen")
    assert member.password_hash.startswith("$argon2id$")
    assert members.phone_verified_label(member) == "Verified"

    assert log_in(client, store, phone) == (200, {"member_id": created["member_id"]})
    assert log_in(client, store, "0" + phone[4:])[0] == 200  # national notation, store country TW
    status, wrong = log_in(client, store, phone, "wrong password!")
    status_unknown, unknown = log_in(client, store, fresh_tw_mobile())
    assert (status, status_unknown) == (401, 401) and wrong == unknown
    assert wrong["error"]["code"] == "invalid_credentials"


def test_a_phone_sign_up_needs_a_signup_token_for_that_number(client: Any, store: Any) -> None:
    phone, other = fresh_tw_mobile(), fresh_tw_mobile()
    body = {"name": "Amy", "password": PASSWORD, "phone": phone}
    status, answer = call(client, "POST", "/storefront/members", store.storefront(), body)
    assert status == 400 and answer["error"]["field"] == "verification_token"
    wrong_number = verified_token(client, store, other)
    status, answer = call(client, "POST", "/storefront/members", store.storefront(),
                          {**body, "verification_token": wrong_number})
    assert status == 400 and answer["error"]["code"] == "invalid_verification_token"
    wrong_purpose = verified_token(client, store, phone, "login")
    status, answer = call(client, "POST", "/storefront/members", store.storefront(),
                          {**body, "verification_token": wrong_purpose})
    assert status == 400 and answer["error"]["code"] == "invalid_verification_token"


def test_a_token_is_used_once_and_a_number_has_one_member(client: Any, store: Any) -> None:
    phone = fresh_tw_mobile()
    token = verified_token(client, store, phone)
    body = {"name": "Amy", "password": PASSWORD, "phone": phone, "verification_token": token}
    assert call(client, "POST", "/storefront/members", store.storefront(), body)[0] == 201
    status, again = call(client, "POST", "/storefront/members", store.storefront(), body)
    assert status == 400 and again["error"]["code"] == "invalid_verification_token"
    clock.advance(30)
    status, taken = call(client, "POST", "/storefront/members", store.storefront(),
                         {**body, "verification_token": verified_token(client, store, phone)})
    assert status == 409 and taken["error"]["code"] == "phone_taken"


def test_email_sign_up_logs_in_case_insensitively_and_email_is_unique(client: Any, store: Any) -> None:
    body = {"name": "Bo", "password": PASSWORD, "email": "Bo.Lin@Example.com"}
    status, created = call(client, "POST", "/storefront/members", store.storefront(), body)
    assert status == 201
    assert log_in(client, store, "bo.lin@example.COM") == (200, {"member_id": created["member_id"]})
    status, taken = call(client, "POST", "/storefront/members", store.storefront(),
                         {**body, "email": "bo.lin@example.com"})
    assert status == 409 and taken["error"]["code"] == "email_taken"


def test_an_email_added_at_a_phone_sign_up_logs_in_only_once_verified(client: Any, store: Any) -> None:
    phone, email = fresh_tw_mobile(), "amy@example.com"
    status, created = sign_up_by_phone(client, store, phone, email=email)
    member_id = created["member_id"]
    assert status == 201 and log_in(client, store, email)[0] == 401

    status, started = call(client, "PUT", f"/storefront/members/{member_id}/email", store.storefront(),
                           {"email": email})
    assert status == 202, started
    code = code_in(moto_emails(email)[-1])
    status, view = call(client, "PUT", f"/storefront/members/{member_id}/email", store.storefront(),
                        {"email": email, "code": code})
    assert status == 200 and view["email_verified"] is True
    assert log_in(client, store, email)[0] == 200


def test_changing_the_email_moves_the_identity(client: Any, store: Any) -> None:
    phone = fresh_tw_mobile()
    _, created = sign_up_by_phone(client, store, phone, email="old@example.com")
    member_id = created["member_id"]
    call(client, "PUT", f"/storefront/members/{member_id}/email", store.storefront(), {"email": "New@Example.com"})
    code = code_in(moto_emails("New@Example.com")[-1])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    status, refused = call(client, "PUT", f"/storefront/members/{member_id}/email", store.storefront(),
                           {"email": "New@Example.com", "code": wrong})
    assert status == 400 and refused["error"]["code"] == "invalid_code"
    status, view = call(client, "PUT", f"/storefront/members/{member_id}/email", store.storefront(),
                        {"email": "New@Example.com", "code": code})
    assert status == 200 and view["email"] == "New@Example.com"
    assert members.find_member_by_identity(store.store_id, members.email_identity("new@example.com")) is not None
    assert members.find_identity(store.store_id, members.email_identity("old@example.com")) is None


def test_change_of_phone_needs_a_token_for_the_new_number(client: Any, store: Any) -> None:
    old, new = fresh_tw_mobile(), fresh_tw_mobile()
    _, created = sign_up_by_phone(client, store, old)
    member_id = created["member_id"]
    signup_token = verified_token(client, store, new)  # wrong purpose
    status, refused = call(client, "PUT", f"/storefront/members/{member_id}/phone", store.storefront(),
                           {"phone": new, "verification_token": signup_token})
    assert status == 400 and refused["error"]["code"] == "invalid_verification_token"
    assert members.get_member(store.store_id, member_id).phone == old

    clock.advance(30)
    token = verified_token(client, store, new, "change_phone")
    status, view = call(client, "PUT", f"/storefront/members/{member_id}/phone", store.storefront(),
                        {"phone": new, "verification_token": token})
    assert status == 200 and (view["phone"], view["phone_verified"]) == (new, True)
    assert log_in(client, store, new)[0] == 200
    assert log_in(client, store, old)[0] == 401
    assert members.find_identity(store.store_id, members.phone_identity(old)) is None


def test_change_of_phone_to_another_members_number_is_phone_taken(client: Any, store: Any) -> None:
    mine, theirs = fresh_tw_mobile(), fresh_tw_mobile()
    _, me = sign_up_by_phone(client, store, mine)
    sign_up_by_phone(client, store, theirs)
    clock.advance(30)
    token = verified_token(client, store, theirs, "change_phone")
    status, refused = call(client, "PUT", f"/storefront/members/{me['member_id']}/phone", store.storefront(),
                           {"phone": theirs, "verification_token": token})
    assert status == 409 and refused["error"]["code"] == "phone_taken"


def test_password_reset_by_sms(client: Any, store: Any) -> None:
    phone = fresh_tw_mobile()
    _, created = sign_up_by_phone(client, store, phone)
    clock.advance(30)
    status, _ = call(client, "POST", "/storefront/password-resets", store.storefront(),
                     {"identifier": phone, "via": "sms"})
    assert status == 202
    code = last_code(phone)
    body = {"identifier": phone, "code": code, "new_password": "a brand new secret"}
    assert call(client, "POST", "/storefront/password-resets/confirm", store.storefront(), body) == (
        200, {"member_id": created["member_id"]})
    assert log_in(client, store, phone)[0] == 401
    assert log_in(client, store, phone, "a brand new secret")[0] == 200
    status, reused = call(client, "POST", "/storefront/password-resets/confirm", store.storefront(), body)
    assert status == 400 and reused["error"]["code"] == "invalid_code"


def test_password_reset_by_email(client: Any, store: Any) -> None:
    call(client, "POST", "/storefront/members", store.storefront(),
         {"name": "Bo", "password": PASSWORD, "email": "bo@example.com"})
    status, _ = call(client, "POST", "/storefront/password-resets", store.storefront(),
                     {"identifier": "BO@example.com", "via": "email"})
    assert status == 202
    code = code_in(moto_emails("bo@example.com")[-1])
    status, _ = call(client, "POST", "/storefront/password-resets/confirm", store.storefront(),
                     {"identifier": "bo@example.com", "code": code, "new_password": "another secret!"})
    assert status == 200
    assert log_in(client, store, "bo@example.com", "another secret!")[0] == 200


def test_reset_and_verification_answers_do_not_reveal_members(client: Any, store: Any) -> None:
    member_phone, stranger = fresh_tw_mobile(), fresh_tw_mobile()
    sign_up_by_phone(client, store, member_phone)
    clock.advance(30)

    def raw(path: str, body: dict[str, str]) -> tuple[int, bytes]:
        import json

        response = client.http.post(path, headers=store.storefront(), body=json.dumps(body).encode())
        return response.status_code, response.body

    resets = [raw("/storefront/password-resets", {"identifier": p, "via": "sms"}) for p in (member_phone, stranger)]
    assert resets[0] == resets[1] and resets[0][0] == 202
    # The reset counted against both numbers alike: an immediate send is limited for both, the same way.
    limited = [raw("/storefront/verifications", {"phone": p, "purpose": "reset_password"})
               for p in (member_phone, stranger)]
    assert limited[0][0] == limited[1][0] == 429
    clock.advance(30)
    sends = [raw("/storefront/verifications", {"phone": p, "purpose": "reset_password"})
             for p in (member_phone, stranger)]
    assert sends[0][0] == sends[1][0] == 202
    # Each answer carries a random verification id; everything else is identical.
    import json

    assert json.loads(sends[0][1]).keys() == json.loads(sends[1][1]).keys()
    assert len(sends[0][1]) == len(sends[1][1])
    refusals = [call(client, "POST", "/storefront/password-resets/confirm", store.storefront(),
                     {"identifier": p, "code": "000000", "new_password": "whatever123"}) for p in (member_phone,
                                                                                                     stranger)]
    assert refusals[0] == refusals[1] and refusals[0][0] == 400 and refusals[0][1]["error"]["code"] == "invalid_code"


def test_members_of_another_store_are_not_found(client: Any, store: Any, other_store: Any) -> None:
    _, created = sign_up_by_phone(client, store, fresh_tw_mobile())
    status, _ = call(client, "GET", f"/storefront/members/{created['member_id']}", other_store.storefront())
    assert status == 404
    assert call(client, "GET", f"/storefront/members/{created['member_id']}", store.storefront())[0] == 200


def test_short_passwords_and_bad_emails_are_400(client: Any, store: Any) -> None:
    status, answer = call(client, "POST", "/storefront/members", store.storefront(),
                          {"name": "Bo", "password": "short", "email": "bo@example.com"})
    assert status == 400 and answer["error"]["field"] == "password"
    status, answer = call(client, "POST", "/storefront/members", store.storefront(),
                          {"name": "Bo", "password": PASSWORD, "email": "not-an-email"})
    assert status == 400 and answer["error"]["field"] == "email"
