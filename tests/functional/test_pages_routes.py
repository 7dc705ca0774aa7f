"""The console and staff-app files served by the API, and the conditional GETs the console polls."""

from __future__ import annotations

import re
from typing import Any

from chalicelib import members
from tests.support_accounts import call
from tests.support_channels import deliver, line_delivery, line_event
from tests.support_staff import STOREFRONT_URL, bearer, staff_key

CSP = "default-src 'self'"


def get(client: Any, path: str, headers: dict[str, str] | None = None) -> Any:
    return client.http.get(path, headers=headers or {})


def test_each_app_is_served_with_a_strict_policy_and_an_etag(client):
    for app, own in (("console", "console.js"), ("staff-app", "staff.js")):
        page = get(client, f"/{app}/")
        assert page.status_code == 200
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert page.headers["Content-Security-Policy"].startswith(CSP)
        assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Referrer-Policy"] == "no-referrer"
        html = page.body.decode()
        assert f'src="{own}"' in html and "<script>" not in html and " style=" not in html
        assert not re.search(r"(src|href)=\"(https?:)?//", html), "nothing from another origin"
        module = get(client, f"/{app}/{own}")
        assert module.status_code == 200 and module.headers["Content-Type"].startswith("text/javascript")
        shared = get(client, f"/{app}/api.js")  # common/ files are served under each app
        assert shared.status_code == 200 and b"sessionStorage" in shared.body
        again = get(client, f"/{app}/{own}", {"If-None-Match": module.headers["ETag"]})
        assert again.status_code == 304 and again.body == b""


def test_no_trailing_slash_redirects_and_unknown_files_are_404(client):
    moved = get(client, "/console")
    assert moved.status_code == 301 and moved.headers["Location"] == "console/"
    for name in ("nope.js", "app.py", "..%2Fhttp.py", "INDEX.HTML", ".env"):
        answer = get(client, f"/console/{name}")
        assert answer.status_code == 404, name


def test_an_idle_inbox_poll_is_a_304_and_a_new_message_changes_it(client, store, creds):
    first = get(client, "/admin/conversations", store.admin())
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"
    etag = first.headers["ETag"]
    idle = get(client, "/admin/conversations", {**store.admin(), "If-None-Match": etag})
    assert idle.status_code == 304 and idle.body == b"" and idle.headers["ETag"] == etag

    assert deliver(client, store.store_id, "line", creds, line_delivery(line_event("U" + "1" * 32))).status_code == 200
    changed = get(client, "/admin/conversations", {**store.admin(), "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    [conversation] = changed.json_body["items"]
    assert conversation["unread_count"] == 1 and conversation["reply_window_open"] is True
    path = f"/admin/conversations/{conversation['conversation_id']}"
    for poll in (path, f"{path}/messages"):
        answer = get(client, poll, store.admin())
        assert get(client, poll, {**store.admin(), "If-None-Match": answer.headers["ETag"]}).status_code == 304
    # A list of tags, and a weak one, match too (RFC 9110 weak comparison for If-None-Match)
    tag = get(client, path, store.admin()).headers["ETag"]
    assert get(client, path, {**store.admin(), "If-None-Match": f'"x", W/{tag}'}).status_code == 304
    assert get(client, path, {**store.admin(), "If-None-Match": '"x"'}).status_code == 200


def test_a_member_profile_poll_changes_when_the_member_does(client, store):
    amy = members.create_member(store.store_id, "Amy")
    path = f"/admin/members/{amy.member_id}"
    etag = get(client, path, store.admin()).headers["ETag"]
    assert get(client, path, {**store.admin(), "If-None-Match": etag}).status_code == 304
    assert call(client, "POST", f"{path}/tags", store.admin(), {"tags": ["VIP"]})[0] == 200
    changed = get(client, path, {**store.admin(), "If-None-Match": etag})
    assert changed.status_code == 200 and changed.json_body["tags"] == ["VIP"]


def test_a_new_staff_member_gets_a_sign_in_qr_code_for_the_staff_app(client, store):
    status, branch = call(client, "POST", "/admin/branches", store.admin(), {"name": "Xinyi"})
    status, made = call(client, "POST", "/admin/staff", store.admin(),
                        {"name": "Mei", "branch_id": branch["branch_id"]})
    assert status == 201
    assert made["staff_app_url"].endswith(f"/staff-app/#key={made['staff_key']}")
    assert made["staff_key_qr_svg"].startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert "<script" not in made["staff_key_qr_svg"]


def test_the_line_binding_qr_code_is_drawn_by_the_server(client, store, sandbox):  # sandbox: LINE answers /v2/bot/info
    assert call(client, "PUT", "/admin/settings", store.admin(), {"storefront_url": STOREFRONT_URL})[0] == 200
    assert call(client, "PUT", "/admin/channels/line", store.admin(),
                {"channel_secret": "s" * 32, "channel_access_token": "t" * 40})[0] == 200
    staff = bearer(staff_key(client, store.admin())["key"])
    amy = members.create_member(store.store_id, "Amy", phone="+886912000111")
    status, made = call(client, "POST", "/staff/line-binding-invitations", staff, {"member_id": amy.member_id})
    assert status == 201 and made["qr_svg"].startswith("<svg") and 'viewBox="0 0 ' in made["qr_svg"]
    status, texted = call(client, "POST", "/staff/line-binding-invitations", staff,
                          {"member_id": amy.member_id, "via": "sms"})
    assert status == 201 and texted["qr_svg"] is None


def test_policy_lets_images_come_only_from_this_origin_and_blob_urls(client):
    directives = dict(part.strip().split(" ", 1) for part in
                      get(client, "/console/").headers["Content-Security-Policy"].split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["img-src"] == "'self' blob:"  # message images, fetched with the key, shown from memory
    assert not any("http" in value or "*" in value for value in directives.values())


def test_console_image_limits_match_the_servers():
    from pathlib import Path

    from chalicelib.messages import uploads

    source = (Path(__file__).resolve().parents[2] / "chalicelib/pages/console/images.js").read_text()
    assert f"MAX_IMAGES = {uploads.MAX_IMAGES_PER_MESSAGE};" in source
    assert "MAX_BYTES = 4 * 1024 * 1024;" in source and uploads.DIRECT_MAX_BYTES == 4 * 1024 * 1024
    assert f"TYPES = [{', '.join(repr(t) for t in uploads.CONTENT_TYPES)}];" in source
