"""Two small rules the live sale leans on: each platform is called no faster than its documented limit
(per instance's share), and a request DynamoDB refused for contention only is the one to send again."""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.exceptions import CancellationReason, VerboseClientError

from chalicelib.channels.pacing import Pacer, limit_for
from chalicelib.models import transactions


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_send_api_calls_go_out_at_once_up_to_a_seconds_share_then_wait_their_turn():
    # GIVEN one of 2 instances: 300 calls/s per Page is 150/s here
    clock = Clock()
    pacer = Pacer(clock, concurrency=2)
    waits = [pacer.reserve("facebook", "page-1", "message", max_wait=5.0) for _ in range(160)]
    # THEN a second's share goes at once, the rest 1/150 s apart
    assert waits[:150] == pytest.approx([0.0] * 150, abs=1e-9)
    assert waits[150] == pytest.approx(1 / 150)
    assert waits[159] == pytest.approx(10 / 150)
    # AND another page has its own pace
    assert pacer.reserve("facebook", "page-2", "message", max_wait=5.0) == 0.0


def test_private_replies_at_750_an_hour_defer_what_cannot_go_soon():
    clock = Clock()
    pacer = Pacer(clock, concurrency=2)
    assert pacer.reserve("instagram", "ig-1", "private_reply", max_wait=2.0) == 0.0
    wait = pacer.reserve("instagram", "ig-1", "private_reply", max_wait=2.0)
    assert wait == pytest.approx(-3600 / 375)  # negative: not reserved, come back in 9.6 s
    clock.now += 3600 / 375
    assert pacer.reserve("instagram", "ig-1", "private_reply", max_wait=2.0) == 0.0
    assert limit_for("line", "message").per_second == 2000


def test_every_kind_of_queued_call_has_its_adapters_limit():
    # GIVEN the calls the channel-work consumer paces: replies of each kind on the comment channels, messages
    # and profiles on every channel that looks profiles up
    from chalicelib.channels.registry import ADAPTERS, COMMENT_CHANNELS

    wanted = [(name, kind) for name in COMMENT_CHANNELS for kind in ("private_reply", "comment_reply")]
    wanted += [(name, "message") for name in ADAPTERS]
    wanted += [(name, "profile") for name, adapter in ADAPTERS.items() if adapter.looks_up_profiles]
    # THEN each has a positive limit naming its source (a missing one would be a KeyError in the consumer)
    assert all(limit_for(name, kind).per_second > 0 and limit_for(name, kind).source for name, kind in wanted)


def _error(code: str, reasons: list[str | None] | None = None) -> VerboseClientError:
    return VerboseClientError({"Error": {"Code": code, "Message": code}}, "TransactWriteItems",
                              cancellation_reasons=[CancellationReason(code=r) if r else None for r in reasons or []])


@pytest.mark.parametrize(("error", "retried"), [
    (_error("TransactionCanceledException", [None, "TransactionConflict"]), True),
    (_error("TransactionCanceledException", ["ThrottlingError", None]), True),
    (_error("TransactionConflictException"), True),
    (_error("ProvisionedThroughputExceededException"), True),
    (_error("TransactionCanceledException", ["ConditionalCheckFailed", "TransactionConflict"]), False),
    (_error("TransactionCanceledException", ["ConditionalCheckFailed", None]), False),
    (_error("ConditionalCheckFailedException"), False),
    (_error("ValidationException"), False),
])
def test_only_contention_is_sent_again(error: VerboseClientError, retried: bool):
    assert transactions.contention(error) is retried


def test_the_backoff_grows_is_never_near_zero_and_stays_under_a_second():
    for attempt in range(12):
        ceiling = min(1.0, 0.010 * 2 ** attempt)
        for _ in range(20):
            assert ceiling / 2 <= transactions.backoff_seconds(attempt) <= ceiling


def test_a_conflicted_request_is_sent_again_with_a_new_token_until_it_passes(monkeypatch: pytest.MonkeyPatch):
    sent: list[str] = []
    answers: list[Any] = [_error("TransactionCanceledException", ["TransactionConflict"]),
                          _error("TransactionConflictException"), {"ok": True}]

    def dispatch(self: Any, name: str, kwargs: dict[str, Any]) -> Any:
        sent.append(kwargs["ClientRequestToken"])
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    waits: list[float] = []
    monkeypatch.setattr(transactions.Connection, "_make_api_call", dispatch)
    monkeypatch.setattr(transactions, "_sleep", waits.append)
    result = transactions.RetryingConnection()._make_api_call("TransactWriteItems", {"ClientRequestToken": "t0"})
    assert result == {"ok": True}
    assert len(sent) == 3 and len(set(sent)) == 3 and sent[0] == "t0"
    assert len(waits) == 2


def test_contention_that_never_ends_is_raised_after_the_last_attempt(monkeypatch: pytest.MonkeyPatch):
    calls = []

    def dispatch(self: Any, name: str, kwargs: dict[str, Any]) -> Any:
        calls.append(name)
        raise _error("TransactionConflictException")

    monkeypatch.setattr(transactions.Connection, "_make_api_call", dispatch)
    monkeypatch.setattr(transactions, "_sleep", lambda seconds: None)
    with pytest.raises(VerboseClientError):
        transactions.RetryingConnection()._make_api_call("UpdateItem", {})
    assert len(calls) == transactions.CONTENTION_ATTEMPTS
