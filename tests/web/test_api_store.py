"""/api/v1 over a seeded store: nearby, hot spots, duplicates at validation, staff actions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geo311.service.records import CONTACT_FIELDS, NewRequest, RequestQuery


def haversine_m(lon1, lat1, lon2, lat2):
    """Great-circle distance in metres (the test's own oracle)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))


@pytest.fixture()
def client(served):
    return served.app.test_client()


def staff(served):
    return {"X-API-Key": served.staff_key}


def test_nearby_finds_the_open_requests_a_brute_force_finds_without_contact_details(served,
                                                                                     client):
    rows = served.rows.dropna(subset=["lon", "lat"])
    open_rows = rows[rows["status"] == "open"]
    assert len(open_rows) >= 5
    for centre in open_rows.head(5).itertuples():
        distance = haversine_m(centre.lon, centre.lat, rows["lon"], rows["lat"])
        near = rows[(distance <= 800) & (rows["status"] == "open")]
        response = client.get(f"/api/v1/nearby?lon={centre.lon}&lat={centre.lat}"
                              "&radius_m=800&limit=100")
        assert response.status_code == 200
        found = response.json["requests"]
        stored = {served.store.get_request(f["service_request_id"]).external_id for f in found}
        assert stored == set(near["service_request_id"])
        assert [f["distance_m"] for f in found] == sorted(f["distance_m"] for f in found)
        text = response.get_data(as_text=True)
        assert "example.org" not in text and "555-01" not in text
        assert not any(set(CONTACT_FIELDS) & set(f) for f in found)


def test_hotspot_counts_by_ward_match_a_groupby(served, client):
    response = client.get("/api/v1/hotspots?by=ward&method=counts&top=100")
    assert response.status_code == 200, response.json
    got = {cell["id"]: cell["count"] for cell in response.json["top"] if cell["count"]}
    rows = served.rows.dropna(subset=["ward_id"])
    assert got == rows.groupby("ward_id").size().to_dict()
    code = served.rows["service_code"].mode()[0]
    response = client.get(f"/api/v1/hotspots?by=ward&method=counts&top=100&type={code}")
    got = {cell["id"]: cell["count"] for cell in response.json["top"] if cell["count"]}
    rows = rows[rows["service_code"] == code]
    assert got == rows.groupby("ward_id").size().to_dict()


def test_hotspots_refuse_an_unknown_method_and_an_empty_selection(client):
    assert client.get("/api/v1/hotspots?method=magic").status_code == 400
    response = client.get("/api/v1/hotspots?type=NO_SUCH_SERVICE")
    assert response.status_code == 400
    assert "no stored request" in response.json[0]["description"]


def test_validate_with_a_service_lists_recent_open_requests_nearby(served, client):
    answer = served.city.validator.validate("1200 n main street")
    assert answer["lon"] is not None
    fresh = served.store.create_request(NewRequest(
        service_code="POTHOLE", lon=answer["lon"] + 0.0002, lat=answer["lat"], source="api"))
    response = client.get("/api/v1/validate?address=1200+n+main+street&service_code=POTHOLE")
    duplicates = response.json["possible_duplicates"]
    ids = [d["service_request_id"] for d in duplicates]
    assert fresh.service_request_id in ids
    expected = haversine_m(answer["lon"], answer["lat"], fresh.lon, fresh.lat)
    [mine] = [d for d in duplicates if d["service_request_id"] == fresh.service_request_id]
    assert math.isclose(mine["distance_m"], float(expected), abs_tol=0.5)
    other = client.get("/api/v1/validate?address=1200+n+main+street&service_code=GRAFFITI")
    assert fresh.service_request_id not in [
        d["service_request_id"] for d in other.json["possible_duplicates"]]


@pytest.mark.parametrize("path", ["/api/v1/staff/requests", "/api/v1/staff/requests/x"])
def test_staff_endpoints_need_a_staff_key(served, client, path):
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"X-API-Key": "abc.def"}).status_code == 403
    assert client.get(path, headers={"X-API-Key": served.public_key}).status_code == 403
    assert client.post(path + "/status", data={"status": "closed"}).status_code in (401, 404,
                                                                                    405)


def test_staff_listing_has_contact_details(served, client):
    response = client.get("/api/v1/staff/requests?limit=50", headers=staff(served))
    assert response.status_code == 200
    listed = response.json["requests"]
    assert len(listed) == 50
    assert all(row["email"] and row["email"].endswith("@example.org") for row in listed
               if row["source"] == "import:test")


def test_staff_actions_change_the_request_and_write_the_audit_log(served, client):
    first, second = served.store.list_requests(
        RequestQuery(
            statuses=("open",), limit=2))
    rid = first.service_request_id
    response = client.post(f"/api/v1/staff/requests/{rid}/status", headers=staff(served),
                           data={"status": "closed", "note": "fixed <b>today</b>"})
    assert response.status_code == 200 and response.json["status"] == "closed"
    assert served.store.get_request(rid).status == "closed"
    [last] = served.store.history(rid)[-1:]
    assert (last["actor"], last["to"], last["note"]) == ("alice", "closed", "fixed <b>today</b>")
    response = client.post(f"/api/v1/staff/requests/{rid}/assign", headers=staff(served),
                           json={"assignee": "crew 7"})
    assert response.json["assignee"] == "crew 7"
    response = client.post(f"/api/v1/staff/requests/{second.service_request_id}/duplicate",
                           headers=staff(served), data={"duplicate_of": rid})
    assert response.json["duplicate_of"] == rid
    assert served.store.get_request(second.service_request_id).status == "closed"
    response = client.post(f"/api/v1/staff/requests/{rid}/notes", headers=staff(served),
                           data={"note": "called back", "public": "true"})
    assert response.status_code == 201
    actions = [(row["actor"], row["action"]) for row in served.store.audit_log(request_id=rid)]
    assert [a for a in actions if a[0] == "alice"] == [
        ("alice", "change_status"), ("alice", "assign"), ("alice", "add_note")]
    detail = client.get(f"/api/v1/staff/requests/{rid}", headers=staff(served)).json
    assert detail["notes"][-1]["text"] == "called back" and detail["history"]


def test_staff_status_refuses_a_bad_status_and_an_unknown_request(served, client):
    rid = served.store.list_requests(
        RequestQuery(
            limit=1))[0].service_request_id
    response = client.post(f"/api/v1/staff/requests/{rid}/status", headers=staff(served),
                           data={"status": "<script>x</script>"})
    assert response.status_code == 400
    response = client.post("/api/v1/staff/requests/nope/status", headers=staff(served),
                           data={"status": "closed"})
    assert response.status_code == 404
    before = served.store.history(rid)
    for body in ({"status": "closed", "note": "done\x00"}, {"note": "a\x00", "public": True}):
        path = "status" if "status" in body else "notes"
        response = client.post(f"/api/v1/staff/requests/{rid}/{path}", headers=staff(served),
                               json=body)
        assert response.status_code == 400 and "NUL" in response.json[0]["description"]
    assert served.store.history(rid) == before


def test_a_staff_login_stands_for_a_staff_key_until_logout(served):
    served.store.create_staff_user("bob", "correct horse battery")
    client = served.app.test_client()
    response = client.post("/api/v1/staff/login", data={"username": "bob", "password": "nope"})
    assert response.status_code == 403
    assert client.get("/api/v1/staff/requests?limit=1").status_code == 401
    response = client.post("/api/v1/staff/login",
                           json={"username": "bob", "password": "correct horse battery"})
    assert response.status_code == 200
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    [row] = client.get("/api/v1/staff/requests?limit=1").json["requests"]
    rid = row["service_request_id"]
    client.post(f"/api/v1/staff/requests/{rid}/assign", data={"assignee": "crew 2"})
    assert served.store.audit_log(request_id=rid)[-1]["actor"] == "bob"
    assert client.post("/api/v1/staff/logout").status_code == 200
    assert client.get("/api/v1/staff/requests?limit=1").status_code == 401
