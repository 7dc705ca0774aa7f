"""A stand-in for the Graph API (Messenger, Instagram, WhatsApp Cloud API) and the LINE Messaging API.

It answers the calls memberlink makes the way the platforms document them and records each one,
so a person running `make run` can see what a customer would have received (GET /_local/outbox).
The app reaches it through GRAPH_API_BASE_URL=<sandbox>/graph and LINE_API_BASE_URL=<sandbox>/line.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chalicelib import clock


class Outbox:
    def __init__(self, accounts: dict[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._items: list[dict[str, Any]] = []
        self.accounts = accounts or {}  # platform account id -> channel, to tell Messenger from Instagram

    def record(self, item: dict[str, Any]) -> None:
        with self._lock:
            self._items.append(item)

    def items(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items)

    def load(self, items: list[dict[str, Any]]) -> None:
        """What a previous run recorded (the sandbox keeps its data across restarts)."""
        with self._lock:
            self._items[:0] = items

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def classify(path: str, body: Any, accounts: dict[str, str]) -> str:
    if path.startswith("/line/"):
        return "line"
    if isinstance(body, dict) and body.get("messaging_product") == "whatsapp":
        return "whatsapp"
    parts = [p for p in path.split("/") if p]
    for part in parts:
        if part in accounts:
            return accounts[part]
    if parts and parts[-1] == "replies":
        return "instagram"  # Instagram comment replies are POST /{comment-id}/replies
    return "facebook"


def answer(channel: str, method: str, path: str, body: Any) -> dict[str, Any]:
    """A success body shaped like the platform's."""
    if channel == "line":
        if method == "GET" and "/profile/" in path:
            user_id = path.rsplit("/", 1)[-1]
            return {"userId": user_id, "displayName": f"LINE user {user_id[-4:]}", "language": "zh-TW"}
        return {"sentMessages": [{"id": str(uuid.uuid4().int)[:18], "quoteToken": uuid.uuid4().hex}]}
    if channel == "whatsapp":
        to = body.get("to") if isinstance(body, dict) else None
        return {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.{uuid.uuid4().hex}"}]}
    if method == "GET":
        # Messenger user profile (name, first_name, last_name) and Instagram user profile (name, username).
        user_id = [p for p in path.split("/") if p][-1]
        return {"id": user_id, "name": f"Sandbox user {user_id[-4:]}", "first_name": "Sandbox",
                "last_name": f"user {user_id[-4:]}", "username": f"user{user_id[-4:]}"}
    if path.rstrip("/").endswith(("/comments", "/replies")):
        return {"id": f"{uuid.uuid4().int % 10**17}"}
    recipient = body.get("recipient", {}) if isinstance(body, dict) else {}
    return {"recipient_id": recipient.get("id") or recipient.get("comment_id"), "message_id": f"m_{uuid.uuid4().hex}"}


def make_handler(outbox: Outbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self, method: str) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/__outbox":
                if method == "DELETE":
                    outbox.clear()
                    self._send(200, {"items": []})
                else:
                    self._send(200, {"items": outbox.items()})
                return
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            channel = classify(path, body, outbox.accounts)
            outbox.record({"channel": channel, "method": method, "path": path, "body": body,
                           "at": clock.isoformat(clock.now())})
            self._send(200, answer(channel, method, path, body))

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_DELETE(self) -> None:
            self._handle("DELETE")

    return Handler


class ChannelSandbox:
    """The sandbox HTTP server on 127.0.0.1 (port 0 picks a free one)."""

    def __init__(self, port: int = 0, accounts: dict[str, str] | None = None) -> None:
        self.outbox = Outbox(accounts)
        self.server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(self.outbox))
        self.thread = threading.Thread(target=self.server.serve_forever, name="channel-sandbox", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> ChannelSandbox:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
