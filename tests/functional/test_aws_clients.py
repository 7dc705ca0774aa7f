"""AWS clients are built once per process: one per service, however many requests come in.

Building a botocore client loads its service model from JSON (tens of ms of CPU); a client per
transaction or per call made that the largest cost of a warm request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import aws, clock
from chalicelib.members import core
from chalicelib.models.transactions import reset_connection
from tests.support_accounts import fresh_tw_mobile, last_code
from tests.support_channels import deliver, messenger_message, uid, whatsapp_text


@pytest.fixture
def client_creations(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """botocore clients built from now on, by service; every cached client forgotten first."""
    from aws_lambda_powertools.utilities import parameters
    from botocore.client import ClientCreator

    reset_connection()
    aws.reset()
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    built: Counter[str] = Counter()
    original = ClientCreator.create_client

    def counting_create_client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        built[service_name] += 1
        return original(self, service_name, *args, **kwargs)

    monkeypatch.setattr(ClientCreator, "create_client", counting_create_client)
    yield built


def test_many_requests_build_one_client_per_service(client: Any, api: Any, store: Any, creds: Any, monkeypatch: Any,
                                                     client_creations: Counter[str]) -> None:
    # GIVEN a store with every channel configured, every AWS client forgotten, and a member
    monkeypatch.delenv("CODE_PEPPER", raising=False)  # the pepper comes from SSM, as on AWS
    member = core.create_member(store.store_id, "Mei", phone=fresh_tw_mobile(), now=clock.now())

    # WHEN many requests of every kind come in: deliveries, conversation lists, codes sent and checked,
    # an e-mail change (SES), a report (S3), and new customers whose profile look-ups are queued (SQS)
    for round_ in range(5):
        for channel, payload in (("whatsapp", whatsapp_text(f"88691200{round_:04d}", "hi")),
                                 ("facebook", messenger_message(uid("psid")))):
            assert deliver(client, store.store_id, channel, creds, payload).status_code == 200
        assert api("GET", "/admin/conversations", store.admin())[0] == 200
        phone = fresh_tw_mobile()
        status, sent = api("POST", "/storefront/verifications", store.storefront(),
                            {"phone": phone, "purpose": "signup"})
        assert status == 202
        status, _ = api("POST", f"/storefront/verifications/{sent['verification_id']}/check",
                         store.storefront(), {"code": last_code(phone)})
        assert status == 200
        status, _ = api("PUT", f"/storefront/members/{member.member_id}/email", store.storefront(),
                         {"email": f"mei{round_}@example.com"})
        assert status == 202
        today = clock.local_day(clock.now(), "Asia/Taipei")
        status, _ = api("POST", "/admin/reports/sms", store.admin(), {"from": today, "to": today})
        assert status == 200

    # THEN each service's client was built once, for the set-up and all of them
    assert dict(client_creations) == {"dynamodb": 1, "ssm": 1, "sns": 1, "ses": 1, "s3": 1, "sqs": 1}
