"""Channel secrets in SSM Parameter Store (SecureString), never in DynamoDB or logs.

One parameter per store and channel: ``<SSM_PREFIX>/stores/<store_id>/channels/<channel>``,
holding a JSON object. Reads go through Powertools Parameters, which caches them for a few
minutes so a warm Lambda verifying webhook signatures does not call SSM on every delivery.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib import aws
from chalicelib.config import settings

CACHE_SECONDS = 300


def parameter_name(store_id: str, channel: str) -> str:
    return f"{settings().ssm_prefix}/stores/{store_id}/channels/{channel}"


def put_channel_secrets(store_id: str, channel: str, values: dict[str, str]) -> None:
    name = parameter_name(store_id, channel)
    from aws_lambda_powertools.utilities import parameters  # loaded when first needed: not on every cold start

    aws.client("ssm").put_parameter(Name=name, Value=json.dumps(values), Type="SecureString", Overwrite=True)
    parameters.clear_caches()  # type: ignore[no-untyped-call]  # a warm instance must see a rotated secret at once


def get_channel_secrets(store_id: str, channel: str) -> dict[str, Any] | None:
    """The channel's secrets, or None when the channel was never configured."""
    from aws_lambda_powertools.utilities import parameters  # loaded when first needed: not on every cold start

    try:
        raw = aws.get_parameter(parameter_name(store_id, channel), max_age=CACHE_SECONDS)
    except parameters.exceptions.GetParameterError:
        return None
    return dict(json.loads(str(raw)))
