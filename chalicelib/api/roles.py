"""Who may call each admin route, and what it leaves in the audit trail: the one table.

An admin key and an ``owner``'s session may call every admin route. An ``agent``'s session may call the
routes marked ``AGENT`` below: the inbox (read, reply, notes, binding invitations, blacklist, assignment)
and customers (read, tags, notes); any other ``/admin/*`` route answers them 403 ``forbidden``. A route
that is not listed here is owner-only: a new admin route is closed to agents until someone opens it here.

``audit`` names the event ``@endpoint`` records after a 2xx answer; ``target`` is the path parameter (or,
for a route that creates something, the response's field) naming what was acted on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    agent: bool = False
    audit: str | None = None
    target: str | None = None  # a path parameter or a response field, e.g. "conversation_id"
    skip_audit_query: tuple[str, str] | None = None  # (name, value): a query that changes nothing (dry runs)


AGENT = True
OWNER_ONLY = Rule()

RULES: dict[str, Rule] = {
    # --- the inbox (agents) ---
    "GET /admin/conversations": Rule(AGENT),
    "GET /admin/conversations/{conversation_id}": Rule(AGENT),
    "GET /admin/conversations/{conversation_id}/messages": Rule(AGENT),
    "POST /admin/conversations/{conversation_id}/messages": Rule(AGENT, "conversation.replied", "conversation_id"),
    "POST /admin/conversations/{conversation_id}/notes": Rule(AGENT, "conversation.note_added", "conversation_id"),
    "POST /admin/conversations/{conversation_id}/read": Rule(AGENT),
    "PUT /admin/conversations/{conversation_id}/assignee": Rule(AGENT, "conversation.assigned", "conversation_id"),
    "POST /admin/conversations/{conversation_id}/binding-invitation":
        Rule(AGENT, "binding.invitation_sent", "conversation_id"),
    "POST /admin/conversations/{conversation_id}/cart-link": Rule(AGENT, "binding.cart_link_sent", "conversation_id"),
    "GET /admin/channel-registry": Rule(AGENT),  # the console draws every channel from it (issue 24)
    "GET /admin/blacklist": Rule(AGENT),
    "PUT /admin/blacklist/{social_user_key}": Rule(AGENT, "blacklist.added", "social_user_key"),
    "DELETE /admin/blacklist/{social_user_key}": Rule(AGENT, "blacklist.removed", "social_user_key"),
    "PUT /admin/members/{member_id}/blacklist": Rule(AGENT, "blacklist.added", "member_id"),  # issue 28
    "DELETE /admin/members/{member_id}/blacklist": Rule(AGENT, "blacklist.removed", "member_id"),  # issue 28
    # Replies in shop and order conversations may carry images, uploaded and shown through these.
    "POST /admin/uploads": Rule(AGENT),
    "POST /admin/uploads/direct": Rule(AGENT),
    "GET /admin/images/{image_id}": Rule(AGENT),
    # --- customers (agents: read, tags, notes) ---
    "GET /admin/members": Rule(AGENT),
    "GET /admin/members/{member_id}": Rule(AGENT),
    "GET /admin/members/{member_id}/consent-events": Rule(AGENT),
    "GET /admin/members/{member_id}/lifecycle-history": Rule(AGENT),
    "POST /admin/members/{member_id}/tags": Rule(AGENT, "member.tagged", "member_id"),
    "DELETE /admin/members/{member_id}/tags/{tag}": Rule(AGENT, "member.untagged", "member_id"),
    "POST /admin/members/{member_id}/notes": Rule(AGENT, "member.note_added", "member_id"),
    "GET /admin/tags/{tag}/members": Rule(AGENT),
    # --- owner only, audited ---
    "POST /admin/members": Rule(audit="member.registered", target="member_id"),  # a visitor made a member
    "DELETE /admin/members/{member_id}/social-accounts/{social_user_key}":
        Rule(audit="member.unbound", target="member_id"),
    "PUT /admin/members/{member_id}/consents": Rule(audit="member.consent_changed", target="member_id"),
    "POST /admin/customer-imports": Rule(audit="customers.imported", skip_audit_query=("dry_run", "true")),
    "POST /admin/customer-exports": Rule(audit="customers.exported", target="export_id"),  # issue 28
    "POST /admin/reports/sms": Rule(audit="report.exported", target="key"),
    "POST /admin/reports/referrals": Rule(audit="report.exported", target="key"),
    "POST /admin/marketing-emails": Rule(audit="marketing.email_sent", target="send_id"),
    "POST /admin/marketing-sms": Rule(audit="marketing.sms_sent", target="send_id"),
    "PUT /admin/settings": Rule(audit="settings.changed"),
    "PUT /admin/sms/recaptcha": Rule(audit="settings.recaptcha_changed"),
    "PUT /admin/lifecycle/parameters": Rule(audit="settings.lifecycle_changed"),
    "PUT /admin/channels/{channel}": Rule(audit="channel.configured", target="channel"),
    "PUT /admin/templates/binding-invitation/{channel}": Rule(audit="template.changed", target="channel"),
    "PUT /admin/templates/sms/{template_type}": Rule(audit="template.changed", target="template_type"),
    "POST /admin/auto-reply-rules": Rule(audit="auto_reply_rule.created", target="rule_id"),
    "DELETE /admin/auto-reply-rules/{rule_id}": Rule(audit="auto_reply_rule.deleted", target="rule_id"),
    "POST /admin/branches": Rule(audit="branch.created", target="branch_id"),
    "POST /admin/staff": Rule(audit="key.created", target="staff_id"),  # a staff member's key
    "DELETE /admin/staff/{staff_id}": Rule(audit="key.revoked", target="staff_id"),
    "POST /admin/sender-identities": Rule(audit="settings.sender_identity_added", target="identity"),
    "DELETE /admin/sender-identities/{identity}": Rule(audit="settings.sender_identity_removed", target="identity"),
    "POST /admin/users": Rule(audit="user.invited", target="user_id"),
    "DELETE /admin/users/{user_id}": Rule(audit="user.removed", target="user_id"),
    # --- console sessions (not /admin/*: any signed-in person; signing in audits itself, in api/team.py) ---
    "POST /auth/two-factor/confirm": Rule(audit="user.two_factor_enabled", target="user_id"),
}


def rule_for(method: str, path: str) -> Rule:
    return RULES.get(f"{method} {path}", OWNER_ONLY)


def agent_may(method: str, path: str) -> bool:
    """Agents reach the listed admin routes only; every other route is not the role table's business."""
    return not path.startswith("/admin/") or rule_for(method, path).agent


def target_kind(name: str) -> str:
    """``conversation_id`` -> ``conversation``; ``social_user_key`` -> ``social_account``."""
    return {"social_user_key": "social_account", "key": "report", "template_type": "template"}.get(
        name, name.removesuffix("_id"))
