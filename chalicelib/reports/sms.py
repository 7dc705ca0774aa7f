"""The SMS report: one row per SMS log item of the store's local day(s), in send order.

``Sent Mobile Number`` is the national number (``912345678``) next to the ``International Calling
Code`` column (``886``): the pair is what an SMS bill lists, neither cell starts with ``+`` (so
neither needs formula escaping), and the E.164 number is their concatenation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.models import SmsLogModel

HEADER = ("International Calling Code", "Sent Mobile Number", "Sent Time", "SMS Agent", "Message Type",
          "Sent Messages Count", "Domestic/International", "Status")

MESSAGE_TYPES = {"verification": "Verification", "password_reset": "Password Reset",
                 "member_notification": "Member Notification", "marketing": "Marketing"}
SCOPES = {"domestic": "Domestic", "international": "International"}
STATUSES = {"queued": "Queued", "sent": "Sent", "failed": "Failed"}


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    """``2024-05-01T09:15:02+08:00``: the store's wall clock, with its offset so it is unambiguous."""
    return moment.astimezone(zone).isoformat(timespec="seconds")


def row(item: SmsLogModel, zone: ZoneInfo) -> list[str]:
    return [item.calling_code, item.national_number, local_time(item.sent_at, zone), item.agent,
            MESSAGE_TYPES.get(item.message_type, item.message_type), str(int(item.segments)),
            SCOPES.get(item.scope, item.scope), STATUSES.get(item.status, item.status)]


# Only what a row shows: less to read off the wire (the key, phone and ids stay behind).
ATTRIBUTES = ["calling_code", "national_number", "sent_at", "agent", "message_type", "segments", "scope", "status"]


def rows(store_id: str, days: Iterable[str], timezone: str) -> Iterator[list[str]]:
    """Rows of each day in turn; one Query per day, read page by page (the range key is time-ordered)."""
    zone = ZoneInfo(timezone)
    for day in days:
        for item in SmsLogModel.query(f"{store_id}#{day}", attributes_to_get=ATTRIBUTES):
            yield row(item, zone)
