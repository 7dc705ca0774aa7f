"""Outbound e-mail: one sender that builds MIME with the standard library and sends it raw through SES.

    from chalicelib.email import OutboundEmail, send

    sent = send(OutboundEmail(to="amy@example.com", sender="shop@example.com", subject="Re: your order",
                              text="...", html="<p>...</p>", reply_to="reply+abc@in.example.com",
                              headers={"References": "<cv_1@example.com>"}))
    sent.ses_message_id   # what SES calls it (SES rewrites our Message-ID: keep this one)
"""

from chalicelib.email.sender import Attachment, EmailNotSent, OutboundEmail, SentEmail, build_message, send

__all__ = ["Attachment", "EmailNotSent", "OutboundEmail", "SentEmail", "build_message", "send"]
