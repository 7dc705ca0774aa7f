"""The one way work leaves an invocation for another: an asynchronous Lambda invoke (``InvocationType=Event``).

Three hand-offs use it: a password reset's delivery (``DEFERRED_FUNCTION``), the pages of a marketing send
(``MARKETING_SEND_FUNCTION``) and the rest of a lifecycle run (``LIFECYCLE_CONTINUE_FUNCTION``). Each
variable holds the target's name as the template deploys it (infra/template.py ``HAND_OFFS``, which also
grants the callers' roles ``lambda:InvokeFunction`` on it). Locally the same call reaches the local stack's
Lambda (local/lambdas.py), which runs the function the template names, under that function's role.
"""

from __future__ import annotations

import json
import os
from typing import Any

from chalicelib import aws


class HandOffNotWired(RuntimeError):
    """The environment does not name the target: the process was not started from the template."""


def target(variable: str) -> str:
    name = os.environ.get(variable)
    if not name:
        raise HandOffNotWired(f"{variable} is not set: the template (infra/template.py HAND_OFFS) names the function")
    return name


def hand_off(variable: str, event: dict[str, Any]) -> None:
    """Invoke the function ``variable`` names with ``event`` (JSON, no secrets), without waiting for it."""
    aws.client("lambda").invoke(FunctionName=target(variable), InvocationType="Event",
                                Payload=json.dumps(event).encode())
