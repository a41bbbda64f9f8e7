"""The supervisors' crew routes page in Chromium: plan, map, downloads, re-plan.

The page runs on its own service with its own store, holding the demo's open pothole
requests (so the session store the intake tests file into stays free of open requests).
The oracle of which requests a plan covers is the demo CSV joined to the ward polygons with
geopandas; the downloads are read back with pandas, json and pypdf.
"""

from __future__ import annotations

import io
import json
import threading

import geopandas as gpd
import pandas as pd
import pytest
from pypdf import PdfReader

from geo311.service.records import RequestQuery
from tests.pages.conftest import SCREENSHOTS, axe_check, sign_in

WARD = "8"
DAY = "2026-01-05"


@pytest.fixture(scope="module")
def routes_service(pages_city, demo_dir, tmp_path_factory):
    """A live service whose store holds the demo's open pothole requests; its base URL, the
    store and a staff login."""
    from werkzeug.serving import make_server

    from geo311.service.store import open_store
    from geo311.web import create_app

    rows = pd.read_csv(demo_dir / "requests.csv", dtype=str)
    rows = rows[(rows["status"] == "open") & (rows["service_code"] == "POTHOLE")]
    path = tmp_path_factory.mktemp("routes_history") / "requests.csv"
    rows.to_csv(path, index=False)
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('routes_store') / 'r.sqlite'}")
    store.import_requests(path, "demo", locator=pages_city.locator)
    store.create_staff_user("supervisor", "a long supervisor password")
    app = create_app(pages_city, store, config={"TESTING": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", store, ("supervisor",
                                                          "a long supervisor password"), app
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def ward_potholes(demo_dir, routes_service) -> tuple[set[str], tuple[float, float]]:
    """The store ids of the open potholes in the ward (geopandas oracle) and a depot."""
    rows = pd.read_csv(demo_dir / "requests.csv", dtype=str)
    rows = rows[(rows["status"] == "open") & (rows["service_code"] == "POTHOLE")]
    points = gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(
        rows["lon"].astype(float), rows["lat"].astype(float)), crs="EPSG:4326")
    wards = gpd.read_file(demo_dir / "wards.geojson").to_crs("EPSG:4326")
    ward = wards[wards["ward"].astype(str) == WARD]
    inside = gpd.sjoin(points, ward[["geometry"]], predicate="intersects")
    external = set(inside["service_request_id"])
    stored = routes_service[1].list_requests(RequestQuery(limit=1000))
    ids = {r.service_request_id for r in stored if r.external_id in external}
    assert len(ids) == len(external) >= 8
    depot = ward.geometry.iloc[0].representative_point()
    return ids, (round(depot.x, 5), round(depot.y, 5))


def shown(page) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """Per crew, its table's (ETA, request id) rows; the ids left out."""
    crews = {}
    for section in page.locator("section.crew").all():
        crews[section.get_attribute("data-crew")] = [
            (row.locator("td.eta").inner_text(), row.locator("td.id").inner_text())
            for row in section.locator("table.stops tbody tr").all()]
    dropped = [t.inner_text() for t in page.locator("#dropped td.id").all()]
    return crews, dropped


def test_a_supervisor_plans_the_day_sees_the_map_and_downloads_it(page, guard, routes_service,
                                                                   ward_potholes):
    base, _, login, _ = routes_service
    ids, depot = ward_potholes
    sign_in(page, base, login)
    page.click("header nav >> text=Crew routes")
    page.select_option("#type", "POTHOLE")
    page.select_option("#district", f"ward:{WARD}")
    page.fill("#crews", "2")
    page.fill("#depot", f"{depot[0]},{depot[1]}")
    page.fill("#date", DAY)
    page.fill("#start", "08:00")
    page.fill("#shift", "1.5")
    page.fill("#break", "20")
    page.fill("#break_after", "08:30")
    page.fill("#seconds", "1")
    page.click("#plan-form button[type=submit]")
    page.locator("#route-map[data-drawn]").wait_for()
    crews, dropped = shown(page)
    routed = [i for rows in crews.values() for _, i in rows]
    assert set(crews) == {"crew-1", "crew-2"}
    assert len(set(routed)) == len(routed) and not set(routed) & set(dropped)
    assert set(routed) | set(dropped) == ids
    assert dropped and routed  # 1.5 h each is too short for them all
    assert all(r.strip() for r in page.locator("#dropped tbody td:last-child").all_inner_texts())
    for section, rows in zip(page.locator("section.crew").all(), crews.values(), strict=True):
        etas = [eta for eta, _ in rows]
        assert etas == sorted(etas) and all("08:00" <= e <= "09:30" for e in etas)
        if rows and rows[-1][0] >= "08:30":   # a crew still out at 08:30 takes its break
            pause = section.locator(".break").inner_text()
            begin, end = pause.removeprefix("Break from ").rstrip(".").split(" to ")
            assert "08:30" <= begin and not any(begin < eta < end for eta in etas)
    # the map: a numbered marker per stop, a line per crew with stops
    numbers = sorted(int(t) for t in page.locator(".stop-num").all_inner_texts())
    assert numbers == sorted(k for rows in crews.values() for k in range(1, len(rows) + 1))
    assert page.locator("path.route-line").count() == sum(1 for r in crews.values() if r)
    assert axe_check(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "supervisor_routes.png", full_page=True)
    # downloads of the same plan
    def get(name):
        href = page.get_attribute(f"a:has-text('{name}')", "href")
        response = page.request.get(f"{base}{href}")
        assert response.ok, (name, response.status)
        return response.body()

    table = pd.read_csv(io.BytesIO(get("Stops (CSV)")), dtype={"id": str})
    for crew, rows in crews.items():
        mine = table[table["crew"] == crew].sort_values("seq")
        assert mine["id"].tolist() == [i for _, i in rows]
    features = json.loads(get("Routes (GeoJSON)"))["features"]
    assert sorted(f["properties"]["id"] for f in features
                  if f["properties"]["kind"] == "stop") == sorted(routed)
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(get("Crew sheet (PDF)"))).pages]
    assert len(pages) == 2
    for text, (crew, rows) in zip(pages, crews.items(), strict=True):
        assert f"Crew sheet: {crew}" in text
        flat = "".join(text.split())  # an id may come out of the PDF with a space or a break
        at = [flat.index(i) for _, i in rows]
        assert at == sorted(at)
    assert get("Crew sheet (HTML)").decode().count("<section>") == 2


def test_re_planning_removes_done_stops_and_starts_from_the_last_one(page, guard,
                                                                     routes_service,
                                                                     ward_potholes):
    base, _, login, _ = routes_service
    ids, depot = ward_potholes
    sign_in(page, base, login)
    page.goto(f"{base}/routes?type=POTHOLE&district=ward:{WARD}&crews=2&depot={depot[0]},"
              f"{depot[1]}&date={DAY}&start=08:00&shift=3&seconds=1")
    page.locator("#route-map[data-drawn]").wait_for()
    before, _ = shown(page)
    k, busiest = max(enumerate(before, start=1), key=lambda item: len(before[item[1]]))
    assert len(before[busiest]) >= 3
    done = [i for _, i in before[busiest][:2]]
    data = json.loads(page.locator("script.route-data").text_content())
    last = next(s for s in data["stops"] if s["id"] == done[-1])
    page.select_option(f"#done-{k}", label=f"Up to stop 2 ({done[-1]})")
    page.fill("#now", "10:00")
    page.click("#replan-form button[type=submit]")
    page.locator("#route-map[data-drawn]").wait_for()
    after, dropped = shown(page)
    assert "Re-planned at 10:00" in page.inner_text("[data-testid=summary]")
    routed = [i for rows in after.values() for _, i in rows]
    assert not set(done) & (set(routed) | set(dropped))
    assert set(routed) | set(dropped) == ids - set(done)
    assert all(eta >= "10:00" for rows in after.values() for eta, _ in rows)
    again = json.loads(page.locator("script.route-data").text_content())
    start = next(r for r in again["routes"] if r["crew"] == busiest)["coords"][0]
    assert start == pytest.approx([last["lon"], last["lat"]], abs=3e-3)  # snapped to its street
    # a second re-plan keeps the first one's done stops
    options = page.locator(f"#done-{k} option").all()
    assert options[0].get_attribute("value") == ",".join(done)


def test_the_page_is_for_staff_and_bad_input_is_said(routes_service, ward_potholes):
    base, _, login, app = routes_service
    client = app.test_client()
    answer = client.get("/routes?depot=1,2")
    assert answer.status_code == 302 and "/staff/login" in answer.headers["Location"]
    assert client.get("/routes/sheet.pdf?depot=1,2").status_code == 302
    client.get("/staff/login")
    with client.session_transaction() as session:
        token = session["geo311_csrf"]
    client.post("/staff/login", data={"username": login[0], "password": login[1],
                                      "csrf_token": token})
    assert client.get("/routes").status_code == 200
    for query, words in (("depot=north", "longitude,latitude"),
                         ("depot=1,2&crews=99", "crews must be a number from 1 to 20"),
                         ("depot=1,2&seconds=999", "seconds must be a number"),
                         ("depot=1,2&date=tomorrow", "date is not a date"),
                         ("depot=1,2&shift=1&break=60", "break must be a number from 0 to 59"),
                         (f"depot={ward_potholes[1][0]},{ward_potholes[1][1]}&date={DAY}"
                          "&start=08:00&shift=1&now=10:00", "after the end of the shift"),
                         ("depot=-50,10&type=POTHOLE", "off the street network")):
        answer = client.get(f"/routes?{query}")
        assert answer.status_code == 400, query
        assert words in answer.get_data(as_text=True), query
    sheet = client.get(f"/routes/sheet.html?type=POTHOLE&district=ward:{WARD}&depot="
                       f"{ward_potholes[1][0]},{ward_potholes[1][1]}&date={DAY}&seconds=1")
    assert sheet.status_code == 200 and "style-src 'unsafe-inline'" in sheet.headers[
        "Content-Security-Policy"] and "script" not in sheet.headers["Content-Security-Policy"]
