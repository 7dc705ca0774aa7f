"""Notes on members: append-only, each with its author (a signed-in person, or the key) and time. No edit, no delete."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib import tokens
from chalicelib.access import Principal
from chalicelib.members.core import get_member
from chalicelib.models.access import ApiKeyModel
from chalicelib.models.customers import MemberNoteModel

MAX_NOTE_LENGTH = 2000
PROFILE_NOTES = 50  # the newest notes shown on a profile


def _key_label(store_id: str, key_id: str) -> str | None:
    for item in ApiKeyModel.query(store_id, ApiKeyModel.key_hash.startswith(key_id), limit=1,
                                  attributes_to_get=["label"]):
        return item.label
    return None


def add_note(store_id: str, member_id: str, text: str, author: Principal, now: datetime) -> MemberNoteModel:
    """Append a note to the member's notes (404 for an unknown member)."""
    get_member(store_id, member_id)
    note_id = tokens.new_id("nt")
    moment = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # A person is named by their user id and name; a key by its id and label.
    label = author.user_name if author.user_id else _key_label(store_id, author.key_id)
    note = MemberNoteModel(store_id, f"{member_id}#{moment}#{note_id}", note_id=note_id, member_id=member_id,
                           text=text, author_key_id=author.user_id or author.key_id, author_label=label,
                           created_at=now)
    note.save(condition=MemberNoteModel.note_key.does_not_exist())
    return note


def member_notes(store_id: str, member_id: str, limit: int = PROFILE_NOTES) -> list[MemberNoteModel]:
    """The member's newest ``limit`` notes, newest first (one Query)."""
    results = MemberNoteModel.query(store_id, MemberNoteModel.note_key.startswith(f"{member_id}#"),
                                    scan_index_forward=False, limit=limit)
    return list(results)
