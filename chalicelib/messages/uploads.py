"""Images in shop and order messages: S3 presigned POST in, presigned GET out; or through the API itself.

The POST policy pins the object key, the ``Content-Type`` and ``content-length-range [1, size]``, and
expires after :data:`UPLOAD_TTL`: S3 itself refuses another type or a larger body. A client may still
lie in the request (S3 compatibles and moto do not all enforce policies), so when a message is saved
each image is checked again: one HEAD (type and length) and one ranged GET of its first bytes (the
image's magic number must match the type). Images are private; a thread shows them through GET URLs
valid :data:`VIEW_TTL`.

A presigned form stays usable for :data:`UPLOAD_TTL` after its first use, so the bytes under an upload's key
can change after a message was saved. Saving a message therefore first copies each upload to a key under
:data:`KEPT_PREFIX` with a new ``ims_`` id (no form is ever signed for that prefix), checks the copy, and the
message refers to the copy: a re-posted upload changes nothing a saved message shows or sends.

The merchant console may load nothing from another origin (``default-src 'self'``), so it uses the same-origin
pair instead: :func:`store_direct` (the image as the request body, checked before it is stored at the same key)
and :func:`served_image` (the bytes back through the API). Both pass through Lambda, whose synchronous payload
is at most 6 MB and which sees binary bodies base64-encoded (4/3 larger): :data:`DIRECT_MAX_BYTES` keeps
well below; larger images use the presigned flow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import aws, tokens
from chalicelib.config import settings
from chalicelib.errors import ApiError, InvalidRequest, NotFound, PayloadTooLarge
from chalicelib.validation import Field

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGES_PER_MESSAGE = 10  # refused beyond, never silently dropped
DIRECT_MAX_BYTES = 4 * 1024 * 1024  # base64 makes it 5.6 MB: under Lambda's 6 MB request and response payload
UPLOAD_TTL = timedelta(minutes=15)
VIEW_TTL = timedelta(minutes=15)
PREFIX = "uploads"  # what presigned forms and the direct route write
KEPT_PREFIX = "messages"  # copies a saved message refers to: written only by the server, never by a form

# The first bytes each allowed type starts with.
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}
CONTENT_TYPES = tuple(_MAGIC)
_IMAGE_ID = re.compile(r"^img_[0-9a-f]{16}$")  # an upload (its key can be written by its form)
_STORED_ID = re.compile(r"^(img|ims)_[0-9a-f]{16}$")  # an upload or a kept copy (``ims_``)


def check_content_type(value: str) -> str:
    if value.lower() not in CONTENT_TYPES:
        raise InvalidRequest(f"'content_type' must be one of {', '.join(CONTENT_TYPES)}", field="content_type")
    return value.lower()


UPLOAD_FIELDS = {
    "content_type": Field(str, required=True, max_length=100, check=check_content_type),
    "size": Field(int, required=True, minimum=1, maximum=MAX_IMAGE_BYTES),
}


def check_image_ids(values: list[Any]) -> list[str]:
    if len(values) > MAX_IMAGES_PER_MESSAGE:
        raise InvalidRequest(f"'image_ids' may hold at most {MAX_IMAGES_PER_MESSAGE} images per message",
                             field="image_ids")
    if not all(isinstance(v, str) and _IMAGE_ID.match(v) for v in values):
        raise InvalidRequest("'image_ids' must be image ids from POST /storefront/uploads or /admin/uploads",
                             field="image_ids")
    return list(dict.fromkeys(values))


IMAGE_IDS = Field(list, check=check_image_ids)


def looks_like(content_type: str, first_bytes: bytes) -> bool:
    """The bytes start as an image of ``content_type`` does (the type a browser will render them as)."""
    if content_type not in _MAGIC or not first_bytes.startswith(_MAGIC[content_type]):
        return False
    return content_type != "image/webp" or first_bytes[8:12] == b"WEBP"


def object_key(store_id: str, image_id: str) -> str:
    """Where an image's bytes are: a kept copy (``ims_``) under KEPT_PREFIX, an upload under PREFIX."""
    return f"{KEPT_PREFIX if image_id.startswith('ims_') else PREFIX}/{store_id}/{image_id}"


def new_kept_id() -> str:
    return tokens.new_id("ims")


def new_upload(store_id: str, content_type: str, size: int) -> dict[str, Any]:
    """A presigned POST for one image of exactly this type and at most ``size`` bytes."""
    image_id = tokens.new_id("img")
    post = aws.client("s3").generate_presigned_post(
        Bucket=settings().reports_bucket, Key=object_key(store_id, image_id),
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, size]],
        ExpiresIn=int(UPLOAD_TTL.total_seconds()))
    return {"image_id": image_id, "upload": {"url": post["url"], "fields": post["fields"]},
            "expires_in_seconds": int(UPLOAD_TTL.total_seconds()), "max_size": size}


@dataclass(frozen=True)
class Image:
    image_id: str
    content_type: str
    size: int

    def attachment(self) -> dict[str, str]:
        return {"type": "image", "image_id": self.image_id, "content_type": self.content_type, "size": str(self.size)}


def checked_images(store_id: str, image_ids: list[str]) -> list[Image]:
    """Each upload copied to a kept key (new ``ims_`` id), the copy checked (allowed type, size, magic number);
    else 400 naming ``image_ids``. The message must refer to the returned ids, never to the uploads'.

    Copy first, check the copy: checking the upload and then copying it would leave a moment in which a
    re-posted form could swap the bytes. Cost per image: CopyObject, HEAD, ranged GET.
    """
    s3 = aws.client("s3")
    bucket = settings().reports_bucket
    images = []
    for image_id in image_ids:
        kept_id = new_kept_id()
        kept = object_key(store_id, kept_id)
        try:
            source = {"Bucket": bucket, "Key": object_key(store_id, image_id)}
            s3.copy_object(Bucket=bucket, Key=kept, CopySource=source, MetadataDirective="COPY")
            head = s3.head_object(Bucket=bucket, Key=kept)
            first = s3.get_object(Bucket=bucket, Key=kept, Range="bytes=0-15")["Body"].read()
        except ClientError:
            raise InvalidRequest(f"image {image_id} was not uploaded (or its upload expired)",
                                 field="image_ids") from None
        content_type = str(head.get("ContentType", "")).lower()
        size = int(head.get("ContentLength", 0))
        problem = (f"image {image_id} is not a JPEG, PNG, GIF or WebP image" if not looks_like(content_type, first)
                   else f"image {image_id} is larger than {MAX_IMAGE_BYTES} bytes" if not 0 < size <= MAX_IMAGE_BYTES
                   else None)
        if problem:
            s3.delete_object(Bucket=bucket, Key=kept)
            raise InvalidRequest(problem, field="image_ids")
        images.append(Image(kept_id, content_type, size))
    return images


def image_url(store_id: str, image_id: str) -> str:
    """A short-lived GET URL for one stored image."""
    return str(aws.client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": settings().reports_bucket, "Key": object_key(store_id, image_id)},
        ExpiresIn=int(VIEW_TTL.total_seconds())))


def image_bytes(store_id: str, image_id: str) -> bytes:
    body = aws.client("s3").get_object(Bucket=settings().reports_bucket, Key=object_key(store_id, image_id))["Body"]
    return bytes(body.read())


# --- through the API (the console: same origin) -----------------------------------------------------


class ImageTooLargeToServe(ApiError):
    """A stored image over :data:`DIRECT_MAX_BYTES` cannot pass through Lambda (422 in api/http.py's STATUS)."""

    code = "image_too_large"


def _type_of(content_type_header: str | None) -> str:
    return (content_type_header or "").split(";")[0].strip().lower()


def store_direct(store_id: str, content_type_header: str | None, data: bytes) -> Image:
    """One image sent as the request body: allowed type, non-empty, at most DIRECT_MAX_BYTES, bytes that
    start as that type does; then stored where a presigned upload would have put it."""
    content_type = _type_of(content_type_header)
    if content_type not in CONTENT_TYPES:
        raise InvalidRequest(f"the Content-Type header must be one of {', '.join(CONTENT_TYPES)}",
                             field="Content-Type")
    if not data:
        raise InvalidRequest("the body is empty: send the image's bytes as the request body", field="body")
    if len(data) > DIRECT_MAX_BYTES:
        raise PayloadTooLarge(f"the image is {len(data)} bytes; this route takes at most {DIRECT_MAX_BYTES} bytes "
                              "(4 MiB): upload larger images with POST /admin/uploads (presigned POST)",
                              code="body_too_large", max_size=DIRECT_MAX_BYTES)
    if not looks_like(content_type, data[:16]):
        raise InvalidRequest(f"the body is not a {content_type} image (its first bytes say otherwise)", field="body")
    image_id = tokens.new_id("img")
    aws.client("s3").put_object(Bucket=settings().reports_bucket, Key=object_key(store_id, image_id), Body=data,
                                ContentType=content_type)
    return Image(image_id, content_type, len(data))


def served_image(store_id: str, image_id: str) -> tuple[str, bytes]:
    """The stored image's type and bytes, only if it is an allowed image of this store within DIRECT_MAX_BYTES."""
    missing = NotFound(f"no image {image_id} in this store")
    if not _STORED_ID.match(image_id):
        raise missing
    s3 = aws.client("s3")
    key = object_key(store_id, image_id)
    try:
        head = s3.head_object(Bucket=settings().reports_bucket, Key=key)
    except ClientError:
        raise missing from None
    content_type, size = str(head.get("ContentType", "")).lower(), int(head.get("ContentLength", 0))
    if size > DIRECT_MAX_BYTES:
        raise ImageTooLargeToServe(f"image {image_id} is {size} bytes, more than the {DIRECT_MAX_BYTES} bytes this "
                                   "route can return: open the message's presigned 'url' instead")
    data = image_bytes(store_id, image_id)
    # Never serve what is not one of our image types (an upload that lied about its bytes): no HTML on our origin.
    if content_type not in CONTENT_TYPES or not looks_like(content_type, data[:16]):
        raise missing
    return content_type, data
