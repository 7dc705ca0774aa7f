"""One adapter per platform: each counts text as its platform counts it, and sends what its platform documents.

LINE's request bodies are checked against LINE's own OpenAPI description of the Messaging API
(line/line-openapi ``messaging-api.yml``, read from the shared fixtures, never copied here), plus the
limits that file does not encode (LINE's reference pages: ``text`` 5000, ``altText`` 400, a buttons
template's ``text`` 160, an action ``label`` 20, a URI 1000; counted in UTF-16 units).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chalicelib.binding import templates
from chalicelib.channels import line
from chalicelib.channels.adapter import ChannelAdapter
from chalicelib.channels.outbound import LinkButton, OutboundMessage
from chalicelib.channels.registry import ADAPTERS, CHANNELS, adapter_for
from chalicelib.errors import InvalidRequest

EMOJI = "\U0001F600"  # outside the Basic Multilingual Plane: two UTF-16 units
LINE_OPENAPI = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "line-openapi" / "messaging-api.yml"
if not LINE_OPENAPI.exists():
    LINE_OPENAPI = Path.cwd().parent / "shared" / "fixtures" / "line-openapi" / "messaging-api.yml"
needs_line_openapi = pytest.mark.skipif(
    not LINE_OPENAPI.exists(), reason="LINE's OpenAPI file (../shared/fixtures/line-openapi) is not on this machine")


# --- one interface ---------------------------------------------------------------------------------

def test_every_adapter_is_a_channel_adapter_named_as_the_registry_names_it():
    # GIVEN the registry; THEN each entry is an adapter under its own name, in the console's order
    assert list(ADAPTERS) == ["facebook", "instagram", "whatsapp", "line"]
    for name, adapter in ADAPTERS.items():
        assert isinstance(adapter, ChannelAdapter) and adapter.name == name
        assert CHANNELS[name] is adapter.spec
        # AND every field the merchant configures has a label the console shows
        assert set(adapter.field_labels) == {*filter(None, [adapter.spec.account_field]), *adapter.spec.secret_fields}


# --- counting as the platform counts ---------------------------------------------------------------

def test_line__counts_utf16_units__an_emoji_is_two():
    # GIVEN a text with one emoji outside the BMP and one CJK character
    text = f"a{EMOJI}運"
    # WHEN LINE and Messenger count it; THEN LINE says 4 (1 + 2 + 1), Messenger 3 characters
    assert adapter_for("line").text_length(text) == 4
    assert adapter_for("facebook").text_length(text) == 3


@pytest.mark.parametrize("limit, expected", [(0, ""), (1, "a"), (2, "a"), (3, f"a{EMOJI}"), (4, f"a{EMOJI}b")])
def test_line__a_cut_never_splits_a_character(limit: int, expected: str):
    # GIVEN "a😀b" (1 + 2 + 1 units); WHEN cut to ``limit`` units
    cut = adapter_for("line").cut(f"a{EMOJI}b", limit)
    # THEN the longest start that fits, the emoji whole or not at all
    assert cut == expected
    cut.encode("utf-8")  # a lone surrogate would not encode


def test_line__alt_text_of_an_emoji_message_fits_400_utf16_units():
    # GIVEN a long text of emoji with a link (sent as a flex bubble)
    message = OutboundMessage(EMOJI * 300, LinkButton("Join", "https://shop.example/j?t=1"))
    # WHEN the LINE message is built
    (flex,) = line.line_messages(message)
    # THEN its altText is at most 400 UTF-16 units (200 emoji), whole emoji only
    assert flex["altText"] == EMOJI * 200
    assert line.utf16_length(flex["altText"]) == 400


def test_binding_template__line_limit_is_counted_in_utf16_units():
    # GIVEN LINE's 5000-unit limit
    # WHEN a template of 2500 emoji (5000 units) is checked; THEN it is taken
    assert templates.check_template("line", {"text": EMOJI * 2500})[0] == EMOJI * 2500
    # WHEN one emoji more (5002 units); THEN 400 naming the text
    with pytest.raises(InvalidRequest) as refused:
        templates.check_template("line", {"text": EMOJI * 2501})
    assert refused.value.extra == {"field": "text"}
    # AND Messenger still counts characters: 640 emoji fit its 640
    assert templates.check_template("facebook", {"text": EMOJI * 640})[0] == EMOJI * 640


def test_binding_template__a_long_name_is_cut_to_line_room_in_whole_emoji():
    # GIVEN a LINE template leaving 3 units for the name
    text = "x" * 4983 + templates.PLACEHOLDER + "y" * 14
    template = templates.Template("line", text, "Join")
    # WHEN rendered for a name of emoji
    rendered = template.render(EMOJI * 10)
    # THEN the name is cut to one whole emoji (2 units, not 3) and the text fits LINE's limit
    assert rendered == "x" * 4983 + EMOJI + "y" * 14
    assert line.utf16_length(rendered) <= line.TEXT_MAX


# --- LINE's published request schema ---------------------------------------------------------------

class LineSchema:
    """Just enough of OpenAPI 3 to check a request body: $ref, allOf, discriminator, required, types, enums,
    array sizes, and no property LINE does not declare (a misspelt key would be ignored by LINE)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def _flat(self, schema: dict[str, Any]) -> tuple[set[str], dict[str, Any], dict[str, Any]]:
        """(required, properties, the other keywords) of a schema and its allOf parts, discriminators aside."""
        schema = self.resolve(schema)
        required, properties = set(schema.get("required", [])), dict(schema.get("properties", {}))
        other = {k: v for k, v in schema.items() if k not in ("required", "properties", "allOf", "discriminator")}
        for part in schema.get("allOf", []):
            r, p, o = self._flat(part)
            required |= r
            properties.update(p)
            other.update(o)
        return required, properties, other

    def problems(self, value: Any, schema: dict[str, Any], where: str = "body") -> list[str]:
        schema = self.resolve(schema)
        discriminator = schema.get("discriminator")
        if discriminator and isinstance(value, dict):
            mapped = discriminator["mapping"].get(value.get(discriminator["propertyName"]))
            if mapped is None:
                return [f"{where}: {discriminator['propertyName']} {value.get(discriminator['propertyName'])!r} "
                        "is not one LINE documents"]
            schema = self.resolve({"$ref": mapped})
        required, properties, other = self._flat(schema)
        kind = other.get("type") or ("object" if properties else None)
        found: list[str] = []
        if kind == "object":
            if not isinstance(value, dict):
                return [f"{where}: must be an object"]
            found += [f"{where}: '{name}' is required" for name in sorted(required - set(value))]
            undeclared = sorted(set(value) - set(properties))
            found += [f"{where}: '{name}' is not a property LINE declares" for name in undeclared]
            for name, item in value.items():
                if name in properties:
                    found += self.problems(item, properties[name], f"{where}.{name}")
        elif kind == "array":
            if not isinstance(value, list):
                return [f"{where}: must be an array"]
            if len(value) < other.get("minItems", 0) or len(value) > other.get("maxItems", len(value)):
                found.append(f"{where}: {len(value)} items is outside {other.get('minItems')}..{other.get('maxItems')}")
            for index, item in enumerate(value):
                found += self.problems(item, other["items"], f"{where}[{index}]")
        elif kind == "string" and not isinstance(value, str):
            found.append(f"{where}: must be a string")
        elif kind == "boolean" and not isinstance(value, bool):
            found.append(f"{where}: must be a boolean")
        if "enum" in other and value not in other["enum"]:
            found.append(f"{where}: {value!r} is not one of {other['enum']}")
        return found


@pytest.fixture(scope="module")
def line_schema() -> LineSchema:
    return LineSchema(yaml.safe_load(LINE_OPENAPI.read_text()))


def _push_body(message: OutboundMessage) -> dict[str, Any]:
    """The body LineAdapter.send posts to /v2/bot/message/push (what it builds, without the network)."""
    return {"to": "U4af4980629", "messages": line.line_messages(message)}


def _documented_limits(body: dict[str, Any]) -> list[str]:
    """The limits LINE's reference states and its OpenAPI file does not, counted as LINE counts them."""
    found = []
    for message in body["messages"]:
        if message["type"] == "text" and line.utf16_length(message["text"]) > 5000:
            found.append("text longer than 5000 UTF-16 units")
        if "altText" in message and line.utf16_length(message["altText"]) > 400:
            found.append("altText longer than 400 UTF-16 units")
        template = message.get("template") or {}
        if template.get("type") == "buttons" and (len(template["text"]) > 160 or len(template["actions"]) > 4):
            found.append("buttons template text over 160 or more than 4 actions")
        actions = template.get("actions", []) + [c["action"] for c in
                                                 message.get("contents", {}).get("footer", {}).get("contents", [])]
        for action in actions:
            if len(action["label"]) > (20 if template else 40) or len(action["uri"]) > 1000:
                found.append(f"action {action} over its limits")
    return found


@needs_line_openapi
@pytest.mark.parametrize("message", [
    OutboundMessage("Thanks, your parcel left today."),
    OutboundMessage(f"Hi Amy {EMOJI}, tap to join.", LinkButton("Become a member", "https://shop.example/b?t=x")),
    OutboundMessage("Your cart is waiting. " * 20, LinkButton("Open my cart", "https://shop.example/c?t=y")),
    OutboundMessage(EMOJI * 2500, LinkButton("Join", "https://shop.example/j?t=z")),
], ids=["text", "buttons template", "flex bubble", "emoji flex"])
def test_line_push_bodies_follow_lines_published_schema(line_schema: LineSchema, message: OutboundMessage):
    # GIVEN LINE's own OpenAPI description of the push endpoint
    operation = line_schema.document["paths"]["/v2/bot/message/push"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    # WHEN the LINE adapter builds the push body for a message
    body = _push_body(message)
    # THEN it is what LINE documents, within the limits its reference adds
    assert line_schema.problems(body, schema) == []
    assert _documented_limits(body) == []


@needs_line_openapi
def test_the_schema_check_catches_a_body_line_would_refuse(line_schema: LineSchema):
    # GIVEN a body with a misspelt key, an unknown message type and no recipient
    schema = {"$ref": "#/components/schemas/PushMessageRequest"}
    body = {"messages": [{"type": "text", "txt": "hi"}, {"type": "carousel_of_things"}]}
    # WHEN checked; THEN each mistake is named
    assert line_schema.problems(body, schema) == [
        "body: 'to' is required",
        "body.messages[0]: 'text' is required",
        "body.messages[0]: 'txt' is not a property LINE declares",
        "body.messages[1]: type 'carousel_of_things' is not one LINE documents",
    ]
