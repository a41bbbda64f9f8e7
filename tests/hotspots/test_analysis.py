"""analyze() and hotspot_map() on the demo, and the hotspots/reallocation commands."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geo311.crews.reallocation import reallocate
from geo311.errors import InputError
from geo311.hotspots.analysis import analyze
from geo311.jurisdiction import Locator
from geo311.profile import load_profile
from geo311.render.hotspot_map import hotspot_map
from geo311.render.report import reallocation_html
from geo311.service.catalog import load_catalog, load_staffing
from geo311.service.requests import (
    RequestFilter,
    columns_from_profile,
    load_requests,
    requests_file,
)

from ..render.test_maps import REMOTE_HREF, REMOTE_LOAD


def _services(locator):
    """The profile's catalog and staffing, as reallocate takes them."""
    return {"catalog": load_catalog(locator.profile), "staffing": load_staffing(locator.profile)}



@pytest.fixture(scope="module")
def demo(demo_dir):
    profile = load_profile(demo_dir)
    return profile, Locator(profile)


@pytest.fixture(scope="module")
def graffiti(demo):
    profile, _ = demo
    return load_requests(requests_file(profile), columns_from_profile(profile),
                         RequestFilter(types=["GRAFFITI"]))


@pytest.mark.parametrize("by", ["ward", "hex", "grid"])
def test_cells_hold_every_located_request_and_gistar_flags_something(demo, graffiti, by):
    _, locator = demo
    result = analyze(graffiti, locator, by=by, method="gistar")
    usable = graffiti.valid
    inside = locator.locate_many(usable.lon, usable.lat).in_jurisdiction
    if by == "ward":
        assert result.cells["count"].sum() == inside.sum()
    else:  # cells clipped to the city by their centres: a few requests fall just outside
        assert abs(result.cells["count"].sum() - inside.sum()) < 0.02 * inside.sum()
    assert set(result.cells["bin"]) <= set(range(-3, 4))
    assert len(result.geometries) == len(result.cells)
    if by != "ward":
        assert (result.cells["bin"] == 3).sum() > 0


def test_the_planted_graffiti_hot_spot_is_the_hottest_hexagon(demo, demo_dir, graffiti):
    _, locator = demo
    spots = [s for s in json.loads((demo_dir / "hotspots_truth.json").read_text())
             if s["service_code"] == "GRAFFITI"]
    result = analyze(graffiti, locator, by="hex", method="gistar")
    hottest = result.cells.sort_values("z", ascending=False).iloc[0]
    distances = [np.hypot((hottest.lon - s["lon"]) * 89_000, (hottest.lat - s["lat"]) * 111_000)
                 for s in spots]
    assert min(distances) < max(s["radius_m"] for s in spots) + 300


def test_the_map_is_offline_bounded_and_escapes_type_names(demo, graffiti):
    _, locator = demo
    frame = graffiti.frame.copy()
    frame.loc[frame.index[:50], "type"] = '<script>alert("x")</script>'
    requests = type(graffiti)(frame, graffiti.report, graffiti.source)
    result = analyze(requests, locator, by="hex", method="gistar")
    page = hotspot_map(result, requests, locator, title="<b>Graffiti</b>")
    assert '<script>alert("x")</script>' not in page
    assert not REMOTE_LOAD.findall(page)
    assert set(REMOTE_HREF.findall(page)) <= {"https://leafletjs.com"}  # Leaflet's credit link
    assert len(page) < 5_000_000


def test_reallocation_report_puts_the_imbalance_first(demo):
    profile, locator = demo
    requests = load_requests(requests_file(profile), columns_from_profile(profile))
    result = reallocate(requests, locator, "Code Enforcement", **_services(locator))
    page = reallocation_html(result, "Code <Enforcement>")
    lead = page[page.index("<body>"):page.index("<table")]
    assert "not</strong> proportional" in lead
    assert f"Ward {result.table.iloc[0]['ward']} files" in lead
    assert "Code &lt;Enforcement&gt;" in page and "Code <Enforcement>" not in page
    assert "data:image/png;base64," in page


def test_optimized_method_picks_a_band_and_refuses_too_few_districts(demo, graffiti):
    _, locator = demo
    result = analyze(graffiti, locator, by="grid", method="optimized")
    assert "no peak: mean distance to the 30th nearest neighbor" in result.neighborhood
    assert (result.cells["bin"] == 3).any()
    with pytest.raises(InputError, match="at least 30 features are needed, got 11"):
        analyze(graffiti, locator, by="ward", method="optimized")


def test_lisa_finds_the_planted_graffiti_spot_as_high_high(demo, demo_dir, graffiti):
    _, locator = demo
    result = analyze(graffiti, locator, by="hex", method="lisa")
    cells = result.cells
    assert set(cells["cluster"]) <= {"HH", "LL", "HL", "LH", "ns"}
    high = cells[cells["cluster"] == "HH"]
    assert len(high) > 0 and (high["q"] == 1).all() and (high["p_fdr"] <= 0.05).all()
    spots = [s for s in json.loads((demo_dir / "hotspots_truth.json").read_text())
             if s["service_code"] == "GRAFFITI"]
    for cell in high.itertuples():
        distance = min(np.hypot((cell.lon - s["lon"]) * 89_000, (cell.lat - s["lat"]) * 111_000)
                       for s in spots)
        assert distance < max(s["radius_m"] for s in spots) + 600
    page = hotspot_map(result, graffiti, locator)
    assert "High-high cluster" in page and "Clusters and outliers" in page


def test_district_cells_carry_rates_and_service_levels_into_the_popups(demo, graffiti):
    profile, locator = demo
    result = analyze(graffiti, locator, by="ward", method="counts",
                     as_of="2026-01-01", catalog=load_catalog(profile))
    cells = result.cells
    for column in ("share", "per_1000_residents", "per_km2", "median_days_to_close",
                   "pct_closed_within_sla", "open_backlog", "open_past_sla"):
        assert cells[column].notna().all(), column
    assert cells["share"].sum() == pytest.approx(1.0)
    page = hotspot_map(result, graffiti, locator)
    assert "Per 1,000 residents" in page and "Closed within SLA (%)" in page


def _near(cells, spot, radius_m):
    distance = np.hypot((cells["lon"] - spot["lon"]) * 89_000,
                        (cells["lat"] - spot["lat"]) * 111_000)
    return cells[distance < radius_m]


def test_emerging_finds_the_encampments_that_began_in_april_2025(demo, demo_dir):
    """HS4 (encampments from 2025-04-01 on) is hot in the last 9 of 24 months only."""
    profile, locator = demo
    truth = {s["id"]: s for s in json.loads((demo_dir / "hotspots_truth.json").read_text())}
    encampments = load_requests(requests_file(profile), columns_from_profile(profile),
                                RequestFilter(types=["ENCAMPMENT"]))
    result = analyze(encampments, locator, by="grid", cell_m=200, method="emerging",
                     start="2024-01-01", end="2026-01-01")
    assert result.emerging.z.shape == (len(result.cells), 24)
    assert len(result.as_dict()["steps"]) == 24
    cells = result.cells
    centre = _near(cells, truth["HS4"], truth["HS4"]["radius_m"])
    assert (centre["category"] == "consecutive hot spot").mean() >= 0.5
    assert centre["hot_steps"].max() <= 10  # never hot before the spot began
    # the rest of the city has no consecutive or persistent pattern
    elsewhere = cells.drop(_near(cells, truth["HS4"], 1_000).index)
    assert not elsewhere["category"].isin(["consecutive hot spot",
                                           "persistent hot spot"]).any()
    page = hotspot_map(result, encampments, locator)
    assert "Consecutive hot spot" in page and "Hot in" in page


def test_emerging_calls_the_two_year_graffiti_corridor_persistent(demo, demo_dir, graffiti):
    _, locator = demo
    truth = {s["id"]: s for s in json.loads((demo_dir / "hotspots_truth.json").read_text())}
    result = analyze(graffiti, locator, by="hex", method="emerging")
    centre = _near(result.cells, truth["HS1"], truth["HS1"]["radius_m"])
    assert len(centre) and centre["category"].isin(
        ["persistent hot spot", "intensifying hot spot", "diminishing hot spot"]).all()


def test_a_million_requests_make_a_page_under_5_mb(demo):
    """Aggregation bounds the page: one feature per cell, never one per request."""
    profile, locator = demo
    requests = load_requests(requests_file(profile), columns_from_profile(profile))
    rng = np.random.default_rng(311)
    frame = requests.valid.iloc[rng.integers(0, len(requests.valid), 1_000_000)]
    frame = frame.reset_index(drop=True).assign(
        lon=lambda f: f["lon"] + rng.normal(0, 0.003, len(f)),
        lat=lambda f: f["lat"] + rng.normal(0, 0.003, len(f)))
    million = type(requests)(frame, requests.report, requests.source)
    result = analyze(million, locator, by="hex", method="gistar")
    page = hotspot_map(result, million, locator, title="All requests")
    print(f"1,000,000 requests: {len(result.cells):,} cells, page {len(page) / 1e6:.2f} MB")
    assert len(page.encode()) <= 5_000_000
    assert 1_000 < page.count("\"type\": \"Feature\"") < 20_000  # cells, bins, types
