"""Input that once made a 500: every one is now a clear 4xx (or the documented success)."""

from __future__ import annotations

import json


def test_a_superscript_limit_is_a_400_naming_limit(client, store):
    response = client.http.get("/admin/conversations?limit=%C2%B2", headers=store.admin())
    assert response.status_code == 400
    assert json.loads(response.body)["error"]["field"] == "limit"


def test_removing_a_tag_the_member_never_had_answers_the_members_tags(client, store):
    created = client.http.post("/admin/members", headers=store.admin(),
                               body=json.dumps({"name": "Amy", "phone": "+886912345678"}))
    member_id = json.loads(created.body)["member_id"]
    response = client.http.delete(f"/admin/members/{member_id}/tags/0", headers=store.admin())
    assert response.status_code == 200, response.body
    assert json.loads(response.body) == {"member_id": member_id, "tags": []}


def test_a_customer_import_is_read_by_its_csv_label_and_a_json_label_is_a_clear_415(client, store):
    # GIVEN a CSV file
    csv = "Name,Email,Mobile Number,International Calling Code,Is Member\r\nAmy,amy@example.com,,,N\r\n"
    # WHEN it is sent with Excel's label, with a JSON label, and JSON is sent labelled as CSV
    excel = client.http.post("/admin/customer-imports?dry_run=true", body=csv,
                             headers={**store.admin(), "Content-Type": "application/vnd.ms-excel"})
    json_label = client.http.post("/admin/customer-imports?dry_run=true", body=csv,
                                  headers={**store.admin(), "Content-Type": "application/json"})
    not_csv = client.http.post("/admin/customer-imports", body='{"a": 1}',
                               headers={**store.admin(), "Content-Type": "text/csv"})
    # THEN Excel's label is read as CSV, the JSON label is a 415 that names text/csv, and no answer is a 5xx
    assert excel.status_code == 200, excel.body
    assert json_label.status_code == 415 and "text/csv" in json.loads(json_label.body)["error"]["message"]
    assert not_csv.status_code == 400 and json.loads(not_csv.body)["error"]["code"] == "invalid_csv"


def test_thirty_thousand_brackets_are_a_400_on_json_routes(client, store):
    response = client.http.post("/admin/auto-reply-rules", body="[" * 30_000,
                                headers={**store.admin(), "Content-Type": "application/json"})
    assert response.status_code == 400, response.body
