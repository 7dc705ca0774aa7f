"""Every admin route of the app, called by an agent: the inbox and customers answer, everything else is 403.

The routes are read from the app itself (``chalicelib.api.http.ROUTES``), so a route added later is walked
too: unless ``chalicelib/api/roles.py`` opens it to agents, it must answer them 403 ``forbidden``.
"""

from __future__ import annotations

import re

import pytest

from chalicelib.api import roles
from tests.support_team import join

PARAMS = {"conversation_id": "cv_0000000000000000", "member_id": "mb_0000000000000000",
          "user_id": "usr_0000000000000000", "social_user_key": "facebook:1", "channel": "facebook"}
# What an owner may never lose to agents (the issue names settings, exports and people).
OWNER_ONLY = ["PUT /admin/settings", "GET /admin/settings", "GET /admin/users", "POST /admin/users",
              "DELETE /admin/users/{user_id}", "GET /admin/audit-events", "PUT /admin/channels/{channel}",
              "POST /admin/reports/sms", "POST /admin/marketing-emails", "POST /admin/staff",
              "PUT /admin/templates/sms/{template_type}", "POST /admin/customer-imports"]
AGENT_WORK = ["GET /admin/conversations", "POST /admin/conversations/{conversation_id}/messages",
              "POST /admin/conversations/{conversation_id}/notes", "PUT /admin/blacklist/{social_user_key}",
              "POST /admin/conversations/{conversation_id}/binding-invitation", "GET /admin/members/{member_id}",
              "POST /admin/members/{member_id}/tags", "POST /admin/members/{member_id}/notes",
              "GET /admin/channel-registry"]  # the console draws every channel from the registry


def admin_routes() -> list[tuple[str, str, str]]:
    import app  # noqa: F401  # declares every route
    from chalicelib.api.http import ROUTES

    return [(method, path, types[0]) for path, methods in sorted(ROUTES.items()) if path.startswith("/admin/")
            for method, types in sorted(methods.items())]


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PARAMS.get(m.group(1), "x1"), path)


def test_every_admin_route_answers_an_agent_as_the_role_table_says(client, store):
    # GIVEN an agent signed in by e-mail
    agent = join(client, store)
    routes = admin_routes()
    assert len(routes) > 50  # the walk really covers the app
    wrong = []
    for method, path, content_type in routes:
        # WHEN the agent calls the route
        headers = {**agent.headers(), "Content-Type": content_type}
        response = getattr(client.http, method.lower())(concrete(path), headers=headers, body=b"{}")
        forbidden = response.status_code == 403 and b'"forbidden"' in response.body
        # THEN it is 403 forbidden exactly when the table does not open it to agents
        if forbidden == roles.rule_for(method, path).agent or response.status_code >= 500:
            wrong.append((method, path, response.status_code))
    assert wrong == []


def test_the_routes_the_issue_names_are_on_the_right_side():
    walked = {f"{method} {path}" for method, path, _ in admin_routes()}
    for name in OWNER_ONLY:
        assert name in walked and not roles.rule_for(*name.split(" ", 1)).agent, name
    for name in AGENT_WORK:
        assert name in walked and roles.rule_for(*name.split(" ", 1)).agent, name


def test_a_route_nobody_listed_is_owner_only():
    assert roles.rule_for("POST", "/admin/something-new") == roles.OWNER_ONLY
    assert not roles.agent_may("POST", "/admin/something-new")
    assert roles.agent_may("DELETE", "/auth/sessions/current")  # not an admin route: any person


@pytest.mark.parametrize("role", ["owner"])
def test_an_owner_is_refused_nothing_an_admin_key_may_do(client, store, role):
    owner = join(client, store, role, "Olivia Owner")
    for method, path, content_type in admin_routes():
        headers = {**owner.headers(), "Content-Type": content_type}
        response = getattr(client.http, method.lower())(concrete(path), headers=headers, body=b"{}")
        assert response.status_code not in (401, 403), (method, path, response.body)
