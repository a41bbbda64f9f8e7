"""POST /api/v1/staff/requests/<id>/location: a staff member confirms or moves a request's
place; the point joins the address reference (validate answers it at once), the request
moves with its districts, and refusals say why."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from geo311.service.records import RequestQuery
from geo311.service.store.learned import learned_rows


@pytest.fixture()
def client(served):
    return served.app.test_client()


def staff(served):
    return {"X-API-Key": served.staff_key}


@pytest.fixture(scope="module")
def place(demo_dir):
    """An address the reference lacks (a known number + 2) and a point 3 m from that known
    point's: ``(address, lon, lat)``."""
    points = pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)
    points = points[points.jurisdiction == "rivergate"]
    taken = set(zip(points.HouseNumber, points.Direction, points.StreetName, strict=True))
    for row in points.itertuples():
        number = str(int(row.HouseNumber) + 2)
        if (number, row.Direction, row.StreetName) not in taken:
            street = " ".join(p for p in (row.Direction, row.StreetName, row.Suffix) if p)
            lat = float(row.Latitude)
            return (f"{number} {street}",
                    float(row.Longitude) + 3 / (111_320 * math.cos(math.radians(lat))), lat)
    raise AssertionError("no free number")


def _open_request(served):
    return next(r for r in served.store.list_requests(RequestQuery(statuses=("open",),
                                                                   limit=50))
                if r.lon is not None and r.address)


def test_a_moved_place_is_learned_and_the_request_moves(served, client, place):
    address, lon, lat = place
    before = client.get("/api/v1/validate", query_string={"address": address}).json
    assert before["match_type"] != "exact"
    stored = _open_request(served)
    response = client.post(f"/api/v1/staff/requests/{stored.service_request_id}/location",
                           headers=staff(served), json={"lon": lon, "lat": lat,
                                                        "address": address.lower()})
    assert response.status_code == 200, response.json
    [learned] = response.json["learned"]
    assert (learned["status"], learned["kind"], learned["address"]) == ("learned", "point",
                                                                       address)
    assert (learned["actor"], learned["source"], learned["request_id"]) == (
        "alice", "staff", stored.service_request_id)
    after = client.get("/api/v1/validate", query_string={"address": address}).json
    assert (after["match_type"], after["lon"], after["lat"]) == ("exact", lon, lat)
    moved = served.store.get_request(stored.service_request_id)
    assert (moved.lon, moved.lat, moved.address) == (lon, lat, address)
    located = served.city.locator.locate(lon, lat)["districts"]
    assert moved.districts == {k: (v or {}).get("id") for k, v in located.items()}
    audit = served.store.audit_log(request_id=stored.service_request_id)
    assert audit[-1]["action"] == "move_location"
    assert audit[-1]["detail"]["from"] == [stored.lon, stored.lat, stored.address]
    assert learned_rows(served.store)[-1].learned.lon == lon


def test_a_wrong_click_moves_the_request_but_is_not_learned(served, client, place):
    address, lon, lat = place
    stored = _open_request(served)
    far_lon = lon + 1500 / (111_320 * math.cos(math.radians(lat)))
    if not served.city.locator.locate(far_lon, lat)["in_jurisdiction"]:
        far_lon = lon - 1500 / (111_320 * math.cos(math.radians(lat)))
    number = int(address.split()[0]) + 400
    text = f"{number} {address.split(' ', 1)[1]}"
    response = client.post(f"/api/v1/staff/requests/{stored.service_request_id}/location",
                           headers=staff(served), data={"lon": far_lon, "lat": lat,
                                                        "address": text})
    assert response.status_code == 200
    [learned] = response.json["learned"]
    assert learned["status"] == "rejected", learned
    assert learned["reason"]
    answer = client.get("/api/v1/validate", query_string={"address": text}).json
    assert (answer["lon"], answer["lat"]) != (far_lon, lat)


def test_bad_calls_are_refused_and_change_nothing(served, client, place):
    address, lon, lat = place
    stored = _open_request(served)
    url = f"/api/v1/staff/requests/{stored.service_request_id}/location"
    count = len(learned_rows(served.store, status=None))
    assert client.post(url, json={"lon": lon, "lat": lat}).status_code == 401
    assert client.post(url, json={"lon": lon, "lat": lat},
                       headers={"X-API-Key": served.public_key}).status_code == 403
    for body, field in (({"lon": lon}, "lat"), ({"lon": "east", "lat": lat}, "lon"),
                        ({"lon": 0.0, "lat": 0.0}, "outside"), ({"lon": True, "lat": lat}, "lon"),
                        ({"lon": 500, "lat": lat}, "lon")):
        response = client.post(url, json=body, headers=staff(served))
        assert response.status_code == 400, (body, response.json)
        assert field in response.get_data(as_text=True)
    missing = client.post("/api/v1/staff/requests/nope/location", json={"lon": lon, "lat": lat},
                          headers=staff(served))
    assert missing.status_code == 404
    assert len(learned_rows(served.store, status=None)) == count
    assert served.store.get_request(stored.service_request_id).lon == stored.lon
