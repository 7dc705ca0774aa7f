"""`make run`'s stack, used the way a new developer would: over HTTP with the demo keys."""

from __future__ import annotations

import json
import signal
from datetime import datetime

import urllib3

from tests.integration.conftest import Stack, start_stack


def test_demo_file_has_what_the_contract_lists(stack: Stack):
    for field in ("api", "aws_endpoint", "store_id", "admin_key", "storefront_key", "staff_key",
                  "branch_id", "reports_bucket", "channels"):
        assert stack.info[field], field
    assert set(stack.info["channels"]) == {"facebook", "instagram", "whatsapp", "line"}


def test_settings_answers_200_401_403(stack: Stack):
    status, body = stack.call("PUT", "/admin/settings", stack.info["admin_key"], {"sms_daily_cap": 321})
    assert status == 200 and body["sms_daily_cap"] == 321
    assert stack.call("GET", "/admin/settings", stack.info["admin_key"])[1]["sms_daily_cap"] == 321

    status, body = stack.call("PUT", "/admin/settings", None, {"sms_daily_cap": 1})
    assert status == 401 and body["error"]["code"] == "unauthorized"
    # curl -d without a Content-Type still gets the contract's answer, not a media-type error.
    status, body = stack.call("PUT", "/admin/settings", None, {"sms_daily_cap": 1},
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 401
    status, body = stack.call("PUT", "/admin/settings", stack.info["storefront_key"], {"sms_daily_cap": 1})
    assert status == 403 and body["error"]["code"] == "forbidden"


def test_second_store_cannot_reach_the_demo_branch(stack: Stack):
    created = stack.manage("create-store", "--name", "Rival Coffee", "--country", "TW", "--stage", "local")
    assert created.returncode == 0, created.stderr
    other = json.loads(created.stdout)
    assert set(other) == {"store_id", "admin_key", "storefront_key"}

    branch = stack.info["branch_id"]
    status, body = stack.call("GET", f"/admin/branches/{branch}", other["admin_key"])
    assert status == 404 and body["error"]["code"] == "not_found"
    status, _ = stack.call("POST", "/admin/staff", other["admin_key"], {"name": "Eve", "branch_id": branch})
    assert status == 404
    assert stack.call("GET", f"/admin/branches/{branch}", stack.info["admin_key"])[0] == 200


def test_cli_revokes_a_key(stack: Stack):
    created = json.loads(stack.manage("create-key", "--store", stack.info["store_id"], "--role", "storefront").stdout)
    assert stack.call("GET", "/admin/settings", created["key"])[0] == 403
    listed = json.loads(stack.manage("list-keys", "--store", stack.info["store_id"]).stdout)["items"]
    assert created["key_id"] in [k["key_id"] for k in listed]
    assert created["key"] not in json.dumps(listed)
    revoked = stack.manage("revoke-key", "--store", stack.info["store_id"], "--key-id", created["key_id"])
    assert revoked.returncode == 0, revoked.stderr
    assert stack.call("GET", "/admin/settings", created["key"])[0] == 401


def test_clock_moves_forward_on_request(stack: Stack):
    before = stack.clock()
    status, body = stack.call("POST", "/_local/clock", body={"advance_seconds": 7200})
    assert status == 200
    after = datetime.fromisoformat(body["now"])
    assert 7200 <= (after - before).total_seconds() < 7260
    assert stack.call("POST", "/_local/clock", body={"advance_seconds": -5})[0] == 400
    assert stack.call("POST", "/_local/clock", body={"advance_seconds": "soon"})[0] == 400


def test_schedules_run_on_demand(stack: Stack):
    """Every function the template schedules runs once, by its deployed name."""
    from app import app
    from chalicelib.schedules import scheduled_names

    status, body = stack.call("POST", "/_local/schedules/run")
    assert status == 200 and sorted(body["ran"]) == sorted(f"memberlink-local-{n}" for n in scheduled_names(app))


def test_outbox_shows_what_reached_the_channel_sandbox(stack: Stack):
    sandbox = stack.info["channel_sandbox"]
    page_id = stack.info["channels"]["facebook"]["page_id"]
    sent = {"recipient": {"id": "6543210"}, "messaging_type": "RESPONSE", "message": {"text": "hello"}}
    reply = urllib3.request("POST", f"{sandbox}/graph/v21.0/{page_id}/messages", json=sent, timeout=10.0)
    assert reply.status == 200 and json.loads(reply.data)["message_id"].startswith("m_")

    status, body = stack.call("GET", "/_local/outbox")
    assert status == 200
    item = body["items"][-1]
    assert item["channel"] == "facebook" and item["method"] == "POST" and item["body"] == sent
    assert item["path"] == f"/graph/v21.0/{page_id}/messages"


def test_logs_carry_no_keys_or_channel_secrets(stack: Stack):
    stack.call("GET", "/admin/settings", stack.info["admin_key"])
    stack.call("GET", "/admin/settings", stack.info["admin_key"][:-3] + "xyz")
    # The JSON log lines (what CloudWatch would hold); the start-up banner prints the demo keys on purpose.
    log = "\n".join(line for line in stack.log().splitlines() if line.startswith("{"))
    assert '"route":"/admin/settings"' in log  # the request log exists...
    for secret in (stack.info["admin_key"], stack.info["storefront_key"], stack.info["staff_key"]):
        assert secret not in log  # ...and never shows a key
    for values in stack.info["channels"].values():
        for name, value in values.items():
            if "secret" in name or "token" in name:
                assert value not in log


def test_ctrl_c_stops_everything_cleanly(tmp_path):
    # A stack of its own: the shared one serves the other modules' tests.
    stack = start_stack(tmp_path)
    assert stack.call("GET", "/_local/clock")[0] == 200
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(timeout=30) == 0
    try:
        urllib3.request("GET", stack.api + "/_local/clock", timeout=2.0, retries=False)
        reachable = True
    except urllib3.exceptions.HTTPError:
        reachable = False
    assert not reachable
