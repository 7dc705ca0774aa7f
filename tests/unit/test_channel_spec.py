"""Per-channel facts live in one ChannelSpec; every rule that differs by channel reads it."""

from __future__ import annotations

import pytest

from chalicelib.binding import templates
from chalicelib.channels.registry import CHANNELS, spec_for
from chalicelib.errors import InvalidRequest, NotFound
from chalicelib.inbox import autoreply


def test_auto_reply_rules_exist_for_the_channels_with_comments():
    # GIVEN the channels whose comments can be answered; THEN rules are offered for exactly those
    assert set(autoreply.RULE_CHANNELS) == {name for name, spec in CHANNELS.items() if spec.comment_reply_limit}


def test_binding_templates_take_each_channels_text_limit():
    assert {name: spec.text_limit for name, spec in CHANNELS.items()} == templates.TEXT_LIMITS


@pytest.mark.parametrize("channel", [name for name, spec in CHANNELS.items() if not spec.link_buttons])
def test_a_channel_without_link_buttons__refuses_a_button_text(channel: str):
    # GIVEN a channel that shows no link button; WHEN a template sets a button text; THEN 400 naming it
    with pytest.raises(InvalidRequest) as refused:
        templates.check_template(channel, {"text": "Join us", "button_text": "Join"})
    assert refused.value.extra == {"field": "button_text"}
    assert templates.default_template(channel, "en").button_text is None


def test_an_unknown_channel_is_404_naming_the_channels():
    with pytest.raises(NotFound) as refused:
        spec_for("myspace")
    assert refused.value.message == "unknown channel 'myspace'; channels are facebook, instagram, whatsapp, line"
