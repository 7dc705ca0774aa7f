"""What secrets cost: an unknown store or channel is answered without any SSM read, and the code
pepper survives a failed refresh. SSM calls are counted with a botocore event hook on the real client.
"""

from __future__ import annotations

import json

import pytest

from tests.support_channels import body, demo_credentials, messenger_message, signed_headers, uid


@pytest.fixture
def ssm_calls():
    """Every SSM API call made through the process's boto3 clients, by operation name."""
    import boto3

    from chalicelib import aws

    calls: list[str] = []

    def count(event_name: str, **_: object) -> None:
        calls.append(event_name.rsplit(".", 1)[-1])

    aws.reset()
    session = boto3._get_default_session()
    session.events.register("before-call.ssm", count)
    yield calls
    session.events.unregister("before-call.ssm", count)
    aws.reset()


def test_posts_to_unknown_stores_and_unconfigured_channels_read_no_secret(client, store, ssm_calls):
    raw = body(messenger_message(uid("psid")))
    for _ in range(25):
        response = client.http.post(f"/webhooks/facebook/{uid('st_')}", body=raw,
                                    headers={"Content-Type": "application/json"})
        assert response.status_code == 404
    # The store exists, its LINE channel does not: the same, however often it is asked.
    for _ in range(5):
        assert client.http.post(f"/webhooks/line/{store.store_id}", body=b"{}").status_code == 404
    assert ssm_calls == []


def test_a_configured_channel_reads_its_secret_once_per_warm_instance(client, store, sandbox, ssm_calls):
    from tests.support_channels import configure_all

    credentials = demo_credentials()
    configure_all(store.store_id, {"facebook": credentials["facebook"]})
    ssm_calls.clear()
    for _ in range(5):
        raw = body(messenger_message(uid("psid")))
        response = client.http.post(f"/webhooks/facebook/{store.store_id}", body=raw,
                                    headers=signed_headers("facebook", credentials["facebook"], raw))
        assert response.status_code == 200, response.body
        assert json.loads(response.body)["stored"] == 1
    assert ssm_calls.count("GetParameter") == 1  # the hook sees reads: the 404 test's zero is real


def test_the_code_pepper_keeps_its_last_good_value_when_a_refresh_fails(aws, monkeypatch):
    from aws_lambda_powertools.utilities import parameters

    from chalicelib import aws as aws_clients
    from chalicelib import verification

    monkeypatch.delenv("CODE_PEPPER", raising=False)
    name = f"{verification.settings().ssm_prefix}/{verification.PEPPER_PARAMETER}"
    aws_clients.client("ssm").put_parameter(Name=name, Value="pepper-one", Type="SecureString", Overwrite=True)
    monkeypatch.setattr(verification, "_pepper_cache", {})
    first = verification.code_hmac("st_1", "vf_1", "123456")

    def throttled(name: str, **_: object) -> str:
        raise parameters.exceptions.GetParameterError("ThrottlingException: Rate exceeded")

    monkeypatch.setattr(aws_clients, "get_parameter", throttled)
    assert verification.code_hmac("st_1", "vf_1", "123456") == first


def test_a_failed_pepper_refresh_is_not_retried_on_every_request(aws, monkeypatch):
    from aws_lambda_powertools.utilities import parameters

    from chalicelib import aws as aws_clients
    from chalicelib import verification

    # GIVEN a pepper read once, then SSM throttling every read
    monkeypatch.delenv("CODE_PEPPER", raising=False)
    name = f"{verification.settings().ssm_prefix}/{verification.PEPPER_PARAMETER}"
    aws_clients.client("ssm").put_parameter(Name=name, Value="pepper-two", Type="SecureString", Overwrite=True)
    monkeypatch.setattr(verification, "_pepper_cache", {})
    monkeypatch.setattr(verification, "_pepper_retry_at", {})
    first = verification.code_hmac("st_1", "vf_1", "123456")
    asked: list[str] = []

    def throttled(name: str, **_: object) -> str:
        asked.append(name)
        raise parameters.exceptions.GetParameterError("ThrottlingException: Rate exceeded")

    monkeypatch.setattr(aws_clients, "get_parameter", throttled)
    # WHEN twenty codes are checked within the retry interval
    hmacs = {verification.code_hmac("st_1", "vf_1", "123456") for _ in range(20)}
    # THEN each got the last good pepper, and SSM was asked once, not twenty times
    assert hmacs == {first}
    assert len(asked) == 1
    # AND once the interval has passed, SSM is asked again
    monkeypatch.setattr(verification, "_pepper_retry_at", {name: 0.0})
    verification.code_hmac("st_1", "vf_1", "123456")
    assert len(asked) == 2
