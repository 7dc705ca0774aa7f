"""Handing the rest of a daily run to a fresh invocation: an asynchronous Lambda invoke on AWS, in process locally."""

from __future__ import annotations

import json
import os
from typing import Any

from chalicelib import aws, clock
from chalicelib.config import settings
from chalicelib.lifecycle.daily import continue_run

CONTINUE_FUNCTION_ENV = "LIFECYCLE_CONTINUE_FUNCTION"  # set by the template to the function's name


def hand_off(event: dict[str, Any]) -> None:
    if settings().is_local:

        continue_run(event, clock.now(), hand_off)  # the sandbox has no Lambda service: the same function, now
        return

    aws.client("lambda").invoke(FunctionName=os.environ[CONTINUE_FUNCTION_ENV], InvocationType="Event",
                                  Payload=json.dumps(event).encode())
