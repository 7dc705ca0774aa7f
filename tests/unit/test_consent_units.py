"""Consent rules without AWS: state transitions; the template's feedback topic and configuration set."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.consent import state
from chalicelib.models.members import MemberModel

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def member() -> MemberModel:
    return MemberModel("st_00112233aabbccdd", "mb_0123456789abcdef", name="Amy", name_lower="amy",
                       created_at=NOW, updated_at=NOW)


def test_transitions_and_the_send_rule() -> None:
    m = member()
    origin = state.Origin(source="signup_form", actor="member", at=NOW)
    assert state.state_of(m, "email_marketing") == "never" and not state.may_receive(m, "email_marketing")
    assert len(state.apply_to_new_member(m, [state.Change("email_marketing", "subscribe")], origin)) == 1
    assert state.may_receive(m, "email_marketing")
    # Subscribing again is no change, so no event.
    assert state.apply_to_new_member(m, [state.Change("email_marketing", "subscribe")], origin) == []
    state.apply_to_new_member(m, [state.Change("email_marketing", "suppress", "hard_bounce")], origin)
    assert state.state_of(m, "email_marketing") == "subscribed" and not state.may_receive(m, "email_marketing")
    # The member's own new consent does not lift a hard bounce (the address is dead) ...
    assert state.apply_to_new_member(m, [state.Change("email_marketing", "subscribe")], origin) == []
    # ... but does lift a complaint.
    other = member()
    state.apply_to_new_member(other, [state.Change("email_marketing", "unsubscribe", "complaint")], origin)
    assert state.suppressed_of(other, "email_marketing") == "complaint"
    state.apply_to_new_member(other, [state.Change("email_marketing", "subscribe")], origin)
    assert state.may_receive(other, "email_marketing")


def test_the_template_declares_the_feedback_path() -> None:
    from infra.template import resources

    found = resources("dev")["Resources"]
    assert found["SesFeedbackSubscription"]["Properties"]["Endpoint"] == {"Fn::GetAtt": ["SesFeedback", "Arn"]}
    destination = found["MarketingFeedbackDestination"]["Properties"]["EventDestination"]
    assert sorted(destination["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert destination["SnsDestination"]["TopicARN"] == {"Ref": "SesFeedbackTopic"}
    assert "ConsentEventsTable" in found and "SesFeedbackTable" in found
