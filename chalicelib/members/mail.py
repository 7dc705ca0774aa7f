"""Email codes (through the one e-mail sender, :mod:`chalicelib.email`).

The sender address is ``SES_FROM_ADDRESS`` (default ``no-reply@memberlink.local``); it must be a
verified SES identity in AWS. The local stage verifies it on first use, as nobody can click a link there.
"""

from __future__ import annotations

from chalicelib.email.addresses import platform_address


def send_email(to: str, subject: str, text: str) -> bool:
    """Send a plain-text email; False (logged by the sender) when SES refuses or cannot be reached."""
    from chalicelib.email import EmailNotSent, OutboundEmail, send  # MIME is loaded only when mail is sent

    try:
        send(OutboundEmail(to=to, sender=platform_address(), subject=subject, text=text))
    except (EmailNotSent, ValueError):
        return False
    return True
