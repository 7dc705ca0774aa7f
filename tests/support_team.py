"""Helpers for the team-account tests: invite a person, take their link from the e-mail, sign them in."""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from typing import Any

from tests.conftest import call

PASSWORD = "correct horse battery staple"
_counter = itertools.count()
_base = random.randrange(1_000_000)


def fresh_email(prefix: str = "agent") -> str:
    return f"{prefix}{_base}-{next(_counter)}@team.example"


@dataclass(frozen=True)
class Person:
    user_id: str
    email: str
    name: str
    token: str  # the session token
    store_id: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}


def invitation_token(email: str) -> str:
    """The token of the newest invitation link e-mailed to ``email`` (as a person would click it)."""
    from local.emails import sent_emails

    texts = [m["text"] for m in sent_emails() if m["to"] == email]
    assert texts, f"no invitation was e-mailed to {email}"
    match = re.search(r"/console/#invitation=([A-Za-z0-9_.\-]+)", texts[-1])
    assert match, texts[-1]
    return match.group(1)


def invite(client: Any, store: Any, role: str = "agent", name: str = "Mei Agent", email: str | None = None) -> str:
    email = email or fresh_email(role)
    status, body = call(client, "POST", "/admin/users", store.admin(), {"email": email, "name": name, "role": role})
    assert status == 201, body
    return email


def sign_in(client: Any, email: str, password: str = PASSWORD, **extra: Any) -> tuple[int, Any]:
    return call(client, "POST", "/auth/sessions", {"Content-Type": "application/json"},
                {"email": email, "password": password, **extra})


def join(client: Any, store: Any, role: str = "agent", name: str = "Mei Agent") -> Person:
    """Invite, accept and sign in: a person of ``store`` with a session."""
    email = invite(client, store, role, name)
    status, accepted = call(client, "POST", "/auth/invitations/accept", {"Content-Type": "application/json"},
                            {"token": invitation_token(email), "password": PASSWORD})
    assert status == 200, accepted
    status, session = sign_in(client, email)
    assert status == 200, session
    return Person(accepted["user_id"], email, name, session["session_token"], store.store_id)
