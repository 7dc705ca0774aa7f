"""The sandbox's data across restarts: saved to .local/ on stop, restored on the next start.

moto keeps everything in memory, so a restart would lose every store, key and message. On stop,
every table of the stage (all items), the stage's SSM parameters (channel secrets, the code
pepper), every S3 object, the channel sandbox's outbox and the clock's offset are written to one
JSON file (mode 600: it holds secrets); the next start loads them back before serving. What moto
keeps of sent SMS and e-mail is not saved: those records are not data of the application.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from chalicelib.models import ALL_MODELS

VERSION = 1
NOT_KEPT = "sent SMS and e-mail as the embedded AWS recorded them (GET /moto-api/data.json), schedule timers"


@dataclass
class Summary:
    tables: int = 0
    items: int = 0
    parameters: int = 0
    objects: int = 0
    outbox: int = 0
    clock_offset_seconds: float = 0.0
    saved_at: str = ""
    outbox_items: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def describe(self) -> str:
        offset = f"+{self.clock_offset_seconds:.0f} s" if self.clock_offset_seconds else "none (real time)"
        return (f"{self.items} items in {self.tables} tables, {self.parameters} SSM parameters (channel secrets, "
                f"code pepper), {self.objects} S3 objects, {self.outbox} outbox messages, clock offset {offset}")


def _encode(value: Any) -> Any:
    """DynamoDB JSON with binary values as {"__b64__": ...}, so the file is plain JSON."""
    if isinstance(value, bytes | bytearray):
        return {"__b64__": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__b64__"}:
            return base64.b64decode(value["__b64__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _ssm_prefix() -> str:
    return "/" + os.environ.get("SSM_PREFIX", "/memberlink/local").strip("/")


def save(path: Path, outbox: list[dict[str, Any]], clock_offset_seconds: float) -> Summary:
    dynamodb, ssm, s3 = boto3.client("dynamodb"), boto3.client("ssm"), boto3.client("s3")
    tables: dict[str, list[Any]] = {}
    for model in ALL_MODELS:
        name = model.Meta.table_name
        items: list[Any] = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=name):
            items.extend(_encode(page["Items"]))
        tables[name] = items
    parameters = [{"Name": p["Name"], "Type": p["Type"], "Value": p["Value"]}
                  for page in ssm.get_paginator("get_parameters_by_path").paginate(
                      Path=_ssm_prefix(), Recursive=True, WithDecryption=True)
                  for p in page["Parameters"]]
    buckets: dict[str, list[dict[str, str]]] = {}
    for bucket in s3.list_buckets().get("Buckets", []):
        objects = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            for listed in page.get("Contents", []):
                data = s3.get_object(Bucket=bucket["Name"], Key=listed["Key"])["Body"].read()
                objects.append({"key": listed["Key"], "body": base64.b64encode(data).decode()})
        buckets[bucket["Name"]] = objects
    state = {"version": VERSION, "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
             "clock_offset_seconds": clock_offset_seconds, "tables": tables, "parameters": parameters,
             "buckets": buckets, "outbox": outbox}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(state))
    partial.chmod(0o600)
    partial.replace(path)  # a crash while saving leaves the previous state whole
    return _summary(state)


def _summary(state: dict[str, Any]) -> Summary:
    return Summary(tables=sum(1 for items in state["tables"].values() if items),
                   items=sum(len(items) for items in state["tables"].values()),
                   parameters=len(state["parameters"]),
                   objects=sum(len(objects) for objects in state["buckets"].values()),
                   outbox=len(state["outbox"]), clock_offset_seconds=float(state["clock_offset_seconds"]),
                   saved_at=str(state["saved_at"]), outbox_items=list(state["outbox"]))


def load(path: Path) -> dict[str, Any] | None:
    """The saved state, or None when there is none or it is from another format (then start clean)."""
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and state.get("version") == VERSION else None


def restore(state: dict[str, Any]) -> Summary:
    """Writes the saved state into the (new, empty) embedded AWS whose tables already exist."""
    dynamodb, ssm, s3 = boto3.client("dynamodb"), boto3.client("ssm"), boto3.client("s3")
    known = {model.Meta.table_name for model in ALL_MODELS}
    for name, items in state["tables"].items():
        if name not in known:
            continue  # a table the code no longer has
        for start in range(0, len(items), 25):
            requests = [{"PutRequest": {"Item": _decode(item)}} for item in items[start:start + 25]]
            while requests:
                answer = dynamodb.batch_write_item(RequestItems={name: requests})
                requests = answer.get("UnprocessedItems", {}).get(name, [])
    for parameter in state["parameters"]:
        ssm.put_parameter(Name=parameter["Name"], Type=parameter["Type"], Value=parameter["Value"], Overwrite=True)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for bucket, objects in state["buckets"].items():
        if bucket not in existing:
            s3.create_bucket(Bucket=bucket)
        for saved in objects:
            s3.put_object(Bucket=bucket, Key=saved["key"], Body=base64.b64decode(saved["body"]))
    return _summary(state)
