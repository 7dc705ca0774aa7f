"""Store set-up through the routes (chalice.test.Client under mock_aws)."""

from __future__ import annotations

import json
import os

import boto3

from chalicelib.models import ChannelModel, StoreModel


def put(client, path, headers, body):
    return client.http.put(path, headers=headers, body=json.dumps(body))


def post(client, path, headers, body):
    return client.http.post(path, headers=headers, body=json.dumps(body))


def error_code(response) -> str:
    return json.loads(response.body)["error"]["code"]


# --- authentication and roles ---------------------------------------------------------------

def test_admin_key_updates_settings_and_they_are_stored(client, store):
    response = put(client, "/admin/settings", store.admin(),
                   {"storefront_url": "https://shop.example.com/", "sms_daily_cap": 250})

    assert response.status_code == 200
    body = json.loads(response.body)
    assert body["storefront_url"] == "https://shop.example.com"
    assert body["sms_daily_cap"] == 250
    assert body["country"] == "TW" and body["timezone"] == "Asia/Taipei"
    stored = StoreModel.get(store.store_id)
    assert stored.storefront_url == "https://shop.example.com" and stored.sms_daily_cap == 250
    assert json.loads(client.http.get("/admin/settings", headers=store.admin()).body) == body


def test_missing_key_is_401(client, store):
    response = client.http.put("/admin/settings", headers={"Content-Type": "application/json"},
                               body=json.dumps({"sms_daily_cap": 1}))
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"


def test_unknown_and_malformed_keys_are_401(client, store):
    forged = store.admin_key[:-4] + "AAAA"
    for header in (f"Bearer {forged}", "Bearer nonsense", f"Basic {store.admin_key}",
                   f"Bearer mlk.{store.store_id}.", "Bearer"):
        response = client.http.get("/admin/settings", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert error_code(response) == "unauthorized"


def test_storefront_key_on_admin_route_is_403(client, store):
    response = put(client, "/admin/settings", store.storefront(), {"sms_daily_cap": 1})
    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    assert StoreModel.get(store.store_id).sms_daily_cap == 1000


def test_revoked_key_is_401(client, store):
    from chalicelib import access, clock, tokens

    key_id = access.key_id_of(tokens.sha256_hex(store.admin_key))
    assert access.revoke(store.store_id, key_id, clock.now())
    assert client.http.get("/admin/settings", headers=store.admin()).status_code == 401


def test_another_stores_branch_is_404(client, store, other_store):
    created = post(client, "/admin/branches", store.admin(), {"name": "Taipei 101"})
    assert created.status_code == 201
    branch_id = json.loads(created.body)["branch_id"]

    assert client.http.get(f"/admin/branches/{branch_id}", headers=store.admin()).status_code == 200
    foreign = client.http.get(f"/admin/branches/{branch_id}", headers=other_store.admin())
    assert foreign.status_code == 404
    assert error_code(foreign) == "not_found"
    staff = post(client, "/admin/staff", other_store.admin(), {"name": "Mallory", "branch_id": branch_id})
    assert staff.status_code == 404


def test_store_id_comes_from_the_key_not_the_body(client, store, other_store):
    response = put(client, "/admin/settings", other_store.admin(), {"store_id": store.store_id, "name": "x"})
    assert response.status_code == 400
    assert json.loads(response.body)["error"]["field"] == "store_id"
    assert StoreModel.get(store.store_id).name == "Demo Tea House"


# --- bad input ---------------------------------------------------------------------------------

def test_bad_settings_bodies_are_400_naming_the_field(client, store):
    cases = [
        ({"sms_daily_cap": "ten"}, "sms_daily_cap"),
        ({"sms_daily_cap": True}, "sms_daily_cap"),
        ({"sms_daily_cap": -1}, "sms_daily_cap"),
        ({"sms_ip_hourly_limit": 0}, "sms_ip_hourly_limit"),
        ({"country": "ZZ"}, "country"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"storefront_url": "javascript:alert(1)"}, "storefront_url"),
        ({"storefront_url": "http://shop.example.com"}, "storefront_url"),
        ({"colour": "red"}, "colour"),
        ({}, "body"),
        ([], "body"),
    ]
    for body, field in cases:
        response = put(client, "/admin/settings", store.admin(), body)
        assert response.status_code == 400, body
        error = json.loads(response.body)["error"]
        assert error["code"] == "invalid_request" and error["field"] == field, body
        assert field in error["message"] or field == "body"
    assert StoreModel.get(store.store_id).sms_daily_cap == 1000


def test_malformed_json_and_oversized_bodies_are_400(client, store):
    broken = client.http.put("/admin/settings", headers=store.admin(), body=b'{"sms_daily_cap": ')
    assert broken.status_code == 400 and error_code(broken) == "invalid_json"
    huge = client.http.put("/admin/settings", headers=store.admin(),
                           body=json.dumps({"name": "x" * 70_000}))
    assert huge.status_code == 400 and error_code(huge) == "body_too_large"
    empty = client.http.put("/admin/settings", headers=store.admin(), body=b"")
    assert empty.status_code == 400


def test_country_change_is_partial(client, store):
    put(client, "/admin/settings", store.admin(), {"country": "jp", "timezone": "Asia/Tokyo"})
    stored = StoreModel.get(store.store_id)
    assert (stored.country, stored.timezone, stored.sms_daily_cap) == ("JP", "Asia/Tokyo", 1000)


# --- channels ------------------------------------------------------------------------------------

FACEBOOK = {"page_id": "1029384756", "app_secret": "fb-app-secret-0123456789abcdef",
            "verify_token": "verify-me-please", "access_token": "EAAG-page-token-abcdefghij"}


def test_channel_secrets_are_write_only_and_kept_out_of_dynamodb(client, store):
    response = put(client, "/admin/channels/facebook", store.admin(), FACEBOOK)
    assert response.status_code == 200

    shown = json.loads(client.http.get("/admin/channels", headers=store.admin()).body)["items"]
    assert shown == [{"channel": "facebook", "configured": True, "page_id": "1029384756",
                      "app_secret": "****cdef", "verify_token": "****ease", "access_token": "****ghij",
                      "updated_at": shown[0]["updated_at"]}]
    item = ChannelModel.get(store.store_id, "facebook")
    raw_item = json.dumps(item.serialize())
    for secret in ("app_secret", "verify_token", "access_token"):
        assert FACEBOOK[secret] not in raw_item
        assert FACEBOOK[secret] not in response.body.decode()
    parameter = boto3.client("ssm").get_parameter(
        Name=f"{os.environ['SSM_PREFIX']}/stores/{store.store_id}/channels/facebook", WithDecryption=True)
    assert parameter["Parameter"]["Type"] == "SecureString"
    assert json.loads(parameter["Parameter"]["Value"])["app_secret"] == FACEBOOK["app_secret"]


def test_line_channel_needs_its_own_fields(client, store):
    missing = put(client, "/admin/channels/line", store.admin(), {"channel_secret": "s" * 32})
    assert missing.status_code == 400
    assert json.loads(missing.body)["error"]["field"] == "channel_access_token"
    wrong = put(client, "/admin/channels/line", store.admin(), {**FACEBOOK})
    assert wrong.status_code == 400
    unknown = put(client, "/admin/channels/tiktok", store.admin(), FACEBOOK)
    assert unknown.status_code == 404


def test_channel_registry__lists_every_channel_with_its_fields_and_limits(client, store):
    # GIVEN an admin key
    # WHEN the console reads the channel registry
    response = client.http.get("/admin/channel-registry", headers=store.admin())
    # THEN every channel comes in the console's order, with what PUT /admin/channels/{channel} takes
    assert response.status_code == 200
    items = {item["channel"]: item for item in json.loads(response.body)["items"]}
    assert list(items) == ["facebook", "instagram", "whatsapp", "line"]
    assert [(f["name"], f["secret"]) for f in items["facebook"]["fields"]] == [
        ("page_id", False), ("app_secret", True), ("verify_token", True), ("access_token", True)]
    assert [f["name"] for f in items["line"]["fields"]] == ["channel_secret", "channel_access_token"]
    # AND the limits, counted as each platform counts them
    assert (items["line"]["text_limit"], items["line"]["text_counted_in"]) == (5000, "utf16_units")
    assert (items["facebook"]["text_limit"], items["facebook"]["text_counted_in"]) == (640, "characters")
    assert items["whatsapp"]["link_buttons"] is False
    assert [name for name, item in items.items() if item["comment_reply_limit"]] == ["facebook", "instagram"]
    assert [name for name, item in items.items() if item["subscription_handshake"]] == [
        "facebook", "instagram", "whatsapp"]


def test_channel_registry__needs_the_admin_key(client, store):
    # GIVEN a storefront key; WHEN it reads the registry; THEN 403, as every admin route
    assert client.http.get("/admin/channel-registry", headers=store.storefront()).status_code == 403


def test_unconfigured_channel_is_404(client, store):
    assert client.http.get("/admin/channels/whatsapp", headers=store.admin()).status_code == 404


# --- branches and staff ------------------------------------------------------------------------

def test_staff_member_gets_a_staff_key_bound_to_the_branch(client, store):
    branch_id = json.loads(post(client, "/admin/branches", store.admin(), {"name": "Xinyi"}).body)["branch_id"]
    response = post(client, "/admin/staff", store.admin(), {"name": "Amy Chen", "branch_id": branch_id})

    assert response.status_code == 201
    staff = json.loads(response.body)
    assert staff["branch_id"] == branch_id and staff["staff_key"].startswith(f"mlk.{store.store_id}.")
    staff_headers = {"Authorization": f"Bearer {staff['staff_key']}"}
    assert client.http.get("/admin/settings", headers=staff_headers).status_code == 403
    listed = json.loads(client.http.get("/admin/staff", headers=store.admin()).body)
    assert [s["staff_id"] for s in listed["items"]] == [staff["staff_id"]]
    assert "staff_key" not in listed["items"][0]


def test_branch_list_pages_with_an_opaque_cursor(client, store, other_store):
    names = [f"Branch {i}" for i in range(5)]
    for name in names:
        post(client, "/admin/branches", store.admin(), {"name": name})
    seen, cursor = [], None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = json.loads(client.http.get(f"/admin/branches{query}", headers=store.admin()).body)
        assert len(page["items"]) <= 2
        seen += [b["name"] for b in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == names
    first = json.loads(client.http.get("/admin/branches?limit=2", headers=store.admin()).body)
    stolen = client.http.get(f"/admin/branches?cursor={first['next_cursor']}", headers=other_store.admin())
    assert stolen.status_code == 400
    assert client.http.get("/admin/branches?limit=500", headers=store.admin()).status_code == 400


def test_chalice_level_refusals_use_the_contract_error_body(client, store):
    wrong_method = client.http.delete("/admin/settings", headers=store.admin())
    assert wrong_method.status_code == 405
    assert json.loads(wrong_method.body)["error"]["code"] == "method_not_allowed"
    xml = client.http.put("/admin/settings", headers={**store.admin(), "Content-Type": "application/xml"},
                          body=b"<settings/>")
    assert xml.status_code == 415
    assert json.loads(xml.body)["error"]["code"] == "unsupported_media_type"
