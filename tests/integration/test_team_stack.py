"""Team accounts over the real local stack: the sign-in limit holds against guesses sent at the same instant,
and an agent's session ends on its next request once an owner removes them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.integration.conftest import post_all_at_once
from tests.support_channels import uid

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def shop(stack: Any) -> dict[str, str]:
    return stack.create_store("Team Test Shop")


def invited(stack: Any, shop: dict[str, str], role: str = "agent") -> tuple[str, str]:
    """Invited by the admin key: their e-mail and the token of the e-mailed link."""
    email = f"{uid(role)}@team.example"
    status, body = stack.call("POST", "/admin/users", shop["admin_key"], {"email": email, "name": "Mei", "role": role})
    assert status == 201, body
    _, mails = stack.call("GET", "/_local/emails")
    text = [m["text"] for m in mails["items"] if m["to"] == email][-1]
    token = re.search(r"#invitation=([A-Za-z0-9_.\-]+)", text).group(1)  # type: ignore[union-attr]
    return email, token


def person(stack: Any, shop: dict[str, str], role: str = "agent") -> str:
    """Invited and joined: their e-mail."""
    email, token = invited(stack, shop, role)
    assert stack.call("POST", "/auth/invitations/accept", None, {"token": token, "password": PASSWORD})[0] == 200
    return email


def test_of_concurrent_acceptances_of_one_invitation_exactly_one_sets_the_password(stack: Any,
                                                                                  shop: dict[str, str]) -> None:
    email, token = invited(stack, shop)
    passwords = [f"password number {n}" for n in range(6)]
    answers = post_all_at_once(stack, "/auth/invitations/accept", [{"token": token, "password": p} for p in passwords],
                               "none")
    assert sorted(status for status, _ in answers) == [200] + [409] * 5, answers
    winner = passwords[[status for status, _ in answers].index(200)]
    assert stack.call("POST", "/auth/sessions", None, {"email": email, "password": winner})[0] == 200


def test_guesses_sent_together_cannot_get_past_ten_compared(stack: Any, shop: dict[str, str]) -> None:
    # GIVEN a person of the store
    email = person(stack, shop)
    # WHEN 19 wrong passwords and the right one arrive at the same instant
    payloads = [{"email": email, "password": f"wrong guess {n}"} for n in range(19)]
    payloads.append({"email": email, "password": PASSWORD})
    answers = post_all_at_once(stack, "/auth/sessions", payloads, "none")
    # THEN at most ten were compared (401, or 200 for the right one); every other was refused uncompared
    compared = [status for status, _ in answers if status in (200, 401)]
    assert len(compared) <= 10, answers
    refused = {(status, body["error"]["code"]) for status, body in answers if status not in (200, 401)}
    assert refused <= {(429, "too_many_attempts"), (409, "conflict")}, refused
    assert (429, "too_many_attempts") in refused


def test_removal_ends_the_session_on_its_next_request(stack: Any, shop: dict[str, str]) -> None:
    email = person(stack, shop)
    status, session = stack.call("POST", "/auth/sessions", None, {"email": email, "password": PASSWORD})
    assert status == 200
    token = session["session_token"]
    assert stack.call("GET", "/admin/conversations", token)[0] == 200
    assert stack.call("DELETE", f"/admin/users/{session['user']['user_id']}", shop["admin_key"])[0] == 204
    assert stack.call("GET", "/admin/conversations", token)[0] == 401
