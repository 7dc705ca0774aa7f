"""The merchant's reply to a social conversation: inside the messaging window, through the channel, then kept.

DynamoDB calls: the conversation (read by the route), one TransactWrite (message + conversation + the
provider id's delivery item, so the platform's echo of this reply is not stored twice).
"""

from __future__ import annotations

from datetime import datetime

from chalicelib import conversations, tokens
from chalicelib.channels import outbound, sending
from chalicelib.models.inbox import ConversationModel, MessageModel


def reply(store_id: str, conversation_id: str, text: str, now: datetime,
          conversation: ConversationModel | None = None) -> MessageModel:
    """Send ``text`` to the customer through the conversation's channel and keep it in the conversation."""
    conversation = conversation or conversations.get_conversation(store_id, conversation_id)
    conversations.check_reply_window(conversation, now)
    channel = conversation.channel
    assert conversation.social_user_key, "shop and order conversations are answered by messages.replies"
    user_id = conversation.social_user_key.split(":", 1)[1]
    message = outbound.OutboundMessage(text)
    sent = sending.send_to_customer(store_id, channel, conversation.account_id, user_id,
                                    conversation.last_comment_id, message)
    stored = conversations.record_outbound(store_id, conversation_id, channel=channel, kind="reply", text=text,
                                           provider_message_id=sent.provider_message_id, at=now, now=now,
                                           clears_comment=sent.private_reply_to is not None)
    if stored is None:  # the echo got there first: it is the same message
        stored = MessageModel(conversations.conversation_key(store_id, conversation_id), "",
                              message_id=tokens.new_id("msg"), direction=conversations.OUTBOUND, kind="reply",
                              text=text, attachments=[], provider_message_id=sent.provider_message_id, at=now,
                              received_at=now, sent_by=conversations.sent_by())
    return stored
