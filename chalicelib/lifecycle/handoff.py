"""Handing the rest of a daily run to a fresh invocation of ``lifecycle_continue`` (chalicelib/handoff.py)."""

from __future__ import annotations

from typing import Any

from chalicelib import handoff

CONTINUE_FUNCTION_ENV = "LIFECYCLE_CONTINUE_FUNCTION"  # set by the template to the function's name


def hand_off(event: dict[str, Any]) -> None:
    handoff.hand_off(CONTINUE_FUNCTION_ENV, event)
