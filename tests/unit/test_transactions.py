"""Named transactions: a cancellation blames the item that failed, whatever else the transaction holds.

PynamoDB sends condition checks, then deletes, puts and updates, whatever order they were added in.
Each test here runs a real transaction (moto) with two extra items of other kinds slipped in, a
condition check (sent first) and an update (sent last), so any code that found the failed item by
its position would blame the wrong one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pynamodb.exceptions import TransactWriteError

from chalicelib import conversations
from chalicelib.api import views
from chalicelib.api.http import status_of
from chalicelib.channels.events import InboundEvent
from chalicelib.errors import ApiError
from chalicelib.inbox import blacklist
from chalicelib.members import core, tags
from chalicelib.models.inbox import InboxSummaryModel
from chalicelib.models.stores import StoreModel
from chalicelib.models.transactions import NamedTransaction
from chalicelib.sms import sender
from tests.conftest import StoreKeys, slip_extra_items_into_transactions

NOW = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def extra_items(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """Every NamedTransaction also carries a passing condition check and an unconditional update."""
    yield slip_extra_items_into_transactions(monkeypatch)


def _message(user_id: str, provider_id: str) -> InboundEvent:
    return InboundEvent(channel="whatsapp", kind="message", user_id=user_id, provider_id=provider_id, at=NOW,
                        text="hello")


def test_the_extra_items_surround_every_other_item_on_the_wire(store: StoreKeys, extra_items: list[list[str]]):
    # GIVEN every transaction carries the two extra items
    # WHEN a message is stored
    conversations.record_inbound(store.store_id, _message("886900000001", "wamid.A"), None, NOW)
    # THEN the check goes out first and the update last, around the transaction's own items
    names = extra_items[-1]
    assert names[0] == "probe_check" and names[-1] == "probe_update"
    assert set(names[1:-1]) == {"delivery", "message", "conversation", "summary"}


def test_record_inbound__redelivery__is_blamed_on_the_delivery(store: StoreKeys, extra_items: list[list[str]]):
    # GIVEN a message already stored
    event = _message("886900000001", "wamid.A")
    assert conversations.record_inbound(store.store_id, event, None, NOW) is conversations.Outcome.STORED
    # WHEN the same delivery comes again
    outcome = conversations.record_inbound(store.store_id, event, None, NOW + timedelta(seconds=5))
    # THEN it is a duplicate (the delivery item refused), not a blacklisted customer
    assert outcome is conversations.Outcome.DUPLICATE


def test_record_inbound__blacklisted_customer__is_blamed_on_the_conversation(store: StoreKeys,
                                                                           extra_items: list[list[str]]):
    # GIVEN a blacklisted customer
    blacklist.add(store.store_id, "whatsapp:886900000002", NOW)
    # WHEN they write
    outcome = conversations.record_inbound(store.store_id, _message("886900000002", "wamid.B"), None, NOW)
    # THEN the conversation's condition is the one that refused
    assert outcome is conversations.Outcome.BLACKLISTED


def test_blacklist_remove__customer_not_on_the_list__changes_nothing(store: StoreKeys,
                                                                    extra_items: list[list[str]]):
    # GIVEN nobody on the list; WHEN a customer is removed; THEN it is a quiet no-op
    blacklist.remove(store.store_id, "whatsapp:886900000003")
    assert blacklist.list_entries(store.store_id, 10, None, views.blacklist_entry_view)["items"] == []


def _store(store: StoreKeys, **limits: int) -> StoreModel:
    item = StoreModel.get(store.store_id)
    for name, value in limits.items():
        setattr(item, name, value)
    item.save()
    return item


def test_sms_send__same_number_again__is_blamed_on_the_number_limit(store: StoreKeys,
                                                                    extra_items: list[list[str]]):
    # GIVEN one code sent to a number
    item = _store(store)
    sender.send(item, "+886912000001", "code 123456", "verification", "203.0.113.9", NOW)
    # WHEN another goes to the same number ten seconds later
    with pytest.raises(ApiError) as refused:
        sender.send(item, "+886912000001", "code 654321", "verification", "203.0.113.9",
                    NOW + timedelta(seconds=10))
    # THEN the number's limit refused it, and its stored send time says how long to wait
    assert status_of(refused.value) == 429
    assert refused.value.extra == {"retry_after_seconds": 20, "limit": "number"}


def test_sms_send__network_over_its_hourly_limit__is_blamed_on_the_ip_limit(store: StoreKeys,
                                                                            extra_items: list[list[str]]):
    # GIVEN a network allowed one message an hour, which it used
    item = _store(store, sms_ip_hourly_limit=1)
    sender.send(item, "+886912000001", "code 123456", "verification", "203.0.113.9", NOW)
    # WHEN it asks for a message to another number
    with pytest.raises(ApiError) as refused:
        sender.send(item, "+886912000002", "code 654321", "verification", "203.0.113.9", NOW)
    # THEN the IP limit refused it
    assert refused.value.extra["limit"] == "client_ip"


def test_sms_send__store_over_its_daily_cap__is_blamed_on_the_day_limit(store: StoreKeys,
                                                                        extra_items: list[list[str]]):
    # GIVEN a store allowed one SMS a day, which it sent
    item = _store(store, sms_daily_cap=1)
    sender.send(item, "+886912000001", "code 123456", "verification", None, NOW)
    # WHEN it sends to another number
    with pytest.raises(ApiError) as refused:
        sender.send(item, "+886912000002", "code 654321", "verification", None, NOW)
    # THEN the daily cap refused it
    assert refused.value.extra["limit"] == "daily_cap"


def test_create_member__taken_email__is_blamed_on_the_email_identity(store: StoreKeys,
                                                                     extra_items: list[list[str]]):
    # GIVEN a member with a phone and an email
    core.create_member(store.store_id, "Mei", phone="+886912000001", email="mei@example.com", now=NOW)
    # WHEN another member is created with a new phone but the same email
    with pytest.raises(ApiError) as refused:
        core.create_member(store.store_id, "Lin", phone="+886912000002", email="MEI@example.com", now=NOW)
    # THEN the email identity is blamed, not the phone
    assert (status_of(refused.value), refused.value.code) == (409, "email_taken")


def test_create_member__taken_phone__is_blamed_on_the_phone_identity(store: StoreKeys,
                                                                     extra_items: list[list[str]]):
    # GIVEN a member with a phone
    core.create_member(store.store_id, "Mei", phone="+886912000001", email="mei@example.com", now=NOW)
    # WHEN another member is created with that phone and a new email
    with pytest.raises(ApiError) as refused:
        core.create_member(store.store_id, "Lin", phone="+886912000001", email="lin@example.com", now=NOW)
    # THEN the phone identity is blamed
    assert (status_of(refused.value), refused.value.code) == (409, "phone_taken")


def test_add_tags__missing_member__is_blamed_on_the_member(store: StoreKeys, extra_items: list[list[str]]):
    # GIVEN no member mb_missing; WHEN it is tagged; THEN 404, and no tag item is left behind
    with pytest.raises(ApiError) as refused:
        tags.add_tags(store.store_id, "mb_missing", ["vip"], NOW)
    assert status_of(refused.value) == 404
    assert tags.members_tagged(store.store_id, "vip", 10, None, views.member_view)["items"] == []


def test_a_name_is_given_once_per_transaction(aws: None):
    # GIVEN a transaction with an item named "member"
    tx = NamedTransaction()
    tx.check("member", StoreModel, "st_x", None, condition=StoreModel.store_id.exists())
    # WHEN another item takes the same name; THEN it is refused before anything is sent
    with pytest.raises(ValueError):
        tx.save("member", StoreModel("st_y"))


def test_an_item_that_passed_is_not_blamed(store: StoreKeys):
    # GIVEN a transaction whose second item (a put) fails and whose first (an update) would pass
    tx = NamedTransaction()
    with pytest.raises(TransactWriteError) as cancelled, tx:
        tx.update("summary", InboxSummaryModel(store.store_id), actions=[InboxSummaryModel.total_unread.add(0)])
        tx.save("store", StoreModel.get(store.store_id), condition=StoreModel.store_id.does_not_exist())
    # THEN only the put is blamed, by name
    assert tx.refused(cancelled.value) == ["store"]
    assert not tx.failed(cancelled.value, "summary")


def test_every_model_speaks_through_the_one_connection():
    # GIVEN every table's model; THEN each is a StageModel, whose table connection is the shared one
    from chalicelib.models import ALL_MODELS
    from chalicelib.models.base import StageModel

    assert [model.__name__ for model in ALL_MODELS if not issubclass(model, StageModel)] == []


def test_only_the_shared_modules_build_aws_clients_or_read_cancellation_reasons():
    # GIVEN the deployed code
    root = Path(__file__).resolve().parents[2] / "chalicelib"
    owners = {"cancellation_reasons": "models/transactions.py", "Connection(": "models/transactions.py",
              "TransactWrite(": "models/transactions.py", "TransactGet(": "models/transactions.py",
              "boto3.client(": "aws.py", "SSMProvider(": "aws.py"}
    # WHEN each module's source is searched; THEN only the owning module uses each
    found = [(str(path.relative_to(root)), needle) for path in sorted(root.rglob("*.py"))
             for needle, owner in owners.items()
             if needle in path.read_text() and str(path.relative_to(root)) != owner]
    assert found == []
