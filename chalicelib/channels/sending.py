"""Sending to a conversation's customer on any channel, with the one rule every outbound message follows."""

from __future__ import annotations

from chalicelib.channels.outbound import OutboundMessage, Sent
from chalicelib.channels.registry import adapter_for, spec_for


def private_reply_comment(channel: str, last_comment_id: str | None) -> str | None:
    """The comment a message to this customer must answer privately, if any.

    Meta refuses a plain DM to someone whose last contact was a comment (no open thread): on
    Messenger/Facebook and Instagram the first message goes as a private reply to that comment,
    once per comment. The one rule for every outbound message (replies, invitations, cart links).
    """
    return last_comment_id if spec_for(channel).private_replies and last_comment_id else None


def send_to_customer(store_id: str, channel: str, account_id: str | None, user_id: str,
                     last_comment_id: str | None, message: OutboundMessage) -> Sent:
    """A message to a conversation's customer: a private reply when :func:`private_reply_comment` says so."""
    adapter = adapter_for(channel)
    comment_id = private_reply_comment(channel, last_comment_id)
    if comment_id is None:
        return adapter.send(store_id, account_id, user_id, message)
    if message.button is not None:  # a private reply carries text only: the link goes in the text
        message = OutboundMessage(f"{message.text}\n{message.button.url}")
    sent = adapter.send_private_reply(store_id, account_id, comment_id, message)
    return Sent(sent.provider_message_id, private_reply_to=comment_id)
