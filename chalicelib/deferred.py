"""Work done off the request path: the ``deferred`` Lambda function, reached by an asynchronous invoke.

A password reset must answer a member and a stranger alike, in status, body *and* time. So the
request does the same work for both (count the limits, store a code item) and hands the delivery
over here; the slow part (SNS or SES, for members only) runs after the answer has left.

:func:`defer` is one hand-off (chalicelib/handoff.py) to the function ``DEFERRED_FUNCTION`` names
(app.py's ``deferred``; the template sets the variable and grants the API's role the invoke); that
function runs :func:`run`. The local stack runs it the same way, through its local Lambda.
"""

from __future__ import annotations

import importlib
from typing import Any

from chalicelib import handoff
from chalicelib.logs import logger

# Task name -> "module:function" taking the payload (imported on first use, so cold starts stay small).
TASKS = {"deliver_reset_code": "chalicelib.members.account:deliver_reset_code"}
FUNCTION_ENV = "DEFERRED_FUNCTION"  # set by the template to the deferred function's name


def defer(task: str, payload: dict[str, Any]) -> None:
    """Run ``task`` with ``payload`` (JSON-serialisable, no secrets) after this request."""
    if task not in TASKS:
        raise ValueError(f"unknown deferred task {task!r}")
    handoff.hand_off(FUNCTION_ENV, {"task": task, "payload": payload})


def run(event: dict[str, Any]) -> None:
    """Run one deferred task (the ``deferred`` Lambda function's body); failures are logged, not raised."""
    module_name, _, function_name = TASKS[str(event["task"])].partition(":")
    try:
        getattr(importlib.import_module(module_name), function_name)(dict(event["payload"]))
    except Exception:
        logger.exception("deferred task failed", extra={"task": event.get("task")})
