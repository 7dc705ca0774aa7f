"""Pure pieces of the staff app: link expiry, index keys, which filter a search takes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.errors import InvalidRequest
from chalicelib.members.search import search_members
from chalicelib.referrals.invitations import INVITATION_TTL, added_from_key, bound_at_key
from chalicelib.single_use import expiry as link_expiry

NOW = datetime(2024, 3, 1, 15, 59, 59, 750_000, tzinfo=UTC)


def test_a_registration_link_lasts_two_hours_in_whole_seconds():
    # GIVEN the registration link's lifetime; THEN it is two hours
    assert timedelta(hours=2) == INVITATION_TTL
    # WHEN a link is made at NOW (with microseconds); THEN it expires two hours later, in whole seconds
    assert link_expiry(NOW, INVITATION_TTL) == datetime(2024, 3, 1, 17, 59, 59, tzinfo=UTC)


def test_index_keys_sort_as_time_whatever_the_offset_given():
    taipei = NOW.astimezone(datetime.fromisoformat("2024-01-01T00:00:00+08:00").tzinfo)
    assert bound_at_key(taipei) == "2024-03-01T15:59:59.750000+00:00"
    assert bound_at_key(NOW) < bound_at_key(NOW + timedelta(microseconds=1))
    assert added_from_key("br_1", NOW) == "br_1#2024-03-01T15:59:59.750000+00:00"


@pytest.mark.parametrize(("by", "value", "field"), [("name", "  ", "name"), ("nickname", "a", "nickname"),
                                                     ("email", "x" * 255, "email")])
def test_unreadable_searches_are_refused_before_any_read(by, value, field):
    with pytest.raises(InvalidRequest) as refused:
        search_members("st_1", by, value)
    assert refused.value.extra["field"] == field
