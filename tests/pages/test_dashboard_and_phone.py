"""The planners' dashboard in Chromium, and every page at phone width (375 px)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from urllib.parse import quote

import geopandas as gpd
import pandas as pd
import sqlalchemy
from playwright.sync_api import expect

from geo311.service.records import NewRequest
from tests.pages.conftest import SCREENSHOTS, axe_check, sign_in
from tests.pages.places import inside, outside


def test_the_dashboard_map_draws_and_its_table_matches_an_independent_count(
        signed_in, live_server, demo_dir, pages_store, pages_store_url, points):
    """The dashboard of a service with a store shows the stored requests: the imported
    slice of the history and one request filed through the store."""
    here = inside(points)
    pages_store.create_request(NewRequest(
        service_code="GRAFFITI", service_name="Graffiti Removal", lon=here.lon, lat=here.lat,
        address=here.address, requested_datetime=datetime(2025, 3, 15, 12, tzinfo=UTC)))
    page = signed_in
    page.goto(f"{live_server}/dashboard?type=GRAFFITI&start=2025-01-01&end=2025-07-01"
              "&by=ward&method=counts&department=Public+Works")
    page.locator(".map path.cell").first.wait_for()
    page.locator(".map path.water").first.wait_for()  # the profile's water, under the cells
    # the city and its neighbors, outlined and named (oracle: the layer files' names)
    page.locator(".map .limit-label").first.wait_for()
    places = gpd.read_file(demo_dir / "places.geojson")
    contacts = pd.read_csv(demo_dir / "contacts.csv", dtype=str).set_index("id")["name"]
    neighbors = set(places["slug"].map(contacts).fillna(places["name"]))
    city = gpd.read_file(demo_dir / "city.geojson")
    named = set(page.locator(".map .limit-label").all_inner_texts())
    assert set(city["name"]) <= named and len(named & neighbors) >= 3, named
    assert named <= neighbors | set(city["name"])
    assert page.locator(".map path.limit").count() == len(named)
    # oracle: the store's table read with pandas (naive bounds are UTC), joined to the ward
    # polygons with geopandas, counted by pandas
    engine = sqlalchemy.create_engine(pages_store_url)
    rows = pd.read_sql("SELECT service_code, requested_datetime, lon, lat FROM requests",
                       engine)
    engine.dispose()
    when = pd.to_datetime(rows["requested_datetime"], utc=True)
    start, end = pd.Timestamp("2025-01-01", tz="UTC"), pd.Timestamp("2025-07-01", tz="UTC")
    rows = rows[(rows["service_code"] == "GRAFFITI") & (when >= start) & (when < end)]
    assert len(rows) > 1000  # the imported slice is there, not just the filed request
    points_ = gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(
        rows["lon"].astype(float), rows["lat"].astype(float)), crs="EPSG:4326")
    wards = gpd.read_file(demo_dir / "wards.geojson").to_crs("EPSG:4326")
    joined = gpd.sjoin(points_, wards[["name", "geometry"]], predicate="intersects")
    counts = joined[~joined.index.duplicated()].groupby("name").size()
    shown = {}
    for row in page.locator("#districts tbody tr").all():
        name = row.locator("th").inner_text()
        shown[name] = (row.locator("td[data-column=count]").inner_text(),
                       row.locator("td[data-column=share]").inner_text())
    assert set(shown) == set(wards["name"])
    total = counts.sum()
    for name, (count, share) in shown.items():
        expected = int(counts.get(name, 0))
        assert count == f"{expected:,}"
        assert share == f"{100 * expected / total:.1f}%"
    drawn = page.locator(".map path.cell").count()
    assert drawn == int((counts > 0).sum())
    # plain words, formatted numbers
    headers = page.locator("#districts thead").inner_text()
    assert "Share of requests" in headers and "_" not in headers
    crews = page.locator("#crews").inner_text()
    assert "Crews now" in crews and "Suggested crews" in crews
    verdict = page.text_content("[data-testid=verdict]")
    assert "p-value" in verdict
    assert axe_check(page) == []
    downloads = {}
    for link, kind in (("Table (CSV)", "text/csv"), ("Map (GeoJSON)", "application/geo+json"),
                       ("Map (PNG)", "image/png")):
        href = page.get_by_role("link", name=link).get_attribute("href")
        answer = page.request.get(f"{live_server}{href}")
        assert answer.ok and answer.headers["content-type"].startswith(kind)
        downloads[kind] = answer.body()
    table = pd.read_csv(io.BytesIO(downloads["text/csv"]))  # the same view, unformatted
    assert dict(zip(table["District"], table["Requests"], strict=True)) == \
        {name: int(counts.get(name, 0)) for name in wards["name"]}
    cells = json.loads(downloads["application/geo+json"])["features"]
    assert sum(f["properties"]["requests"] for f in cells) == total
    assert downloads["image/png"].startswith(b"\x89PNG\r\n\x1a\n")


def test_the_dashboard_draws_gi_star_hot_spots_with_a_legend(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server}/dashboard?type=GRAFFITI&method=gistar")
    page.locator(".map path.cell").first.wait_for()
    legend = page.locator(".legend").inner_text()
    assert "Hot spot, 99% confidence" in legend
    assert axe_check(page) == []


def test_every_page_fits_a_phone_and_passes_axe(browser, live_server, staff_login, points,
                                                 pages_store):
    """Screenshots at 375 px go to out/screenshots/ (CI keeps them as artifacts)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 375, "height": 812},
                                  device_scale_factor=1, is_mobile=True, has_touch=True)
    outside_hosts = []
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(f"{live_server}/")
                  else (outside_hosts.append(route.request.url), route.abort()))
    page = context.new_page()
    here = inside(points)
    filed = pages_store.create_request(NewRequest(service_code="TREE", lon=here.lon,
                                                  lat=here.lat, address=here.address))
    pages = {
        "home": "/",
        "serves": f"/serves?address={quote(here.address)}",
        "serves-outside": f"/serves?address={quote(outside(points).address)}",
        "report": "/report?service_code=POTHOLE",
        "status-lookup": "/status",
        "status": f"/status/{filed.token}",
        "sign-in": "/staff/login",
    }
    for name, url in pages.items():
        page.goto(f"{live_server}{url}")
        _check_phone(page, name)
    sign_in(page, live_server, staff_login)
    for name, url in {"intake": "/intake?service_code=BULKY",
                      "dashboard": "/dashboard?type=POTHOLE&method=lisa"}.items():
        page.goto(f"{live_server}{url}")
        if name == "intake":
            page.fill("#address", here.address)
            page.press("#address", "Enter")
            page.locator(".card").wait_for()
        _check_phone(page, name)
    context.close()
    assert outside_hosts == []


def _check_phone(page, name: str) -> None:
    if page.locator(".map").count():
        page.locator(".map path").first.wait_for()
    page.screenshot(path=SCREENSHOTS / f"{name}-375.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{name}: the page is {width} px wide at 375 px"
    expect(page.locator("h1")).to_be_visible()
    assert axe_check(page) == [], name
