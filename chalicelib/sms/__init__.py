"""Everything SMS: phone numbers (E.164), segment counting, limits, templates, and sending through SNS.

The entry point for any feature that texts a customer is :func:`send`::

    from chalicelib import sms

    settings = sms.sms_store(store_id)              # the store + its templates (cached briefly)
    phone = sms.parse_phone(body["phone"], settings.store.country)
    text = settings.text("registration_invitation", link=url)
    result = sms.send(settings.store, phone, text, "member_notification", client_ip, now)

``send`` applies the per-number limits (30 s apart, 3 per rolling hour), the per-client-IP hourly
limit and the store's daily cap (429 :class:`RateLimited`), writes the SMS log item queued -> sent |
failed, and raises 502 :class:`SmsFailed` when SNS refuses (without counting the send).
"""

from __future__ import annotations

from chalicelib.sms import limits
from chalicelib.sms.phones import Phone, from_e164, parse_phone
from chalicelib.sms.segments import count_segments
from chalicelib.sms.sender import AGENT, MESSAGE_TYPES, RateLimited, SmsFailed, SmsResult, count_send, send
from chalicelib.sms.templates import MAX_MESSAGE_BYTES, SmsStore, forget, sms_store

__all__ = [
           "AGENT",
           "MAX_MESSAGE_BYTES",
           "MESSAGE_TYPES",
           "Phone",
           "RateLimited",
           "SmsFailed",
           "SmsResult",
           "SmsStore",
           "count_segments", "count_send",
           "forget",
           "from_e164",
           "limits",
           "parse_phone",
           "send",
           "sms_store",
]
