"""The process's boto3 clients: one per service, built on first use and kept for every later call.

Building a client loads its service model from JSON (tens of ms of CPU), so building one per
request would cost more than the request's own work; boto3 clients are thread-safe. DynamoDB is
not here: PynamoDB's one connection lives in :mod:`chalicelib.models.transactions`.

SSM parameters are read through Powertools Parameters (it caches values for ``max_age``), given
this module's SSM client so that clearing its cache never builds another client.
"""

from __future__ import annotations

import threading
from typing import Any

_clients: dict[tuple[str, str | None], Any] = {}
_lock = threading.Lock()


def _config(service: str) -> Any:
    from botocore.config import Config  # with the first client, as boto3 below

    if service == "s3":
        return Config(signature_version="s3v4")  # presigned URLs to KMS-encrypted objects need SigV4
    if service == "sns":
        return Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 2})
    return None


def client(service: str, endpoint_url: str | None = None) -> Any:
    """The client for ``service`` (an explicit ``endpoint_url`` gets its own, kept as well)."""
    key = (service, endpoint_url)
    found = _clients.get(key)
    if found is None:
        with _lock:
            found = _clients.get(key)
            if found is None:
                import boto3  # loaded when first needed: not on every cold start

                found = _clients[key] = boto3.client(service, endpoint_url=endpoint_url, config=_config(service))
    return found


def get_parameter(name: str, *, max_age: int, force_fetch: bool = False) -> str:
    """A SecureString parameter, decrypted, cached for ``max_age`` seconds.

    Raises Powertools' ``GetParameterError`` when it does not exist.
    """
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS  # with the first parameter
    from aws_lambda_powertools.utilities.parameters.ssm import SSMProvider  # cold start: Powertools loads on first use

    provider = DEFAULT_PROVIDERS.get("ssm")
    if provider is None:  # first use, or after parameters.clear_caches()
        provider = DEFAULT_PROVIDERS["ssm"] = SSMProvider(boto3_client=client("ssm"))
    return str(provider.get(name, max_age=max_age, decrypt=True, force_fetch=force_fetch))


def reset() -> None:
    """Forget every client, so the next call honours a new ``AWS_ENDPOINT_URL`` (bench, tools)."""
    with _lock:
        _clients.clear()
