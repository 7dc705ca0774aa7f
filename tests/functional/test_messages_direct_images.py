"""The console's same-origin images (chalice.test.Client under mock_aws, e-mail through moto's SES):
``POST /admin/uploads/direct`` (the image as the body) and ``GET /admin/images/{image_id}``."""

from __future__ import annotations

import email
import json
from email.policy import default
from typing import Any

import boto3
import pytest

from tests.support_messages import PNG, SHOP_EMAIL, json_call

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00" \
      b"\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
BUCKET = "memberlink-local-reports"


@pytest.fixture
def shop(client: Any, store: Any) -> Any:
    status, _ = json_call(client, "PUT", "/admin/settings", store.admin(),
                          {"storefront_url": "https://shop.example.com", "shop_email": SHOP_EMAIL})
    assert status == 200
    return store


def raw_emails() -> list[str]:
    """The MIME text of each e-mail moto's SES accepted (send_raw_email keeps it as sent)."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import RawMessage, ses_backends

    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    return [sent.raw_data for sent in backend.sent_messages if isinstance(sent, RawMessage)]


def direct(client: Any, store: Any, data: bytes, content_type: str | None = "image/png") -> tuple[int, Any]:
    headers = {**store.admin(), **({"Content-Type": content_type} if content_type else {})}
    response = client.http.post("/admin/uploads/direct", headers=headers, body=data)
    return response.status_code, json.loads(response.body) if response.body else None


def image(client: Any, store: Any, image_id: str, accept: str = "image/png") -> Any:
    return client.http.get(f"/admin/images/{image_id}", headers={**store.admin(), "Accept": accept})


@pytest.mark.parametrize(("data", "content_type"), [(PNG, "image/png"), (GIF, "image/gif"), (WEBP, "image/webp"),
                                                    (JPEG, "image/jpeg")])
def test_direct_upload__each_type__stored_at_the_upload_key_and_served_back_byte_for_byte(
        client: Any, shop: Any, data: bytes, content_type: str) -> None:
    status, answer = direct(client, shop, data, content_type)
    assert status == 201, answer
    assert answer == {"image_id": answer["image_id"], "content_type": content_type, "size": len(data)}
    stored = boto3.client("s3").get_object(Bucket=BUCKET, Key=f"uploads/{shop.store_id}/{answer['image_id']}")
    assert stored["Body"].read() == data and stored["ContentType"] == content_type
    served = image(client, shop, answer["image_id"], content_type)
    assert served.status_code == 200 and served.body == data
    assert served.headers["Content-Type"] == content_type
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"].startswith("private")


def test_direct_upload__html_labelled_png__400_naming_the_body_nothing_stored(client: Any, shop: Any) -> None:
    status, answer = direct(client, shop, b"<html><script>alert(1)</script></html>", "image/png")
    assert status == 400 and answer["error"]["field"] == "body" and "image/png" in answer["error"]["message"]
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="uploads/")


def test_direct_upload__gif_bytes_sent_as_png__400(client: Any, shop: Any) -> None:
    status, answer = direct(client, shop, GIF, "image/png")
    assert status == 400 and answer["error"]["field"] == "body"


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", "application/json", None])
def test_direct_upload__not_an_image_type__415_naming_the_accepted_types(client: Any, shop: Any,
                                                                         content_type: str | None) -> None:
    status, answer = direct(client, shop, PNG, content_type)
    assert status == 415, answer
    assert answer["error"]["code"] == "unsupported_media_type" and "image/png" in answer["error"]["message"]
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="uploads/")


def test_direct_upload__empty_body__400(client: Any, shop: Any) -> None:
    status, answer = direct(client, shop, b"", "image/png")
    assert status == 400 and answer["error"]["field"] == "body"


def test_direct_upload__over_4_mib__413_pointing_at_the_presigned_flow(client: Any, shop: Any) -> None:
    from chalicelib.messages.uploads import DIRECT_MAX_BYTES

    status, answer = direct(client, shop, PNG + b"\0" * (DIRECT_MAX_BYTES + 1 - len(PNG)))
    assert status == 413 and answer["error"]["code"] == "body_too_large"
    assert answer["error"]["max_size"] == DIRECT_MAX_BYTES and "/admin/uploads" in answer["error"]["message"]
    # exactly the limit is accepted
    status, answer = direct(client, shop, PNG + b"\0" * (DIRECT_MAX_BYTES - len(PNG)))
    assert status == 201 and answer["size"] == DIRECT_MAX_BYTES


def test_direct_upload__storefront_key__401_or_403(client: Any, shop: Any) -> None:
    response = client.http.post("/admin/uploads/direct", headers={**shop.storefront(), "Content-Type": "image/png"},
                                body=PNG)
    assert response.status_code in (401, 403)


def test_image__another_stores_image__404_as_unknown(client: Any, shop: Any, other_store: Any) -> None:
    _, answer = direct(client, shop, PNG)
    response = image(client, other_store, answer["image_id"])
    assert response.status_code == 404 and json.loads(response.body)["error"]["code"] == "not_found"
    assert image(client, shop, "img_00000000000000aa").status_code == 404
    assert image(client, shop, "..%2F..%2Fsecret").status_code == 404


def test_image__html_stored_under_an_image_id__never_served(client: Any, shop: Any) -> None:
    # a presigned POST whose bytes lied (S3 compatibles may not enforce the policy)
    key = f"uploads/{shop.store_id}/img_00000000000000bb"
    boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=b"<script>alert(1)</script>", ContentType="text/html")
    assert image(client, shop, "img_00000000000000bb", "*/*").status_code == 404


def test_image__larger_than_the_route_returns__422_image_too_large(client: Any, shop: Any) -> None:
    from chalicelib.messages.uploads import DIRECT_MAX_BYTES

    key = f"uploads/{shop.store_id}/img_00000000000000cc"
    boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=PNG + b"\0" * DIRECT_MAX_BYTES, ContentType="image/png")
    response = image(client, shop, "img_00000000000000cc")
    assert response.status_code == 422 and json.loads(response.body)["error"]["code"] == "image_too_large"


def test_direct_upload__accepted_by_the_reply__emailed_as_a_mime_attachment(client: Any, shop: Any) -> None:
    status, created = json_call(client, "POST", "/storefront/shop-messages", shop.storefront(),
                                {"email": "guest@example.com", "name": "Guest", "text": "What does it look like?"})
    assert status == 201
    _, uploaded = direct(client, shop, PNG)
    status, answer = json_call(client, "POST", f"/admin/conversations/{created['conversation_id']}/messages",
                               shop.admin(), {"image_ids": [uploaded["image_id"]]})
    assert status == 201 and answer["emailed"] is True, answer
    assert answer["attachments"][0]["image_id"].startswith("ims_")  # the kept copy of the upload
    # the e-mail SES sent carries the very bytes as an image/png attachment
    [raw] = raw_emails()
    message = email.message_from_string(raw, policy=default)
    [attachment] = list(message.iter_attachments())  # type: ignore[attr-defined]
    assert attachment.get_content_type() == "image/png"
    assert attachment.get_filename() == f"{answer['attachments'][0]['image_id']}.png"
    assert attachment.get_content() == PNG
    # and the thread shows it through the same-origin route
    _, thread = json_call(client, "GET", f"/admin/conversations/{created['conversation_id']}/messages", shop.admin())
    assert image(client, shop, thread["items"][-1]["attachments"][0]["image_id"]).body == PNG


def test_direct_upload__a_list_of_types__400_naming_content_type(client: Any, shop: Any) -> None:
    status, answer = direct(client, shop, PNG, "text/html, image/png")
    assert status == 400 and answer["error"]["field"] == "Content-Type"
