"""Our own time per hot route, side by side with the floor (``bench/floor.py``), in one process under moto.

For each hot route, requests to our app and to the floor alternate (so machine noise hits both
alike) through ``chalice.test.Client``; each is timed in total and inside AWS calls (a wrapper on
botocore's ``BaseClient._make_api_call``, which boto3 and PynamoDB both go through). Own time =
total - AWS time: Chalice's request emulation (the same for both), our code, and PynamoDB's or
botocore's own work (building a client counts: it is ours to avoid). Budget (issue 18): own time
within 3x the floor's and under 2 ms median; the WhatsApp intake's p99 under 5 ms.
"""

from __future__ import annotations

import gc
import os
import secrets
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.support import Bench, CallCounter

SAMPLES = int(os.environ.get("BENCH_SAMPLES", "200"))
WARM_UP = 10


class AwsClock:
    """Seconds spent inside AWS API calls since :meth:`reset`, and in garbage collections outside them.

    In-process moto emulates a transaction by deep-copying whole tables: hundreds of thousands of
    objects per TransactWrite, whose collection then pauses whatever code runs next. Those pauses are
    moto's, not ours (a Lambda has no moto heap), so they are reported apart (``gc``), not as own time.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.gc_seconds = 0.0
        self.cpu_seconds = 0.0  # this thread's CPU time inside AWS calls and those pauses
        self._in_aws = False
        self._gc_started = 0.0
        self._gc_cpu_started = 0.0

    def install(self) -> None:
        from botocore.client import BaseClient

        if getattr(BaseClient, "_bench_timed", False):
            return
        original = BaseClient._make_api_call
        clock = self

        def timed(client: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
            started, cpu_started = time.perf_counter(), time.thread_time()
            clock._in_aws = True
            try:
                return original(client, operation_name, api_params)
            finally:
                clock._in_aws = False
                clock.seconds += time.perf_counter() - started
                clock.cpu_seconds += time.thread_time() - cpu_started

        BaseClient._make_api_call = timed  # type: ignore[method-assign]
        BaseClient._bench_timed = True  # type: ignore[attr-defined]
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if self._in_aws or threading.current_thread() is not threading.main_thread():
            return
        if phase == "start":
            self._gc_started, self._gc_cpu_started = time.perf_counter(), time.thread_time()
        elif self._gc_started:
            self.gc_seconds += time.perf_counter() - self._gc_started
            self.cpu_seconds += time.thread_time() - self._gc_cpu_started
            self._gc_started = 0.0

    def reset(self) -> None:
        self.seconds = 0.0
        self.gc_seconds = 0.0
        self.cpu_seconds = 0.0
        self._gc_started = 0.0


AWS = AwsClock()


@dataclass
class Samples:
    total: list[float] = field(default_factory=list)
    own: list[float] = field(default_factory=list)
    own_cpu: list[float] = field(default_factory=list)  # CPU time of this thread: what other processes cannot inflate
    gc: list[float] = field(default_factory=list)

    @contextmanager
    def measuring(self) -> Iterator[None]:
        gc.collect()  # each request starts without the previous one's garbage (untimed)
        AWS.reset()
        started, cpu_started = time.perf_counter(), time.thread_time()
        yield
        total, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
        self.total.append(total)
        self.gc.append(AWS.gc_seconds)
        self.own.append(total - AWS.seconds - AWS.gc_seconds)
        self.own_cpu.append(cpu - AWS.cpu_seconds)


def p50(values: list[float]) -> float:
    return statistics.median(values) * 1000


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] * 1000


@dataclass
class HotRoute:
    """``ours(i)`` and ``floor(i)`` each make one request (the i-th of the run) and check its answer."""

    name: str
    setup: Callable[[Env, int], Any]
    ours: Callable[[Env, Any, int], None]
    floor: Callable[[Env, Any, int], None]
    p99_budget_ms: float | None = None
    operations: tuple[str, ...] = ()  # rows of the AWS-calls table this median own time stands for (cost)


@dataclass
class Env:
    bench: Bench
    floor_client: Any

    def floor_call(self, method: str, path: str, key: str | None = None, body: Any = None, raw: bytes | None = None,
                   headers: dict[str, str] | None = None) -> tuple[int, Any]:
        saved = self.bench.client
        self.bench.client = self.floor_client
        try:
            return self.bench.call(method, path, key, body, raw, headers)
        finally:
            self.bench.client = saved


# --- webhook: a WhatsApp text from a known customer (name in the payload), warm instance ---

def _webhook_setup(env: Env, n: int) -> dict[str, Any]:
    from bench import floor
    from bench.ops_inbox import _setup_channels

    channels = _setup_channels(env.bench)
    floor.SECRETS["whatsapp"] = channels["whatsapp"]["app_secret"]
    return {"channels": channels}


def _signed_whatsapp(state: dict[str, Any], i: int) -> tuple[bytes, dict[str, str]]:
    import json

    from bench.ops_inbox import _whatsapp
    from chalicelib.channels.meta import meta_signature

    raw = json.dumps(_whatsapp(state["channels"], "886900000001")).encode()
    return raw, {"X-Hub-Signature-256": meta_signature(state["channels"]["whatsapp"]["app_secret"], raw)}


def _webhook_ours(env: Env, state: dict[str, Any], i: int) -> None:
    raw, headers = _signed_whatsapp(state, i)
    status, answer = env.bench.call("POST", f"/webhooks/whatsapp/{env.bench.store_id}", raw=raw, headers=headers)
    assert status == 200 and answer["stored"] == 1, answer


def _webhook_floor(env: Env, state: dict[str, Any], i: int) -> None:
    raw, headers = _signed_whatsapp(state, i)
    status, answer = env.floor_call("POST", f"/webhooks/whatsapp/{env.bench.store_id}", raw=raw, headers=headers)
    assert status == 200, answer


# --- conversation list: the first page of 23 conversations ---

def _conversations_setup(env: Env, n: int) -> dict[str, Any]:
    from bench.ops_inbox import _deliver, _whatsapp

    state = _webhook_setup(env, n)
    for i in range(23):
        _deliver(env.bench, state["channels"], "whatsapp", _whatsapp(state["channels"], f"8869000{i:05d}"))
    return state


def _conversations_ours(env: Env, state: Any, i: int) -> None:
    status, answer = env.bench.call("GET", "/admin/conversations", env.bench.admin_key)
    assert status == 200 and len(answer["items"]) == 23, answer


def _conversations_floor(env: Env, state: Any, i: int) -> None:
    status, answer = env.floor_call("GET", "/admin/conversations", env.bench.admin_key)
    assert status == 200 and len(answer["items"]) == 23, answer


# --- redeem: a binding invitation's token, each for another customer ---

def _redeem_setup(env: Env, n: int) -> dict[str, Any]:
    from urllib.parse import parse_qs, urlparse

    from bench import floor
    from bench.ops_binding import _link, invitation, setup_conversation
    from bench.ops_inbox import _deliver, _line
    from chalicelib import members
    from chalicelib.conversations import conversation_id_for

    state = setup_conversation(env.bench)
    redemptions = []
    for _ in range(n):
        user = "U" + secrets.token_hex(8)
        _deliver(env.bench, state["channels"], "line", _line(user, "Join?"))
        invitation(env.bench, {"conversation_id": conversation_id_for(f"line:{user}")})
        token = parse_qs(urlparse(_link(env.bench)).query)["token"][0]
        member_id = members.create_member(env.bench.store_id, "Bench Amy").member_id
        floor.seed_token(env.bench.store_id, token)
        redemptions.append({"token": token, "member_id": member_id})
    return {"redemptions": redemptions}


def _redeem_ours(env: Env, state: Any, i: int) -> None:
    status, answer = env.bench.call("POST", "/storefront/bindings/redeem", env.bench.storefront_key,
                                    state["redemptions"][i])
    assert status == 200 and answer["already_bound"] is False, answer


def _redeem_floor(env: Env, state: Any, i: int) -> None:
    status, answer = env.floor_call("POST", "/storefront/bindings/redeem", env.bench.storefront_key,
                                    state["redemptions"][i])
    assert status == 200, answer


# --- verification send and check: each to another number ---

def _phone(i: int) -> str:
    return f"+88691{i:07d}"


def _send_setup(env: Env, n: int) -> None:
    status, answer = env.bench.call("PUT", "/admin/settings", env.bench.admin_key,
                                    {"sms_daily_cap": 1_000_000, "sms_ip_hourly_limit": 10_000})
    assert status == 200, answer
    _send(env, 9_000_000)  # warm: the store's settings, templates and the code pepper are cached


def _send(env: Env, i: int) -> dict[str, Any]:
    status, answer = env.bench.call("POST", "/storefront/verifications", env.bench.storefront_key,
                                    {"phone": _phone(i), "purpose": "signup"})
    assert status == 202, answer
    return dict(answer)


def _send_ours(env: Env, state: Any, i: int) -> None:
    _send(env, i)


def _send_floor(env: Env, state: Any, i: int) -> None:
    status, answer = env.floor_call("POST", "/storefront/verifications", env.bench.storefront_key,
                                    {"phone": _phone(500_000 + i), "purpose": "signup"})
    assert status == 202, answer


def _check_setup(env: Env, n: int) -> list[tuple[str, str]]:
    from bench import floor
    from bench.ops_accounts import _code_for

    _send_setup(env, n)
    codes = []
    for i in range(n):
        verification_id = _send(env, 100_000 + i)["verification_id"]
        code = _code_for(_phone(100_000 + i))
        floor.seed_code(env.bench.store_id, verification_id, code)
        codes.append((verification_id, code))
    return codes


def _check_ours(env: Env, state: Any, i: int) -> None:
    verification_id, code = state[i]
    status, answer = env.bench.call("POST", f"/storefront/verifications/{verification_id}/check",
                                    env.bench.storefront_key, {"code": code})
    assert status == 200, answer


def _check_floor(env: Env, state: Any, i: int) -> None:
    verification_id, code = state[i]
    status, answer = env.floor_call("POST", f"/storefront/verifications/{verification_id}/check",
                                    env.bench.storefront_key, {"code": code})
    assert status == 200, answer


# --- staff search by phone ---

def _search_setup(env: Env, n: int) -> dict[str, Any]:
    from bench.ops_staff import _staff, _with_members
    from chalicelib.abuse import STAFF_SEARCHES_PER_MINUTE

    staff = _with_members(env.bench)  # its key searched once to warm up
    # A staff key searches at most STAFF_SEARCHES_PER_MINUTE times a minute: the n calls share enough keys.
    per_key = STAFF_SEARCHES_PER_MINUTE.count - 1
    return {**staff, "keys": [staff["key"], *(_staff(env.bench)["key"] for _ in range(n // per_key + 1))],
            "per_key": per_key}


def _search_ours(env: Env, staff: dict[str, Any], i: int) -> None:
    key = staff["keys"][i // staff["per_key"]]
    status, answer = env.bench.call("GET", "/staff/members?phone=0912345678", key)
    assert status == 200 and len(answer["items"]) == 1, answer


def _search_floor(env: Env, staff: dict[str, Any], i: int) -> None:
    status, answer = env.floor_call("GET", "/staff/members?phone=0912345678", staff["key"])
    assert status == 200 and len(answer["items"]) == 1, answer


HOT_ROUTES = [
    HotRoute("POST /webhooks/whatsapp/{store} (known customer)", _webhook_setup, _webhook_ours, _webhook_floor,
             p99_budget_ms=5.0, operations=("webhook: WhatsApp message (name in the payload, warm)",
                                            "webhook: LINE message from a known customer (warm)")),
    HotRoute("GET /admin/conversations (23 conversations)", _conversations_setup, _conversations_ours,
             _conversations_floor, operations=("GET /admin/conversations (23 conversations)",)),
    HotRoute("POST /storefront/bindings/redeem", _redeem_setup, _redeem_ours, _redeem_floor,
             operations=("POST /storefront/bindings/redeem (success)",)),
    HotRoute("POST /storefront/verifications", _send_setup, _send_ours, _send_floor,
             operations=("POST /storefront/verifications (warm instance)",)),
    HotRoute("POST /storefront/verifications/{id}/check", _check_setup, _check_ours, _check_floor,
             operations=("POST /storefront/verifications/{id}/check (right code: count, then use)",)),
    HotRoute("GET /staff/members?phone=", _search_setup, _search_ours, _search_floor,
             operations=("GET /staff/members?phone=",)),
]


@dataclass
class RouteResult:
    route: HotRoute
    ours: Samples
    floor: Samples

    @property
    def ratio(self) -> float:
        return p50(self.ours.own) / max(p50(self.floor.own), 1e-9)

    def holds(self) -> bool:
        p99_ok = self.route.p99_budget_ms is None or p99(self.ours.own) < self.route.p99_budget_ms
        return self.ratio <= 3.0 and p50(self.ours.own) < 2.0 and p99_ok


def measure(route: HotRoute, samples: int = SAMPLES) -> RouteResult:
    """One hot route in a fresh embedded AWS: setup (not timed), warm-up, then alternating timed requests."""
    from aws_lambda_powertools.utilities import parameters
    from chalice.test import Client
    from moto import mock_aws

    from bench import floor
    from bench.support import ROOT_DIR, deployed_pepper, forget_aws_clients
    from chalicelib import clock, stores, verification
    from local import moto_transactions
    from local.channel_sandbox import ChannelSandbox
    from local.resources import create_resources

    AWS.install()
    # moto backs a transaction up by deep-copying whole tables (garbage whose collection would pause the next
    # request, ours or the floor's); the local sandbox's per-item backup keeps that emulator cost out.
    moto_transactions.install()
    ours, floors = Samples(), Samples()
    with mock_aws():
        forget_aws_clients()
        floor.FloorItem._connection = None
        floor._sns.clear()
        sandbox = ChannelSandbox().start()
        os.environ["GRAPH_API_BASE_URL"] = f"{sandbox.url}/graph"
        os.environ["LINE_API_BASE_URL"] = f"{sandbox.url}/line"
        try:
            create_resources()
            floor.FloorItem.create_table(wait=False)
            deployed_pepper()
            parameters.clear_caches()  # type: ignore[no-untyped-call]
            verification.forget_pepper()
            clock.reset()
            from app import app

            with Client(app, stage_name="local", project_dir=str(ROOT_DIR)) as client, \
                    Client(floor.floor, stage_name="local", project_dir=str(ROOT_DIR)) as floor_client:
                created = stores.create_store("Bench Tea House", "TW", None, clock.now())
                env = Env(Bench(client, created.store_id, created.admin_key, created.storefront_key, sandbox,
                                CallCounter()), floor_client)
                state = route.setup(env, samples + WARM_UP)
                for i in range(samples + WARM_UP):
                    if i < WARM_UP:
                        route.ours(env, state, i)
                        route.floor(env, state, i)
                        continue
                    with ours.measuring():
                        route.ours(env, state, i)
                    with floors.measuring():
                        route.floor(env, state, i)
        finally:
            sandbox.stop()
            forget_aws_clients()
    return RouteResult(route, ours, floors)


def table(results: list[RouteResult]) -> str:
    rows = ["| hot route | ours: total p50 / p99 | ours: own p50 / p99 | ours: own CPU p50 / p99 | "
            "floor: total p50 / p99 | floor: own p50 / p99 | own vs floor (p50) | budget | holds | "
            "moto's GC pauses p50 / p99, ours / floor |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        budget = "own <= 3x floor, < 2 ms p50" + (f", p99 < {r.route.p99_budget_ms:g} ms"
                                                   if r.route.p99_budget_ms else "")
        rows.append(f"| {r.route.name} | {p50(r.ours.total):.2f} / {p99(r.ours.total):.2f} ms | "
                    f"**{p50(r.ours.own):.2f}** / {p99(r.ours.own):.2f} ms | "
                    f"{p50(r.ours.own_cpu):.2f} / {p99(r.ours.own_cpu):.2f} ms | "
                    f"{p50(r.floor.total):.2f} / {p99(r.floor.total):.2f} ms | "
                    f"{p50(r.floor.own):.2f} / {p99(r.floor.own):.2f} ms | {r.ratio:.1f}x | {budget} | "
                    f"{'yes' if r.holds() else '**no**'} | {p50(r.ours.gc):.1f} / {p99(r.ours.gc):.1f} ms, "
                    f"{p50(r.floor.gc):.1f} / {p99(r.floor.gc):.1f} ms |")
    return "\n".join(rows) + "\n"


def report(samples: int = SAMPLES, results: list[RouteResult] | None = None, started: float | None = None) -> str:
    """The section's table; ``started``: when the given ``results`` began to be measured (perf_counter)."""
    started = started if started is not None else time.perf_counter()
    results = results if results is not None else [measure(route, samples) for route in HOT_ROUTES]
    return ("### Own time per hot route, beside the floor\n\n" + table(results) +
            f"\n{samples} requests each, alternating ours and the floor's, after {WARM_UP} warm-up requests; "
            "own = total minus time inside AWS calls (moto in process) and minus garbage-collection pauses outside "
            "them (moto's heap: reported in the last column); own CPU = the same in this thread's CPU time, which "
            "other processes on a shared machine cannot inflate. "
            f"Section took {time.perf_counter() - started:.0f} s.\n")


if __name__ == "__main__":
    import sys

    from bench.support import prepare_environment

    prepare_environment()
    names = sys.argv[1:]
    chosen = [r for r in HOT_ROUTES if not names or any(n in r.name for n in names)]
    print(table([measure(r, SAMPLES) for r in chosen]))
