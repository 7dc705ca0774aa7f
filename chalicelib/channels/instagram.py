"""Instagram (channel ``instagram``): direct messages, and comments on the account's media.

A delivery is ``{"object": "instagram", "entry": [...]}``, shaped like Messenger's; echoes of the
shop's own messages carry ``is_echo``. A comment by the account itself is never answered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.channels.events import InboundEvent, Parsed, Skipped, an_id, moment_or, obj, opt_str
from chalicelib.channels.meta import SECRET_LABELS, SECRETS, MetaInbox
from chalicelib.channels.spec import ChannelSpec


class InstagramAdapter(MetaInbox):
    name = "instagram"
    label = "Instagram"
    mark = "IG"
    spec = ChannelSpec("ig_user_id", SECRETS, meta=True, text_limit=640, link_buttons=True, private_replies=True,
                       comment_reply_limit=1000)
    field_labels = {"ig_user_id": "Instagram user id", **SECRET_LABELS, "access_token": "Access token"}
    meta_object = "instagram"
    comment_reply_edge = "replies"
    profile_fields = "name,username"

    def parse_comment(self, account_id: str | None, entry_time: Any, field_name: Any, value: Any, where: str,
                      now: datetime) -> Parsed | None:
        if field_name != "comments":
            return None
        value = obj(value, f"{where}.value")
        author = value.get("from")
        if not isinstance(author, dict) or author.get("id") is None:
            return Skipped(f"'{where}.value.from' is missing: a comment without an author cannot be answered")
        user_id = an_id(author.get("id"), f"{where}.value.from.id")
        if user_id == account_id:
            return None  # our own comment (an auto-reply coming back): never answered
        comment_id = an_id(value.get("id"), f"{where}.value.id")
        media = value.get("media") if isinstance(value.get("media"), dict) else {}
        at, known = moment_or(value.get("timestamp") or value.get("created_time") or entry_time, now)
        return InboundEvent(self.name, "comment", user_id, comment_id, at,
                            account_id=account_id, text=opt_str(value.get("text")),
                            user_name=opt_str(author.get("username"), 200), comment_id=comment_id,
                            post_id=opt_str(media.get("id"), 256) if media else None,
                            entry_id=account_id, timestamp_known=known)
