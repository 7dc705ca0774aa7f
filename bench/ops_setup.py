"""Store set-up operations (issue 2): what authentication and a settings write cost."""

from __future__ import annotations

from typing import Any

from bench.support import Bench, Operation


def read_settings(bench: Bench, _: Any) -> None:
    status, _body = bench.call("GET", "/admin/settings", bench.admin_key)
    assert status == 200


def update_settings(bench: Bench, _: Any) -> None:
    status, _body = bench.call("PUT", "/admin/settings", bench.admin_key, {"sms_daily_cap": 500})
    assert status == 200


OPERATIONS = [
    Operation("GET /admin/settings (auth + read)", "", read_settings),
    Operation("PUT /admin/settings (auth + one conditional update)", "", update_settings),
]
