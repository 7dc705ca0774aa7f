"""The real local stack over HTTP: `manage.py run-local` in its own process, as `make run` starts it."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import urllib3

ROOT = Path(__file__).resolve().parents[2]


def free_ports(count: int) -> list[int]:
    """Distinct free ports: every socket stays bound until all are chosen, so none is handed out twice."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Stack:
    info: dict[str, Any]
    process: subprocess.Popen[str]
    log_path: Path

    @property
    def api(self) -> str:
        return str(self.info["api"])

    def call(self, method: str, path: str, key: str | None = None, body: Any = None,
             raw: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if key:
            sent["Authorization"] = f"Bearer {key}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        response = urllib3.request(method, self.api + path, body=data, headers=sent, timeout=30.0)
        try:
            return response.status, json.loads(response.data) if response.data else None
        except ValueError:
            return response.status, response.data.decode()

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "AWS_ENDPOINT_URL": self.info["aws_endpoint"]}
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60, check=False)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def channel_work_done(self, deadline_seconds: float = 120.0) -> bool:
        """Waits until the channel-work queue has nothing waiting, delayed or being worked on (the stack's
        consumer sends auto-replies and profile look-ups after the webhook answered); False at the deadline."""
        import boto3

        sqs = boto3.client("sqs", endpoint_url=self.info["aws_endpoint"], region_name="us-east-1",
                           aws_access_key_id="local", aws_secret_access_key="local")
        url = sqs.get_queue_url(QueueName="memberlink-local-channel-work")["QueueUrl"]
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                 "ApproximateNumberOfMessagesDelayed"]
        ends = time.monotonic() + deadline_seconds
        while time.monotonic() < ends:
            counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
            if all(int(counts.get(name, "0")) == 0 for name in names):
                return True
            time.sleep(0.5)  # moto counts every message for each answer: do not keep it busy
        return False

    def clock(self) -> datetime:
        """The stack's clock (``GET /_local/clock``): real time unless a test moved it."""
        _, answer = self.call("GET", "/_local/clock")
        return datetime.fromisoformat(str(answer["now"]))

    def create_store(self, name: str, country: str = "TW", **settings: Any) -> dict[str, str]:
        """A new store made as a merchant makes one (``manage.py create-store``), then ``settings`` PUT."""
        created = self.manage("create-store", "--name", name, "--country", country, "--stage", "local")
        assert created.returncode == 0, created.stderr
        keys: dict[str, str] = dict(json.loads(created.stdout))
        if settings:
            status, body = self.call("PUT", "/admin/settings", keys["admin_key"], settings)
            assert status == 200, body
        return keys


def start_stack(workdir: Path, *, fresh: bool = False, template_file: Path | None = None) -> Stack:
    """`manage.py run-local` on free ports, as `make run` starts it; returns once demo.json is (re)written.

    The sandbox keeps its data in ``workdir`` across restarts: starting again in the same directory
    restores it, unless ``fresh``. ``template_file``: boot this packaged template instead of building it."""
    demo_file, log_path = workdir / "demo.json", workdir / "stack.log"
    env = {key: value for key, value in os.environ.items()
           if key not in ("AWS_ENDPOINT_URL", "STAGE", "PUBLIC_API_URL_PARAMETER", "DEFERRED_FUNCTION",
                          "MARKETING_SEND_FUNCTION", "LIFECYCLE_CONTINUE_FUNCTION", "TABLE_PREFIX", "SSM_PREFIX",
                          "REPORTS_BUCKET",
                          "GRAPH_API_BASE_URL", "LINE_API_BASE_URL", "LOCAL_SANDBOX_URL", "FRESH")}
    api_port, aws_port = free_ports(2)
    env.update({"PORT": str(api_port), "AWS_PORT": str(aws_port), "DEMO_FILE": str(demo_file),
                "SCHEDULER_TICK_SECONDS": "0.5", "PYTHONUNBUFFERED": "1"})
    written_before = demo_file.stat().st_mtime_ns if demo_file.exists() else None
    with log_path.open("w") as log:
        process = subprocess.Popen([sys.executable, "manage.py", "run-local", *(["--fresh"] if fresh else []),
                                    *(["--template", str(template_file)] if template_file else [])],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 90
    while not demo_file.exists() or demo_file.stat().st_mtime_ns == written_before:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("local stack did not start:\n" + log_path.read_text())
        time.sleep(0.2)
    return Stack(json.loads(demo_file.read_text()), process, log_path)


def stop_stack(running: Stack) -> None:
    if running.process.poll() is None:
        running.process.send_signal(signal.SIGINT)
        try:
            running.process.wait(timeout=120)  # Ctrl-C saves the sandbox's data first: slow on a busy machine
        except subprocess.TimeoutExpired:
            running.process.kill()  # a test stack's saved data is never read again
            running.process.wait(timeout=30)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One local stack shared by every integration test of the session."""
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    stop_stack(running)


@pytest.fixture(autouse=True)
def _deliveries_on_the_stack_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Webhook payloads built in a stack test carry the stack's time: another test may have moved its
    clock (tests share the stack), and the app drops events older than its dedup window by that clock."""
    from tests import support_channels

    if "stack" not in request.fixturenames:
        yield
        return
    running: Stack = request.getfixturevalue("stack")
    support_channels.use_clock(lambda: running.clock().timestamp())  # per payload: a test may move it midway
    yield
    support_channels.use_clock(None)


def post_concurrently(stack: Stack, count: int, path: str, payload: Any, key: str) -> list[tuple[int, Any]]:
    """``count`` identical POSTs released at the same instant (see :func:`post_all_at_once`)."""
    return post_all_at_once(stack, path, [payload] * count, key)


def post_all_at_once(stack: Stack, path: str, payloads: list[Any], key: str) -> list[tuple[int, Any]]:
    """One POST per payload, released at the same instant, each on a connection opened beforehand
    (the local server's listen backlog is small: 20 simultaneous connects would be reset, not raced).
    Answers come back in the order of ``payloads``."""
    url = urlparse(stack.api)
    connections = [http.client.HTTPConnection(url.hostname, url.port, timeout=60) for _ in payloads]
    for connection in connections:
        connection.connect()
    start = threading.Barrier(len(payloads))
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}

    def post(pair: tuple[http.client.HTTPConnection, Any]) -> tuple[int, Any]:
        connection, payload = pair
        data = json.dumps(payload)
        start.wait()
        connection.request("POST", path, body=data, headers=headers)
        response = connection.getresponse()
        answer = json.loads(response.read())
        connection.close()
        return response.status, answer

    with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
        return list(pool.map(post, zip(connections, payloads, strict=True)))
