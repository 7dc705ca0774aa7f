"""How long things last: each lifetime written once, used by the rule that enforces it and by every
text that states it (``f"valid for {duration_text(INVITATION_TTL)}"``), so the two cannot drift.
"""

from __future__ import annotations

from datetime import timedelta

MESSAGING_WINDOW = timedelta(hours=24)  # Meta and WhatsApp: free-form messages within 24 h of the customer's last
BINDING_INVITATION_TTL = timedelta(hours=1)  # "a binding link is valid for one hour"
CART_LINK_TTL = timedelta(days=7)
REGISTRATION_INVITATION_TTL = timedelta(hours=2)
LINE_BINDING_TTL = timedelta(hours=1)
CODE_TTL = timedelta(minutes=10)  # a one-time code sent by SMS or e-mail
VERIFICATION_TOKEN_TTL = timedelta(minutes=15)  # what a checked code turns into
CONSOLE_INVITATION_TTL = timedelta(hours=72)  # a console user's invitation e-mail
CONSOLE_SESSION_TTL = timedelta(hours=12)  # a console sign-in by e-mail and password

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def duration_text(lifetime: timedelta) -> str:
    """``1 hour``, ``24 hours``, ``10 minutes``, ``7 days``: the largest whole unit, days from two on."""
    seconds = int(lifetime.total_seconds())
    for unit, size in _UNITS:
        count, rest = divmod(seconds, size)
        if rest == 0 and count >= (2 if unit == "day" else 1):
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"
