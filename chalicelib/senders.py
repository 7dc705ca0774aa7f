"""Sender identities: which address a store's mail may go ``From``, proven through SES, held by one store.

Every store sends through the operator's one SES account, where a verified identity lets *anyone holding
the account's credentials* send as it. So the account's verification is not enough: an address becomes a
store's ``From`` only when this registry says the store registered it and SES verified it for that store.

- ``register``: the identity is claimed for the store (one conditional transaction: 409 ``identity_taken``
  when another store holds it, an address inside a domain it holds, a domain holding its addresses, or the
  platform's own domains), then SES ``CreateEmailIdentity`` starts SES's own proof: a verification mail to
  an address, Easy DKIM tokens for a domain (three CNAME records). An identity SES already knows outside
  this registry (the operator verified it by hand) is taken too: nothing proves this store owns it. A claim
  never verified within :data:`ABANDONED_AFTER` is released to the next store that asks (no squatting).
- ``refresh``: outside the local stage, ``GetEmailIdentity`` says when SES verified (or gave up on) it.
- ``sender_of``: the ``From`` for a store's mail: its ``shop_email`` when that address, or its domain, is a
  verified identity of this store; else the platform's address with the store's name ("... via memberlink").

The local stage's SES (moto) verifies at once and sends no verification mail, so here the sandbox mailbox
gets one from us, with a link to ``/_local/ses/identities/{identity}/verify`` which verifies as SES would.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import TransactWriteError

from chalicelib import aws
from chalicelib.config import settings
from chalicelib.email import addresses
from chalicelib.email.sender import mailbox, message_domain
from chalicelib.errors import ApiError, Conflict, InvalidRequest, NotFound
from chalicelib.logs import logger
from chalicelib.members.core import check_email
from chalicelib.models.senders import FAILED, PENDING, VERIFIED, IdentityClaimModel, SenderIdentityModel
from chalicelib.models.transactions import NamedTransaction

EMAIL, DOMAIN = "email", "domain"
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
PLATFORM_SUFFIX = "via memberlink"
# A claim never verified within this long is abandoned: another store may take it (SES's verification link
# lasts 24 hours and Easy DKIM detection up to 72 hours; a week leaves room for a slow DNS change).
ABANDONED_AFTER = timedelta(days=7)


class SesUnavailable(ApiError):
    """SES refused or could not be reached while starting a verification (502 in api/http.py's STATUS)."""

    code = "ses_unavailable"


def identity_taken() -> Conflict:
    return Conflict("this sender identity is registered by another store (or overlaps one that is)",
                    code="identity_taken")


# --- names ---------------------------------------------------------------------------------------------

def normalise_domain(value: str, field: str = "domain") -> str:
    """Lower case, no trailing dot, LDH labels (an IDN in its xn-- form), at least two labels."""
    domain = value.strip().lower().removesuffix(".")
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise InvalidRequest(f"'{field}' must be a domain name such as shop.example", field=field)
    return domain


def normalise_email(value: str, field: str = "email") -> str:
    """One bare address, lower case (a claim holds whatever the case), its domain without a trailing dot."""
    address = check_email(value, field)
    if any(ch in address for ch in '<>",;\r\n '):
        raise InvalidRequest(f"'{field}' must be one bare address such as hello@shop.example", field=field)
    local, _, domain = address.rpartition("@")
    return f"{local.lower()}@{normalise_domain(domain, field)}"


def normalise(identity: str) -> tuple[str, str]:
    """(normalised identity, kind) of a path's ``{identity}``: an address when it has an ``@``."""
    try:
        return (normalise_email(identity, "identity"), EMAIL) if "@" in identity else \
            (normalise_domain(identity, "identity"), DOMAIN)
    except InvalidRequest:
        raise NotFound("no such sender identity in this store") from None


def domain_of(identity: str) -> str:
    return identity.rpartition("@")[2]


def enclosing_domains(domain: str) -> list[str]:
    """``a.shop.example`` -> ``[a.shop.example, shop.example]`` (never a bare top-level label)."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def _overlap(one: str, other: str) -> bool:
    """The same domain, or one inside the other."""
    return one == other or one.endswith("." + other) or other.endswith("." + one)


def platform_address() -> str:
    return addresses.platform_address().lower()


def _platform_domains() -> set[str]:
    return {domain_of(platform_address()), addresses.inbound_domain().lower(), message_domain().lower()}


# --- the registry ----------------------------------------------------------------------------------------

def _holder(identity: str) -> str | None:
    try:
        return str(IdentityClaimModel.get(identity).store_id)
    except IdentityClaimModel.DoesNotExist:
        return None


def _claim(identity: str) -> IdentityClaimModel | None:
    try:
        return IdentityClaimModel.get(identity)
    except IdentityClaimModel.DoesNotExist:
        return None


def _check_free(store_id: str, identity: str, kind: str, now: datetime) -> None:
    """409 when the identity overlaps the platform's domains or one another store holds."""
    domain = domain_of(identity)
    if any(_overlap(domain, platform) for platform in _platform_domains()):
        raise identity_taken()  # the platform's own sender and reply domains belong to no store
    # the identity itself, or a domain enclosing it (SES lets a domain send for its subdomains too)
    found = [_claim(name) for name in dict.fromkeys([identity, *enclosing_domains(domain)])]
    if kind == DOMAIN:  # a domain whose addresses another store holds
        found += list(IdentityClaimModel.by_domain.query(identity))
    if any(claim is not None and _in_the_way(claim, store_id, now) for claim in found):
        raise identity_taken()


def _in_the_way(claim: IdentityClaimModel, store_id: str, now: datetime) -> bool:
    """Another store's claim blocks, unless it was abandoned: never verified within ABANDONED_AFTER. Without
    this, a store could squat on another's address or domain for ever by registering it and never proving it."""
    if claim.store_id == store_id:
        return False
    if now - claim.created_at < ABANDONED_AFTER:
        return True
    try:
        held = refresh([SenderIdentityModel.get(claim.store_id, claim.identity)], now)[0]
    except SenderIdentityModel.DoesNotExist:
        held = None
    if held is not None and held.status == VERIFIED:
        return True
    _release(str(claim.store_id), str(claim.identity))
    logger.info("abandoned sender identity released", extra={"kind": claim.kind})
    return False


@dataclass(frozen=True)
class Registered:
    item: SenderIdentityModel
    created: bool  # False: this store had already registered it (the answer is its current state)


def register(store_id: str, identity: str, kind: str, now: datetime, verify_base_url: str) -> Registered:
    """Claim ``identity`` for the store and ask SES to verify it; 409 ``identity_taken`` when it is not free."""
    _check_free(store_id, identity, kind, now)
    item = SenderIdentityModel(store_id, identity, kind=kind, status=PENDING, created_at=now, updated_at=now)
    claim = IdentityClaimModel(identity, store_id=store_id, domain=domain_of(identity), kind=kind, created_at=now)
    tx = NamedTransaction()
    try:
        with tx:
            tx.save("claim", claim, condition=IdentityClaimModel.identity.does_not_exist())
            tx.save("identity", item, condition=SenderIdentityModel.identity.does_not_exist())
    except TransactWriteError as exc:
        if not tx.failed(exc, "claim") and not tx.failed(exc, "identity"):
            raise
        if _holder(identity) != store_id:
            raise identity_taken() from None
        return Registered(SenderIdentityModel.get(store_id, identity), created=False)
    try:
        tokens = _create_in_ses(identity, kind)
    except Exception:
        _forget(store_id, identity)  # nothing half-registered: the claim goes with the failed start
        raise
    if kind == DOMAIN:
        item.update(actions=[SenderIdentityModel.dkim_tokens.set(tokens)])
    elif settings().is_local:
        _send_local_verification_mail(identity, verify_base_url)
    logger.info("sender identity registered", extra={"kind": kind})
    return Registered(item, created=True)


def _create_in_ses(identity: str, kind: str) -> list[str]:
    """SES ``CreateEmailIdentity``; a domain's Easy DKIM tokens (SES's, or the sandbox's stand-ins)."""
    try:
        answer = aws.client("sesv2").create_email_identity(EmailIdentity=identity)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "AlreadyExistsException":
            raise identity_taken() from None  # verified in the account outside this registry: not this store's
        logger.warning("sender identity not created", extra={"reason": code})
        raise SesUnavailable(f"SES refused to start the verification ({code}); try again later") from None
    except BotoCoreError as exc:
        logger.warning("sender identity not created", extra={"reason": type(exc).__name__})
        raise SesUnavailable("SES could not be reached; try again later") from None
    tokens = [str(t) for t in (answer.get("DkimAttributes") or {}).get("Tokens") or []]
    if kind == DOMAIN and not tokens and settings().is_local:
        tokens = _sandbox_tokens(identity)  # moto returns none; the sandbox shows the records SES would ask for
    return tokens


def _sandbox_tokens(domain: str) -> list[str]:
    digest = hashlib.sha256(domain.encode()).digest()
    return [base64.b32encode(digest[i * 10:(i + 1) * 10]).decode().lower() for i in range(3)]


def dns_records(item: SenderIdentityModel) -> list[dict[str, str]]:
    """The Easy DKIM CNAMEs the domain's DNS must publish: ``<token>._domainkey.<domain>``."""
    return [{"type": "CNAME", "name": f"{token}._domainkey.{item.identity}", "value": f"{token}.dkim.amazonses.com"}
            for token in (item.dkim_tokens or [])]


def _forget(store_id: str, identity: str) -> None:
    with NamedTransaction() as tx:
        tx.delete("claim", IdentityClaimModel(identity), condition=IdentityClaimModel.store_id == store_id)
        tx.delete("identity", SenderIdentityModel(store_id, identity))


def _release(store_id: str, identity: str) -> None:
    """SES's identity and our claim and item: the identity is free for any store again."""
    try:
        aws.client("sesv2").delete_email_identity(EmailIdentity=identity)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code", "") != "NotFoundException":
            logger.warning("sender identity not deleted in SES", extra={"reason": exc.response.get("Error", {})
                                                                          .get("Code", "")})
            raise SesUnavailable("SES refused to delete the identity; try again later") from None
    _forget(store_id, identity)


def get(store_id: str, identity: str) -> SenderIdentityModel:
    try:
        return SenderIdentityModel.get(store_id, identity)
    except SenderIdentityModel.DoesNotExist:
        raise NotFound("no such sender identity in this store") from None


def remove(store_id: str, identity: str) -> None:
    """The store's identity, its claim and SES's identity; 404 when the store does not hold it."""
    get(store_id, identity)
    _release(store_id, identity)


# --- status ------------------------------------------------------------------------------------------------

def status_from_ses(answer: dict[str, Any]) -> str:
    """GetEmailIdentity's answer as our status: verified once SES lets it send, failed when SES gave up."""
    if answer.get("VerifiedForSendingStatus") is True or answer.get("VerificationStatus") == "SUCCESS":
        return VERIFIED
    if answer.get("VerificationStatus") == "FAILED":
        return FAILED
    return PENDING


def refresh(items: list[SenderIdentityModel], now: datetime) -> list[SenderIdentityModel]:
    """Ask SES about every identity not yet verified (deployed stages only: the sandbox verifies by its route)."""
    if settings().is_local:
        return items
    ses = aws.client("sesv2")
    for item in items:
        if item.status == VERIFIED:
            continue
        try:
            status = status_from_ses(ses.get_email_identity(EmailIdentity=item.identity))
        except (ClientError, BotoCoreError):
            continue  # shown as stored; the next look asks again
        if status != item.status:
            item.update(actions=[SenderIdentityModel.status.set(status), SenderIdentityModel.updated_at.set(now)])
    return items


def mark_verified(identity: str, now: datetime) -> SenderIdentityModel:
    """The sandbox's stand-in for SES's verification (``/_local/ses/identities/{identity}/verify``)."""
    holder = _holder(identity)
    if holder is None:
        raise NotFound("no store registered this sender identity")
    item = get(holder, identity)
    item.update(actions=[SenderIdentityModel.status.set(VERIFIED), SenderIdentityModel.updated_at.set(now)])
    return item


def _send_local_verification_mail(identity: str, base_url: str) -> None:
    from chalicelib.email import EmailNotSent, OutboundEmail, send  # the local stage only: not at cold start

    link = f"{base_url}/_local/ses/identities/{identity}/verify"
    text = (f"Someone asked to send e-mail from {identity} through memberlink's sandbox.\n\n"
            f"To confirm this address, open:\n{link}\n\nIf you did not ask, ignore this e-mail.\n")
    try:
        send(OutboundEmail(to=identity, sender=platform_address(), sender_name="memberlink sandbox (as SES)",
                           subject=f"Verify {identity} to send from it", text=text))
    except (EmailNotSent, ValueError):
        logger.warning("sandbox verification mail not sent")


# --- the From of a store's mail -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Sender:
    address: str
    name: str
    verified: bool  # the store's own address (a verified identity of this store); else the platform's

    @property
    def header(self) -> str:
        return mailbox(self.name, self.address)


def verified_for(store_id: str, address: str) -> bool:
    """The address, or a domain enclosing it, is a verified identity of this store (one Query)."""
    address = address.lower()
    wanted = {address, *enclosing_domains(domain_of(address))}
    return any(item.identity in wanted and item.status == VERIFIED
               for item in SenderIdentityModel.query(store_id))


def sender_of(store_id: str, store_name: str, shop_email: str | None) -> Sender:
    name = " ".join(store_name.replace('"', "").split())
    if shop_email and verified_for(store_id, shop_email):
        return Sender(shop_email, name, verified=True)
    return Sender(platform_address(), f"{name} {PLATFORM_SUFFIX}", verified=False)
