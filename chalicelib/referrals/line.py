"""LINE binding at the counter: a link shown as a QR code (or texted: "Can't scan? Text the LINE link instead").

The link is ``{storefront_url}/account/line-bind?token=<token>`` (256 random bits, SHA-256 stored,
valid :data:`LINE_BINDING_TTL`). The storefront page starts LINE Login with ``bot_prompt=aggressive``,
which asks the customer to add the store's LINE Official Account as a friend while logging in; with
the LINE userId from the login the storefront calls ``POST /storefront/line-bindings/redeem``, one
``TransactWrite``: the token used once (unused, ``expires_at > now``), the identity
``social#line:<userId>`` created (``attribute_not_exists``: one member per LINE account) and the
social account appended to the member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib import i18n, members, single_use, sms, tokens
from chalicelib.conversations import conversation_id_for, identity_actions
from chalicelib.errors import ApiError, Conflict, NotFound
from chalicelib.i18n import N_
from chalicelib.members import blacklist as member_blacklist
from chalicelib.models.inbox import ConversationModel
from chalicelib.models.members import MemberIdentityModel, MemberModel
from chalicelib.models.referrals import LineBindingInvitationModel
from chalicelib.models.stores import ChannelModel
from chalicelib.models.transactions import NamedTransaction, condition_failed, conflicted
from chalicelib.referrals.invitations import storefront_url

LINK = single_use.LINE_BINDING
LINE_BINDING_TTL = LINK.lifetime
LINE_BIND_PATH = "/account/line-bind"
VIA = ("qr", "sms")
SMS_TEXT = N_("%(store_name)s: link your LINE account to your membership: %(link)s")


@dataclass(frozen=True)
class LineInvitation:
    invitation_id: str
    url: str
    expires_at: datetime
    via: str


class LineBindingRefused(ApiError):
    """The LINE binding cannot be made (no LINE channel, the account already bound, ...): ``code`` says why."""


def _refuse(message: str, code: str) -> ApiError:
    return LineBindingRefused(message, code=code)


def create_line_binding_invitation(store_id: str, staff_id: str, branch_id: str, member_id: str, via: str,
                                   client_ip: str | None, now: datetime) -> LineInvitation:
    """A LINE binding link for ``member_id``; with ``via="sms"`` it is texted to the member's number.

    Raises 404 ``not_found`` (member), 422 ``already_bound`` (the member has a LINE account),
    ``line_not_connected`` (the store's LINE channel is not set up), ``storefront_url_missing``,
    ``member_has_no_phone`` (SMS); 429 / 502 as any SMS.
    """
    member = members.get_member(store_id, member_id)
    if any(account.key.startswith("line:") for account in member.social_accounts or []):
        raise _refuse("this member already has a LINE account bound", "already_bound")
    try:
        ChannelModel.get(store_id, "line")
    except DoesNotExist:
        raise _refuse("the store has not connected LINE (PUT /admin/channels/line)", "line_not_connected") from None
    settings = sms.sms_store(store_id)
    base = storefront_url(settings.store)
    token = tokens.new_secret()
    item = LineBindingInvitationModel(store_id, tokens.sha256_hex(token), invitation_id=tokens.new_id("lb"),
                                      member_id=member_id, staff_id=staff_id, branch_id=branch_id, via=via,
                                      created_at=now, expires_at=LINK.expiry(now))
    url = f"{base}{LINE_BIND_PATH}?token={token}"
    if via == "sms":
        if not member.phone:
            raise _refuse("this member has no phone number to text", "member_has_no_phone")
        text = i18n.translate(i18n.store_language(settings.store), SMS_TEXT, store_name=settings.store.name, link=url)
        sms.send(settings.store, member.phone, text, "member_notification", client_ip, now, also_save=[item])
    else:
        item.save(condition=LineBindingInvitationModel.token_hash.does_not_exist())
    return LineInvitation(item.invitation_id, url, item.expires_at, via)


def redeem_line_binding(store_id: str, token: str, line_user_id: str, name: str | None,
                        now: datetime) -> tuple[str, str]:
    """Bind the LINE account to the invitation's member; returns (member_id, social user key).

    Raises 404 ``invalid_token``, 410 ``token_expired``, 409 ``token_used``, 409
    ``social_account_bound_to_other_member`` (or ``already_bound`` when it is this member's already).
    """
    token_hash = tokens.sha256_hex(token)
    stored: LineBindingInvitationModel = single_use.load(LINK, LineBindingInvitationModel, store_id, token_hash, now)
    key = f"line:{line_user_id}"
    identity = members.social_identity_item(store_id, stored.member_id, key, now)
    for attempt in range(2):
        member = member_blacklist.binding_state(store_id, stored.member_id)
        C = ConversationModel
        held_back = C.member_blacklisted.set(True) if member.blacklisted else C.member_blacklisted.remove()
        tx = NamedTransaction()
        try:
            with tx:
                tx.save("identity", identity, condition=MemberIdentityModel.identity.does_not_exist())
                tx.update("token", LineBindingInvitationModel(store_id, token_hash),
                          actions=[LineBindingInvitationModel.used_at.set(now),
                                   LineBindingInvitationModel.used_by_social_key.set(key)],
                          condition=single_use.usable(LineBindingInvitationModel, now))
                tx.update("member", MemberModel(store_id, stored.member_id),
                          actions=members.add_social_account(key, name, now),
                          condition=member_blacklist.binding_condition(member))
                # The account may not have written yet: its conversation is created bare (as the blacklist
                # does) so that a blacklisted member's LINE deliveries are dropped from the first one.
                tx.update("conversation", C(store_id, conversation_id_for(key)),
                          actions=[*identity_actions(store_id, "line", key, now), C.member_id.set(stored.member_id),
                                   held_back])
        except TransactWriteError as exc:
            if tx.failed(exc, "member") and member.exists and attempt == 0:
                continue  # blacklisted or lifted meanwhile: read the member again
            raise _refusal(exc, store_id, token_hash, stored.member_id, key, now) from None
        return stored.member_id, key
    raise AssertionError("unreachable")


def _refusal(exc: TransactWriteError, store_id: str, token_hash: str, member_id: str, key: str,
             now: datetime) -> Exception:
    if not (condition_failed(exc) or conflicted(exc)):
        return exc
    stored = LineBindingInvitationModel.get(store_id, token_hash, consistent_read=True)
    refusal = single_use.refusal(LINK, stored, now)
    if refusal is not None:
        return refusal
    holder = members.find_identity(store_id, members.social_identity(key))
    if holder is not None:
        if holder.member_id == member_id:
            return _refuse("this LINE account is already bound to this member", "already_bound")
        return Conflict("this LINE account is bound to another member", code="social_account_bound_to_other_member")
    return NotFound(f"member {member_id} not found")
