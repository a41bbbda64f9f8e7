"""POST /api/v1/routes: crew routes through the stored open requests (staff only).

The oracle is the seeded CSV (pandas): which requests are open, of the type and in the
district asked; feasibility is checked from the answer with haversine distances (the
travel model is at least the straight line) and the shift bounds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo311.service.records import RequestQuery

DAY = "2026-01-05"


def _haversine_m(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))


@pytest.fixture(scope="module")
def selection(served):
    """The busiest (district, type) of the open seeded requests with a location."""
    rows = served.rows
    key = next(c.removesuffix("_id") for c in rows.columns if c.endswith("_id")
               and c != "service_request_id")
    open_ = rows[(rows["status"] == "open") & rows["lon"].notna() & rows[f"{key}_id"].notna()]
    (district, code), group = max(open_.groupby([f"{key}_id", "service_code"]),
                                  key=lambda item: len(item[1]))
    return key, district, code, group


def _post(served, body, key="staff"):
    headers = {} if key is None else {"X-API-Key": served.staff_key if key == "staff" else key}
    return served.app.test_client().post("/api/v1/routes", json=body, headers=headers)


def test_routes_cover_exactly_the_open_requests_of_the_selection(served, selection):
    key, district, code, group = selection
    assert len(group) >= 3
    depot = [float(group["lon"].mean()), float(group["lat"].mean())]
    response = _post(served, {"types": [code], "districts": {key: [district]},
                              "depots": [depot], "crews": 2, "date": DAY, "start": "08:00",
                              "shift_hours": 8, "time_limit": 1})
    assert response.status_code == 200, response.json
    answer = response.json
    stops = [s for route in answer["routes"] for s in route["stops"]]
    # each stop is a stored request: back to the CSV's ids through the stored external ids
    stored = served.store.list_requests(RequestQuery(limit=1000))
    external = {r.service_request_id: r.external_id for r in stored}
    routed = [s["id"] for s in stops]
    dropped = [d["id"] for d in answer["dropped"]]
    assert len(set(routed)) == len(routed)              # no request visited twice
    assert not set(routed) & set(dropped)
    assert {external[i] for i in routed + dropped} == set(group["service_request_id"])
    assert all(s["type"] == code for s in stops)
    # feasibility: within the shift, in order, no faster than the straight line allows
    speed = served.city.profile.routing.speed_kmh / 3.6
    start = pd.Timestamp(f"{DAY} 08:00")
    end = start + pd.Timedelta(hours=8)
    for route in answer["routes"]:
        previous = (depot[0], depot[1], start)
        for stop in sorted(route["stops"], key=lambda s: s["seq"]):
            eta, depart = pd.Timestamp(stop["eta"]), pd.Timestamp(stop["depart"])
            assert start <= eta <= depart <= end
            need = _haversine_m(previous[0], previous[1], stop["lon"], stop["lat"]) / speed
            assert (eta - previous[2]).total_seconds() >= need - 1.0
            previous = (stop["lon"], stop["lat"], depart)
        back = _haversine_m(previous[0], previous[1], depot[0], depot[1]) / speed
        assert (previous[2] + pd.Timedelta(seconds=back - 1.0)) <= end
    # the GeoJSON: one point per visit, at the stop
    points = [f for f in answer["geojson"]["features"] if f["properties"]["kind"] == "stop"]
    assert sorted(f["properties"]["id"] for f in points) == sorted(routed)


def test_each_crew_takes_its_break_after_the_time_asked(served, selection):
    key, district, code, group = selection
    depot = [float(group["lon"].mean()), float(group["lat"].mean())]
    response = _post(served, {"types": [code], "districts": {key: [district]}, "date": DAY,
                              "depots": [depot], "crews": 1, "shift_hours": 8,
                              "break_minutes": 30, "break_after": "08:20", "time_limit": 1})
    assert response.status_code == 200, response.json
    route = response.json["routes"][0]
    start, end = pd.Timestamp(route["break_start"]), pd.Timestamp(route["break_end"])
    assert end - start == pd.Timedelta(minutes=30)
    assert start >= pd.Timestamp(f"{DAY} 08:20")
    for stop in route["stops"]:   # no visit during the break
        eta, depart = pd.Timestamp(stop["eta"]), pd.Timestamp(stop["depart"])
        assert depart <= start or eta >= end or depart == end
    assert pd.Timestamp(route["back"]) <= pd.Timestamp(f"{DAY} 16:00")


def test_a_list_of_crews_with_skills_keeps_each_crew_to_its_skill(served, selection):
    key, district, code, group = selection
    depot = [float(group["lon"].mean()), float(group["lat"].mean())]
    response = _post(served, {"districts": {key: [district]}, "date": DAY, "time_limit": 1,
                              "crews": [{"id": "only", "depot": depot, "skills": [code]},
                                        {"id": "none", "depot": depot,
                                         "skills": ["NO_SUCH_TYPE"]}]})
    assert response.status_code == 200, response.json
    for route in response.json["routes"]:
        types = {s["type"] for s in route["stops"]}
        assert types <= ({code} if route["crew"] == "only" else set())


def test_routes_need_a_staff_key_and_good_input(served, selection):
    key, district, code, group = selection
    depot = [float(group["lon"].mean()), float(group["lat"].mean())]
    good = {"types": [code], "depots": [depot], "date": DAY, "time_limit": 0.5}
    assert _post(served, good, key=None).status_code == 401
    assert _post(served, good, key=served.public_key).status_code == 403
    bad = [{**good, "depots": []}, {**good, "depots": [[depot[0]]]},
           {**good, "depots": [["a", "b"]]}, {**good, "crews": 0}, {**good, "crews": 51},
           {**good, "crews": True}, {**good, "crews": [{"id": "x"}]},
           {**good, "date": "05/01/2026"}, {**good, "date": "2026-13-45"},
           {**good, "start": "8am"}, {**good, "shift_hours": 0}, {**good, "time_limit": 31},
           {**good, "time_limit": "fast"}, {**good, "types": [1]},
           {**good, "districts": ["x"]}, {**good, "districts": {"no_such_layer": ["1"]}},
           {**good, "types": ["NO_SUCH_TYPE"]}, {**good, "depots": [[500.0, 0.0]]},
           {**good, "break_minutes": 8 * 60}, {**good, "break_minutes": -1},
           {**good, "break_minutes": 30, "break_after": "noon"}]
    for body in bad:
        response = _post(served, body)
        assert response.status_code == 400, (body, response.json)
        assert response.json[0]["code"] == 400
    client = served.app.test_client()
    form = client.post("/api/v1/routes", data={"depots": "1,2"},
                       headers={"X-API-Key": served.staff_key})
    assert form.status_code == 400
