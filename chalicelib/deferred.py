"""Work done off the request path: an asynchronous Lambda invoke in AWS, a worker thread locally.

A password reset must answer a member and a stranger alike, in status, body *and* time. So the
request does the same work for both (count the limits, store a code item) and hands the delivery
over here; the slow part (SNS or SES, for members only) runs after the answer has left.

In AWS, ``DEFERRED_FUNCTION_NAME`` names the ``deferred`` Lambda function (app.py; the template sets
it) and :func:`defer` is one ``Invoke`` with ``InvocationType=Event``. Without it (the local sandbox,
the tests) the same :func:`run` runs on a worker thread of this process; :func:`drain` waits for it.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from chalicelib import aws
from chalicelib.logs import logger

# Task name -> "module:function" taking the payload (imported on first use, so cold starts stay small).
TASKS = {"deliver_reset_code": "chalicelib.members.account:deliver_reset_code"}

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_pending: list[Future[None]] = []


def defer(task: str, payload: dict[str, Any]) -> None:
    """Run ``task`` with ``payload`` (JSON-serialisable, no secrets) after this request."""
    if task not in TASKS:
        raise ValueError(f"unknown deferred task {task!r}")
    event = {"task": task, "payload": payload}
    function = os.environ.get("DEFERRED_FUNCTION_NAME")
    if function:

        aws.client("lambda").invoke(FunctionName=function, InvocationType="Event",
                                      Payload=json.dumps(event).encode())
        return
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="deferred")
        _pending.append(_executor.submit(run, event))


def run(event: dict[str, Any]) -> None:
    """Run one deferred task (the ``deferred`` Lambda function's body); failures are logged, not raised."""
    module_name, _, function_name = TASKS[str(event["task"])].partition(":")
    try:
        getattr(importlib.import_module(module_name), function_name)(dict(event["payload"]))
    except Exception:
        logger.exception("deferred task failed", extra={"task": event.get("task")})


def drain(timeout: float = 30.0) -> None:
    """Wait for this process's deferred tasks (tests and the sandbox; nothing to wait for in AWS)."""
    with _lock:
        pending = list(_pending)
        _pending.clear()
    for future in pending:
        future.result(timeout=timeout)
