"""Checking request bodies: types, required and unknown fields, lengths and ranges.

Every failure is an :class:`InvalidRequest` that names the field, never the value (values may be
secrets or phone numbers).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import InvalidRequest

Check = Callable[[Any], Any]


@dataclass(frozen=True)
class Field:
    kind: type
    required: bool = False
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    nullable: bool = False
    choices: tuple[str, ...] | None = None  # the value must be one of these (400 naming them)
    check: Check | None = None  # returns the normalised value or raises InvalidRequest


def parse_json(raw: bytes | None, max_bytes: int) -> Any:
    if raw is not None and len(raw) > max_bytes:
        raise InvalidRequest(f"the request body is larger than {max_bytes} bytes", field="body",
                             code="body_too_large")
    if not raw:
        raise InvalidRequest("a JSON body is required", field="body")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        # Where it broke, so a hand-written body can be fixed without guessing (line and column count from 1).
        raise InvalidRequest(f"the body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                             code="invalid_json", field="body", line=exc.lineno, column=exc.colno) from None
    except UnicodeDecodeError as exc:
        raise InvalidRequest(f"the body is not UTF-8 text: byte {exc.start + 1} cannot be decoded",
                             code="invalid_json", field="body") from None
    except RecursionError:  # e.g. 30,000 '[': deeper than any real request
        raise InvalidRequest("the body is nested too deeply", field="body", code="invalid_json") from None


def parse_object(body: Any, fields: Mapping[str, Field]) -> dict[str, Any]:
    """Validate a JSON object against ``fields``; returns only the fields present."""
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object", field="body")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise InvalidRequest(f"unknown field '{unknown[0]}'; allowed: {', '.join(fields)}",
                             field=str(unknown[0]))
    out: dict[str, Any] = {}
    for name, spec in fields.items():
        if name not in body:
            if spec.required:
                raise InvalidRequest(f"'{name}' is required", field=name)
            continue
        out[name] = _value(name, body[name], spec)
    return out


_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", list: "a list", dict: "an object"}


def _value(name: str, value: Any, spec: Field) -> Any:
    if value is None:
        if spec.nullable and not spec.required:
            return None
        raise InvalidRequest(f"'{name}' must not be null", field=name)
    # bool is an int in Python; JSON true is not a number.
    if not isinstance(value, spec.kind) or (spec.kind is int and isinstance(value, bool)):
        raise InvalidRequest(f"'{name}' must be {_TYPE_NAMES.get(spec.kind, spec.kind.__name__)}", field=name)
    if isinstance(value, str):
        value = value.strip()
        if spec.required and not value:
            raise InvalidRequest(f"'{name}' must not be empty", field=name)
    if spec.max_length is not None and len(value) > spec.max_length:
        raise InvalidRequest(f"'{name}' is longer than {spec.max_length} characters", field=name)
    if spec.minimum is not None and value < spec.minimum:
        raise InvalidRequest(f"'{name}' must be at least {spec.minimum}", field=name)
    if spec.maximum is not None and value > spec.maximum:
        raise InvalidRequest(f"'{name}' must be at most {spec.maximum}", field=name)
    if spec.choices is not None and value not in spec.choices:
        raise InvalidRequest(f"'{name}' must be one of {', '.join(spec.choices)}", field=name)
    return spec.check(value) if spec.check else value


def require_non_empty(body: Mapping[str, Any], what: str) -> None:
    if not body:
        raise InvalidRequest(f"the body must set at least one {what}", field="body")


# Every character str.splitlines() ends a line at (CR, LF, VT, FF, FS, GS, RS, NEL, LS, PS). Mail headers hold
# one line; a mail library or relay that treats any of these as a break would start a new header there.
LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def has_line_break(value: str) -> bool:
    return any(ch in LINE_BREAKS for ch in value)


def one_line(name: str) -> Check:
    """A check for header-bound text (subjects, store names, display names): 400 naming ``name`` for any break."""

    def check(value: str) -> str:
        if has_line_break(value):
            raise InvalidRequest(f"'{name}' must be one line: it goes into an e-mail header, which cannot hold a "
                                 "line break (CR, LF, VT, FF, U+0085, U+2028 or U+2029)", field=name)
        return value

    return check
