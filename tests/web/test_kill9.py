"""kill -9 of ``geo311 serve`` in the middle of a POST load: after a restart, every request
that was acknowledged is in the store exactly once, as it was acknowledged, and no stored
request is half-written (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pandas as pd
import pytest

from geo311.city import City
from geo311.service.definitions import load_definitions
from geo311.service.records import RequestQuery
from geo311.service.store import open_store
from testsupport.served import ServeProcess

CLIENTS = 4


def post_until_refused(url: str, bodies: list[dict], acknowledged: dict, refused: list,
                       stop: threading.Event, lock: threading.Lock) -> None:
    """POST ``bodies`` in turn until the server stops answering; record each acknowledgement
    (id -> the description sent) and each refusal."""
    for body in bodies:
        if stop.is_set():
            return
        data = urllib.parse.urlencode(body).encode()
        try:
            with urllib.request.urlopen(f"{url}/open311/v2/requests.json", data=data,
                                        timeout=10) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            refused.append((error.code, error.read()[:300]))
            return
        except OSError:
            return                   # the server is gone: this POST was never acknowledged
        with lock:
            acknowledged[answer[0]["service_request_id"]] = body["description"]


def filable_points(demo_dir, n: int) -> pd.DataFrame:
    """``n`` demo request points inside the city, of services without required attributes."""
    city = City.open(demo_dir)
    definitions = load_definitions(city.profile)
    free = [code for code in definitions.codes
            if not any(a.required for a in definitions.attributes(code))]
    points = pd.read_csv(demo_dir / "requests.csv", usecols=["service_code", "lon", "lat"])
    points = points[points["service_code"].isin(free)].dropna()
    inside = city.locator.locate_many(points["lon"].to_numpy(), points["lat"].to_numpy(),
                                      near_boundary=False).in_jurisdiction
    return points[inside].head(n)


@pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)
def test_acknowledged_posts_survive_a_kill_9(store_url, demo_dir, tmp_path):
    store = open_store(store_url)
    key = store.create_api_key("kill9 test")
    store.close()
    points = filable_points(demo_dir, 4000)
    bodies = [{"api_key": key, "service_code": r.service_code, "lat": r.lat, "long": r.lon,
               "description": f"kill9 post {i}", "email": f"k{i}@example.org"}
              for i, r in enumerate(points.itertuples())]
    server = ServeProcess(demo_dir, store_url, workers=2, log=tmp_path / "serve.log",
                          extra=["--post-limit", "1000000 per minute"]).start()
    acknowledged: dict[str, str] = {}
    refused: list = []
    stop, lock = threading.Event(), threading.Lock()
    clients = [threading.Thread(target=post_until_refused,
                                args=(server.url, bodies[i::CLIENTS], acknowledged, refused,
                                      stop, lock))
               for i in range(CLIENTS)]
    for client in clients:
        client.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill9()                  # mid-load: clients are posting right now
    stop.set()
    for client in clients:
        client.join(timeout=30)
    assert not refused
    assert len(acknowledged) >= 60

    restarted = ServeProcess(demo_dir, store_url, workers=1,
                             log=tmp_path / "serve.log").start()
    try:
        some = next(iter(acknowledged))
        with urllib.request.urlopen(f"{restarted.url}/open311/v2/requests/{some}.json") as r:
            assert json.loads(r.read())[0]["service_request_id"] == some
    finally:
        restarted.stop()

    store = open_store(store_url)
    try:
        stored = []
        for offset in range(0, store.count_requests() + 1000, 1000):
            stored += store.list_requests(RequestQuery(limit=1000, offset=offset))
        by_id: dict[str, list] = {}
        for row in stored:
            by_id.setdefault(row.service_request_id, []).append(row)
        for request_id, description in acknowledged.items():
            assert len(by_id.get(request_id, [])) == 1, request_id
            assert by_id[request_id][0].description == description
        sent = {b["description"]: b for b in bodies}
        descriptions = [row.description for row in stored]
        assert len(descriptions) == len(set(descriptions))     # no POST stored twice
        for row in stored:                   # acknowledged or not: whole, never half-written
            body = sent[row.description]
            assert (row.service_code, row.status) == (body["service_code"], "open")
            assert abs(row.lon - body["long"]) < 1e-9 and abs(row.lat - body["lat"]) < 1e-9
            assert row.contact.email == body["email"] and row.token
            assert row.districts and all(v is not None for v in row.districts.values())
            history = store.history(row.service_request_id)
            assert [(h["from"], h["to"]) for h in history] == [(None, "open")]
    finally:
        store.close()
