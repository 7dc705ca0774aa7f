"""Facebook Messenger (channel ``facebook``): Page messages, and Page comments from the ``feed`` field.

A delivery is ``{"object": "page", "entry": [...]}``; a comment by the Page itself (our auto-reply
coming back) is never answered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.channels.events import InboundEvent, Parsed, Skipped, an_id, moment_or, obj, opt_str
from chalicelib.channels.meta import SECRET_LABELS, SECRETS, MetaInbox
from chalicelib.channels.spec import ChannelSpec


class MessengerAdapter(MetaInbox):
    name = "facebook"
    label = "Messenger"
    mark = "f"
    spec = ChannelSpec("page_id", SECRETS, meta=True, text_limit=640, link_buttons=True, private_replies=True,
                       comment_reply_limit=2000)
    field_labels = {"page_id": "Page id", **SECRET_LABELS, "access_token": "Page access token"}
    meta_object = "page"
    comment_reply_edge = "comments"
    profile_fields = "name,first_name,last_name"

    def parse_comment(self, account_id: str | None, entry_time: Any, field_name: Any, value: Any, where: str,
                      now: datetime) -> Parsed | None:
        if field_name != "feed":
            return None
        value = obj(value, f"{where}.value")
        if value.get("item") != "comment" or value.get("verb", "add") != "add":
            return None  # posts, reactions, edits and removals are acknowledged only
        author = value.get("from")
        if author is None and value.get("sender_id") is not None:  # Graph API before v2.7 named the author so
            author = {"id": value["sender_id"], "name": value.get("sender_name")}
        if not isinstance(author, dict) or author.get("id") is None:
            return Skipped(f"'{where}.value.from' is missing: a comment without an author cannot be answered")
        user_id = an_id(author.get("id"), f"{where}.value.from.id")
        if user_id == account_id:
            return None
        comment_id = an_id(value.get("comment_id"), f"{where}.value.comment_id")
        at, known = moment_or(value.get("created_time") or entry_time, now)
        attachments: tuple[dict[str, str], ...] = ()
        if isinstance(value.get("photo"), str):
            attachments = ({"type": "image", "url": value["photo"][:2048]},)
        return InboundEvent(self.name, "comment", user_id, comment_id, at,
                            account_id=account_id, text=opt_str(value.get("message")),
                            attachments=attachments, user_name=opt_str(author.get("name"), 200),
                            comment_id=comment_id, post_id=opt_str(value.get("post_id"), 256),
                            entry_id=account_id, timestamp_known=known)
