"""Writing a report to S3 while its rows are still being read: memory stays at one part (8 MiB).

Bytes collect in a buffer; each time it reaches ``part_size`` it goes out as one part of a multipart
upload. A report smaller than one part is a single PutObject. Any error aborts the multipart
upload, so a failed run never leaves a half-written object (nor billable orphan parts) behind.
"""

from __future__ import annotations

import io
from types import TracebackType
from typing import Any

from chalicelib import aws

PART_SIZE = 8 * 1024 * 1024  # S3's minimum part is 5 MiB (except the last)
CONTENT_TYPE = "text/csv; charset=utf-8"


def s3_client() -> Any:
    """The process's S3 client (SigV4: presigned URLs to KMS-encrypted objects need it)."""
    return aws.client("s3")


class S3StreamWriter:
    def __init__(self, client: Any, bucket: str, key: str, filename: str, part_size: int = PART_SIZE) -> None:
        self.client, self.bucket, self.key = client, bucket, key
        self.part_size = part_size
        self.extra = {"ContentType": CONTENT_TYPE, "ContentDisposition": f'attachment; filename="{filename}"'}
        self._buffer = io.BytesIO()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self.bytes_written = 0

    def write(self, data: bytes) -> None:
        self._buffer.write(data)
        self.bytes_written += len(data)
        if self._buffer.tell() >= self.part_size:
            self._flush_part()

    def _flush_part(self) -> None:
        if self._upload_id is None:
            self._upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key,
                                                                  **self.extra)["UploadId"]
        number = len(self._parts) + 1
        answer = self.client.upload_part(Bucket=self.bucket, Key=self.key, UploadId=self._upload_id,
                                         PartNumber=number, Body=self._buffer.getvalue())
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        self._buffer = io.BytesIO()

    def close(self) -> None:
        if self._upload_id is None:
            self.client.put_object(Bucket=self.bucket, Key=self.key, Body=self._buffer.getvalue(), **self.extra)
        else:
            if self._buffer.tell():
                self._flush_part()
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self._upload_id,
                                                  MultipartUpload={"Parts": self._parts})
        self._buffer = io.BytesIO()

    def abort(self) -> None:
        if self._upload_id is not None:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self._upload_id)
            self._upload_id = None

    def __enter__(self) -> S3StreamWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def presigned_get(client: Any, bucket: str, key: str, expires_seconds: int = 3600) -> str:
    return str(client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                             ExpiresIn=expires_seconds))
