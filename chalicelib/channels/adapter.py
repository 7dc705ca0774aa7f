"""One interface for every messaging platform, as Powertools puts each event source behind one resolver.

An adapter knows its platform's whole dialect: how a webhook delivery reads (:meth:`parse`), how it is
signed (:meth:`signature_is_valid`), how a message is sent and a profile fetched, and its limits
(:attr:`spec`), counted the way the platform counts them (:meth:`text_length`, :meth:`cut`). Code
outside ``chalicelib/channels/`` asks :func:`chalicelib.channels.registry.adapter_for` and never
compares a channel's name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import ClassVar

from chalicelib.channels.events import Delivery, InboundEvent, Parsed, PayloadError, load_json
from chalicelib.channels.outbound import ChannelError, OutboundMessage, Sent
from chalicelib.channels.spec import ChannelSpec, Limit
from chalicelib.logs import logger


class ChannelAdapter(ABC):
    """A messaging platform. Subclasses set the class attributes and implement the abstract methods."""

    name: ClassVar[str]  # the channel's name in paths, keys and stored items
    label: ClassVar[str]  # what the merchant reads in the console
    mark: ClassVar[str]  # the console's short badge for the channel
    spec: ClassVar[ChannelSpec]  # configuration and limits
    field_labels: ClassVar[dict[str, str]]  # what the console calls each configured value
    signature_header_name: ClassVar[str]  # as the platform writes it
    signature_form: ClassVar[str]  # what the header must hold, for a 401 that helps
    counted_in: ClassVar[str] = "characters"  # how text_limit is counted: characters | utf16_units
    # How fast each kind of call may go (message, private_reply, comment_reply, profile): channels/pacing.py.
    call_limits: ClassVar[dict[str, Limit]]
    looks_up_profiles: ClassVar[bool] = True  # False: deliveries name the customer, no profile call is made

    # --- reading deliveries ---------------------------------------------------------------------------

    def read_delivery(self, raw: bytes, received_at: datetime | None = None) -> Delivery:
        """The usable events of a delivery; :class:`PayloadError` only for a body outside the envelope."""
        body = load_json(raw)
        if not isinstance(body, dict):
            raise PayloadError("the body must be a JSON object")
        delivery = Delivery([])
        for item in self.parse(body, received_at or datetime.now(UTC)):
            if isinstance(item, InboundEvent):
                delivery.events.append(item)
            else:
                delivery.skipped += 1
                logger.info("webhook item skipped", extra={"channel": self.name, "reason": item.reason})
        return delivery

    @abstractmethod
    def parse(self, body: dict[str, object], now: datetime) -> Iterator[Parsed]:
        """Each item of a delivery's JSON object: an event, a skipped item, or nothing (acknowledged only)."""

    # --- signatures ----------------------------------------------------------------------------------

    def signature_header(self, headers: Mapping[str, str]) -> str | None:
        """The signature a request carries (header names as the HTTP layer lower-cases them)."""
        return headers.get(self.signature_header_name.lower())

    @abstractmethod
    def signature_is_valid(self, secrets: dict[str, str], body: bytes, given: str | None) -> bool:
        """True only when ``given`` is the signature of ``body`` under the channel's secret (constant time)."""

    @abstractmethod
    def signature_shape_problem(self, value: str) -> str | None:
        """What is wrong with a present signature by its shape alone, or None when it is well formed."""

    def signature_problem(self, given: str | None) -> str:
        """Why a delivery's signature was refused, by its shape only: never a hint at the expected value."""
        header, form = self.signature_header_name, self.signature_form
        if not given:
            return f"the {header} header is missing: {self.name} deliveries carry {form}"
        return self.signature_shape_problem(given.strip()) or (
            f"the {header} header does not match the body: it must be {form}, over the exact bytes sent "
            f"and with the secret saved for this store's {self.name} channel")

    # --- configuration -------------------------------------------------------------------------------

    def account_id_for(self, values: dict[str, str]) -> str | None:
        """The store's account id on the platform, from what the merchant saves."""
        return values[self.spec.account_field] if self.spec.account_field else None

    # --- sending -------------------------------------------------------------------------------------

    @abstractmethod
    def send(self, store_id: str, account_id: str | None, user_id: str, message: OutboundMessage) -> Sent:
        """A direct message to the customer ``user_id``."""

    def send_private_reply(self, store_id: str, account_id: str | None, comment_id: str,
                           message: OutboundMessage) -> Sent:
        """A direct message answering one comment (platforms with ``spec.private_replies`` only)."""
        raise ChannelError(f"{self.name} has no private replies to comments", channel=self.name)

    def reply_to_comment(self, store_id: str, comment_id: str, text: str) -> Sent:
        """A public reply under a comment (platforms with ``spec.comment_reply_limit`` only)."""
        raise ChannelError(f"{self.name} has no comments", channel=self.name)

    @abstractmethod
    def fetch_profile_name(self, store_id: str, user_id: str) -> str | None:
        """The customer's display name from the platform, or None when it will not say.

        Raises :class:`ChannelError` when the platform is unreachable or refuses: the channel-work consumer
        (never the webhook) makes this call, and retries or gives up by the error's ``retryable``.
        """

    # --- counting as the platform counts -------------------------------------------------------------

    def text_length(self, text: str) -> int:
        """How long the platform says ``text`` is (Meta and WhatsApp: characters)."""
        return len(text)

    def cut(self, text: str, limit: int) -> str:
        """The longest start of ``text`` the platform counts as at most ``limit``; never half a character."""
        return text[:max(limit, 0)]
