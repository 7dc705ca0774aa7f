"""Marketing sends: an audience, consent read per recipient at send time, in chunks in the background.

``POST /admin/marketing-emails`` stores the send (``queued``) and hands it to the worker: on AWS an
asynchronous invoke of the ``marketing_send`` function (``InvocationType=Event``), locally the same
function in process. The worker reads the audience a page at a time (:data:`PAGE_SIZE` members: one
Query or BatchGetItem, which is the consent read), sends to those who may receive, adds the page's
counts to the send item (one UpdateItem) and, when its invocation has used :data:`BUDGET_SECONDS`,
hands the rest (a cursor) to a fresh invocation, so each ends well inside Lambda's 15 minutes.

Per recipient: one SES ``SendRawEmail``; per page of 100: one read and one counter update.
"""

from __future__ import annotations

import html
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from chalicelib import clock, handoff, i18n, pagination, tokens
from chalicelib.consent import state
from chalicelib.consent.unsubscribe import mailto_address, token_for
from chalicelib.email import EmailNotSent, OutboundEmail
from chalicelib.email import send as send_email
from chalicelib.email.sender import message_domain
from chalicelib.errors import ApiError, InvalidRequest, NotFound
from chalicelib.i18n import N_
from chalicelib.lifecycle.audience import stage_members
from chalicelib.lifecycle.stages import check_stage
from chalicelib.logs import logger
from chalicelib.members.tags import check_tag
from chalicelib.models.consents import MarketingSendModel
from chalicelib.models.customers import TAG_SEPARATOR, MemberTagModel
from chalicelib.models.members import MemberModel
from chalicelib.models.stores import StoreModel
from chalicelib.senders import Sender, sender_of
from chalicelib.sms.sender import RateLimited, SmsFailed, sns_client
from chalicelib.sms.sender import send as send_sms
from chalicelib.stores import get_store

PAGE_SIZE = 100  # BatchGetItem's limit
BUDGET_SECONDS = 600.0  # an invocation hands on after 10 minutes (Lambda's limit is 15)
MAX_MEMBER_IDS = 10_000
EMAIL_KINDS = ("broadcast", "coupon", "store_credit", "abandoned_cart")
SEND_FUNCTION_ENV = "MARKETING_SEND_FUNCTION"  # set by the template to the worker function's name
PURPOSE = {"email": "email_marketing", "sms": "sms_marketing"}


class PostalAddressNotSet(ApiError):
    """Marketing e-mail must carry the store's postal address (CAN-SPAM); 422 in api/http.py's STATUS."""

    code = "postal_address_not_set"


class ShopEmailNotSet(ApiError):
    """Marketing e-mail is sent from the store's ``shop_email``; 422 in api/http.py's STATUS."""

    code = "shop_email_not_set"


# ---------------------------------------------------------------- the request


def check_audience(value: dict[str, Any]) -> dict[str, Any]:
    """Exactly one of ``member_ids``, ``tag``, ``stage``; 400 naming ``audience.<key>``."""
    keys = [key for key in ("member_ids", "tag", "stage") if key in value]
    if len(keys) != 1 or len(value) != 1:
        raise InvalidRequest("'audience' takes exactly one of member_ids, tag or stage", field="audience")
    key = keys[0]
    if key == "member_ids":
        ids = value["member_ids"]
        if not isinstance(ids, list) or not ids or len(ids) > MAX_MEMBER_IDS or \
                not all(isinstance(i, str) and 0 < len(i) <= 64 for i in ids):
            raise InvalidRequest(f"'audience.member_ids' must be a list of 1 to {MAX_MEMBER_IDS:,} member ids",
                                 field="audience.member_ids")
        return {"member_ids": list(dict.fromkeys(ids))}
    if key == "tag":

        return {"tag": check_tag(value["tag"], "audience.tag")}

    if not isinstance(value["stage"], str):
        raise InvalidRequest("'audience.stage' must be a lifecycle stage", field="audience.stage")
    try:
        return {"stage": check_stage(value["stage"])}
    except InvalidRequest as exc:
        raise InvalidRequest(exc.message, field="audience.stage") from None


def _store_ready(store: StoreModel, channel: str) -> None:
    if channel == "email":
        if not store.postal_address:
            raise PostalAddressNotSet("marketing e-mail must carry the store's postal address: set 'postal_address' "
                                      "with PUT /admin/settings")
        if not store.shop_email:
            raise ShopEmailNotSet("marketing e-mail is sent from the store's shop_email: set it with "
                                  "PUT /admin/settings")


def start_send(store_id: str, channel: str, kind: str, subject: str | None, text: str, audience: dict[str, Any],
               base_url: str | None, now: datetime) -> MarketingSendModel:
    """Store a queued send and hand it to the worker; 422 when the store is not ready to send marketing."""

    _store_ready(get_store(store_id), channel)
    send = MarketingSendModel(store_id, tokens.new_id("ms"), channel=channel, kind=kind, subject=subject, text=text,
                              audience=json.dumps(audience), base_url=base_url, state="queued", created_at=now)
    send.save(condition=MarketingSendModel.send_id.does_not_exist())
    hand_off({"store_id": store_id, "send_id": send.send_id, "cursor": None})
    return send


def get_send(store_id: str, send_id: str, channel: str) -> MarketingSendModel:

    try:
        send = MarketingSendModel.get(store_id, send_id)
    except DoesNotExist:
        raise NotFound(f"send {send_id} not found") from None
    if send.channel != channel:
        raise NotFound(f"send {send_id} not found")
    return send


# ---------------------------------------------------------------- the worker


def hand_off(event: dict[str, Any]) -> None:
    """The rest of a send to a fresh invocation of the worker (chalicelib/handoff.py)."""
    handoff.hand_off(SEND_FUNCTION_ENV, event)


def audience_page(store_id: str, audience: dict[str, Any], cursor: str | None,
                  page_size: int = PAGE_SIZE) -> tuple[list[MemberModel], str | None]:
    """One page of the audience's members, read now (this read is the send-time consent read)."""
    if "member_ids" in audience:
        offset = int(cursor or 0)
        ids = audience["member_ids"][offset:offset + page_size]
        end = offset + len(ids)
        found = {m.member_id: m for m in MemberModel.batch_get([(store_id, i) for i in ids])} if ids else {}
        return [found[i] for i in ids if i in found], (str(end) if end < len(audience["member_ids"]) else None)
    if "tag" in audience:

        results = MemberTagModel.query(store_id, MemberTagModel.tag_member.startswith(f"{audience['tag']}"
                                                                                      f"{TAG_SEPARATOR}"),
                                       limit=page_size, last_evaluated_key=pagination.decode_cursor(cursor, store_id))
        ids = [item.member_id for item in results]
        found = {m.member_id: m for m in MemberModel.batch_get([(store_id, i) for i in ids])} if ids else {}
        return [found[i] for i in ids if i in found], pagination.encode_cursor(results.last_evaluated_key)

    page = stage_members(store_id, audience["stage"], limit=page_size, cursor=cursor)
    return page.members, page.next_cursor


@dataclass
class PageCounts:
    recipients: int = 0  # every member of the audience met; sent + failed + the four exclusions
    sent: int = 0
    failed: int = 0
    no_address: int = 0
    not_subscribed: int = 0
    suppressed: int = 0
    blacklisted: int = 0


def classify(member: MemberModel, channel: str) -> str:
    """``send``, or why not: the one place a marketing send asks consent."""
    purpose = PURPOSE[channel]
    if member.blacklisted_at is not None:
        return "blacklisted"  # the merchant's blacklist (members/blacklist.py) outranks any consent
    if not (member.email if channel == "email" else member.phone):
        return "no_address"
    if state.suppressed_of(member, purpose) is not None:
        return "suppressed"
    if not state.may_receive(member, purpose):
        return "not_subscribed"
    return "send"


PREVIEW_LIMIT = 5_000  # members a preview reads before it answers "at least"


def preview(store_id: str, channel: str, audience: dict[str, Any], limit: int = PREVIEW_LIMIT) -> dict[str, Any]:
    """What a send to ``audience`` would do now: who would receive it and why the others would not.

    The same pages and the same :func:`classify` as the worker, without sending; it stops after ``limit``
    members (``complete`` false), so a preview never reads a whole large store.
    """
    counts: dict[str, int] = {"send": 0, "no_address": 0, "not_subscribed": 0, "suppressed": 0, "blacklisted": 0}
    cursor: str | None = None
    members_seen = 0
    while True:
        members, cursor = audience_page(store_id, audience, cursor)
        for member in members:
            counts[classify(member, channel)] += 1
        members_seen += len(members)
        if cursor is None or members_seen >= limit:
            break
    no_address = "no_email" if channel == "email" else "no_phone"
    return {"channel": channel, "members": members_seen, "will_receive": counts["send"], "complete": cursor is None,
            "excluded": {no_address: counts["no_address"], "not_subscribed": counts["not_subscribed"],
                         "suppressed": counts["suppressed"], "blacklisted": counts["blacklisted"]}}


Deliver = Callable[[StoreModel, MarketingSendModel, MemberModel], str]  # sent | failed | suppressed


def run(event: dict[str, Any], now: datetime, budget_seconds: float = BUDGET_SECONDS) -> None:
    """The worker: pages of the audience until done or out of budget, then hands the rest on."""

    started = time.monotonic()
    store_id, send_id, cursor = str(event["store_id"]), str(event["send_id"]), event.get("cursor")
    send = MarketingSendModel.get(store_id, send_id)
    if send.state == "done":
        return
    store = get_store(store_id)
    audience = json.loads(send.audience)
    # The From is decided once per run (one Query): the shop's address only when it is a verified identity of it.
    deliver = _email_deliverer(sender_of(store.store_id, str(store.name), store.shop_email)) \
        if send.channel == "email" else _deliver_sms
    if send.state == "queued":
        send.update(actions=[MarketingSendModel.state.set("sending")])
    while True:
        members, next_cursor = audience_page(store_id, audience, cursor)
        counts = PageCounts()
        for member in members:
            counts.recipients += 1
            verdict = classify(member, send.channel)
            if verdict == "send":
                verdict = deliver(store, send, member)
            setattr(counts, verdict, getattr(counts, verdict) + 1)
        actions: list[Action] = [
            MarketingSendModel.recipients.add(counts.recipients), MarketingSendModel.sent.add(counts.sent),
            MarketingSendModel.failed.add(counts.failed),
            MarketingSendModel.excluded_no_address.add(counts.no_address),
            MarketingSendModel.excluded_not_subscribed.add(counts.not_subscribed),
            MarketingSendModel.excluded_suppressed.add(counts.suppressed),
            MarketingSendModel.excluded_blacklisted.add(counts.blacklisted)]
        if next_cursor is None:
            actions += [MarketingSendModel.state.set("done"), MarketingSendModel.finished_at.set(clock.now())]
        send.update(actions=actions)
        if next_cursor is None:
            logger.info("marketing send done", extra={"send_id": send_id, "sent": int(send.sent)})
            return
        cursor = next_cursor
        if time.monotonic() - started > budget_seconds:
            hand_off({"store_id": store_id, "send_id": send_id, "cursor": cursor})
            return


# ---------------------------------------------------------------- e-mail


# The fixed parts of a marketing e-mail, in the store's language (chalicelib/i18n).
WHY_YOU_RECEIVE = N_("You receive this because you agreed to marketing e-mails from %(store_name)s.")
UNSUBSCRIBE = N_("Unsubscribe")
UNSUBSCRIBE_LINE = N_("Unsubscribe: %(url)s")


def unsubscribe_url(send: MarketingSendModel, member: MemberModel, purpose: str) -> str:
    return f"{(send.base_url or '').rstrip('/')}/u/{token_for(member.store_id, member.member_id, purpose)}"


def marketing_email(store: StoreModel, send: MarketingSendModel, member: MemberModel, sender: Sender) -> Any:
    """The e-mail: RFC 8058 headers, List-Id, and in the body a visible unsubscribe link and the postal address."""

    token = token_for(member.store_id, member.member_id, "email_marketing")
    url = unsubscribe_url(send, member, "email_marketing")
    name = " ".join(str(store.name).replace('"', "").split())
    headers = {
        "List-Unsubscribe": f"<{url}>, <mailto:{mailto_address(token)}?subject=unsubscribe>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f'"{name}" <{store.store_id.replace("_", "-")}.marketing.{message_domain()}>',
        # SES: the configuration set publishes bounces and complaints; the tag says which store they belong to.
        "X-SES-MESSAGE-TAGS": f"store_id={store.store_id}, send_id={send.send_id}",
    }
    configuration_set = os.environ.get("SES_CONFIGURATION_SET")
    if configuration_set:
        headers["X-SES-CONFIGURATION-SET"] = configuration_set
    postal = str(store.postal_address or "")
    language = i18n.store_language(store)
    why = i18n.translate(language, WHY_YOU_RECEIVE, store_name=store.name)
    unsubscribe_word = i18n.translate(language, UNSUBSCRIBE)
    unsubscribe_line = i18n.translate(language, UNSUBSCRIBE_LINE, url=url)
    text = f"{send.text}\n\n--\n{store.name}\n{postal}\n\n{why}\n{unsubscribe_line}\n"
    body = html.escape(send.text).replace("\n", "<br>\n")
    page = (f"<!doctype html><html lang=\"{language}\"><body><div>{body}</div><hr>"
            f"<p style=\"color:#555;font-size:12px\">{html.escape(str(store.name))}<br>"
            f"{html.escape(postal).replace(chr(10), '<br>')}</p>"
            f"<p style=\"color:#555;font-size:12px\">{html.escape(why)} "
            f"<a href=\"{html.escape(url)}\">{html.escape(unsubscribe_word)}</a></p></body></html>")
    # Answers go to the shop's own address whichever address the mail is From (the platform's when unverified).
    return OutboundEmail(to=str(member.email), sender=sender.address, sender_name=sender.name,
                         reply_to=store.shop_email, subject=str(send.subject or ""), text=text, html=page,
                         headers=headers)


def _email_deliverer(sender: Sender) -> Deliver:
    def deliver(store: StoreModel, send: MarketingSendModel, member: MemberModel) -> str:
        try:
            send_email(marketing_email(store, send, member, sender))
        except (EmailNotSent, ValueError):
            return "failed"
        return "sent"

    return deliver


# ---------------------------------------------------------------- SMS

SMS_FOOTER_RESERVE = 120  # "<store>: stop? <url>" appended to every marketing SMS
SMS_STOP = N_("%(store_name)s: stop?")


def marketing_sms_text(store: StoreModel, send: MarketingSendModel, member: MemberModel) -> str:
    """The text and an opt-out link (carriers and CTIA ask every marketing SMS to say how to stop)."""
    stop = i18n.translate(i18n.store_language(store), SMS_STOP, store_name=store.name)
    return f"{send.text}\n{stop} {unsubscribe_url(send, member, 'sms_marketing')}"


def _opted_out(phone: str) -> bool:
    """SNS's own opt-out list (a recipient who replied STOP): SNS would refuse the publish anyway."""


    try:
        answer = sns_client().check_if_phone_number_is_opted_out(phoneNumber=phone)
    except (ClientError, BotoCoreError):
        return False  # the publish below will fail and count as failed
    return bool(answer.get("isOptedOut"))


def _deliver_sms(store: StoreModel, send: MarketingSendModel, member: MemberModel) -> str:

    phone = str(member.phone)
    if _opted_out(phone):
        origin = state.Origin(source="sns_opt_out", actor="sns", at=clock.now())
        state.change_consents(member.store_id, member.member_id,
                              [state.Change("sms_marketing", "suppress", "sms_opt_out")], origin)
        return "suppressed"
    try:
        send_sms(store, phone, marketing_sms_text(store, send, member), "marketing", None)
    except (RateLimited, SmsFailed, ApiError, ValueError):
        return "failed"
    return "sent"
