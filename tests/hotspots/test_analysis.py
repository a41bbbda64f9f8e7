"""analyze() and hotspot_map() on the demo, and the hotspots/reallocation commands."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from geo311.cli import main
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


def test_hotspots_and_reallocation_commands(demo_dir, tmp_path):
    runner = CliRunner()
    out = tmp_path / "map.html"
    result = runner.invoke(main, ["hotspots", "--profile", str(demo_dir), "--type", "GRAFFITI",
                                  "--by", "hex", "--out", str(out), "--json",
                                  str(tmp_path / "h.json")])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 100_000
    summary = json.loads(result.output)
    assert summary["bins"]["3"] > 0 and summary["requests"]["invalid"]
    assert len(json.loads((tmp_path / "h.json").read_text())["cells"]) == summary["cells"]
    result = runner.invoke(main, ["reallocation", "--profile", str(demo_dir), "--department",
                                  "Code Enforcement", "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert "chi-square" in result.output.splitlines()[0]
    result = runner.invoke(main, ["hotspots", "--profile", str(demo_dir), "--by", "precinct"])
    assert result.exit_code == 1 and "by must be one of ward" in result.output


def test_hotspots_kde_writes_a_geotiff_and_a_png(demo_dir, tmp_path):
    import rasterio

    result = CliRunner().invoke(main, ["hotspots", "--profile", str(demo_dir), "--type",
                                       "POTHOLE", "--method", "kde", "--cell-m", "100",
                                       "--out", str(tmp_path / "potholes.html")])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    with rasterio.open(summary["geotiff"]) as raster:
        values = raster.read(1)
        assert raster.res == (100.0, 100.0) and raster.crs.to_epsg() == 32611
    # the integral of the surface is the number of requests on it
    kept = summary["requests"]["kept"] - sum(summary["requests"]["invalid"].values())
    assert values.sum() * 100 * 100 == pytest.approx(kept, rel=0.05)
    assert (tmp_path / "potholes.png").stat().st_size > 10_000


def test_optimized_method_picks_a_band_and_refuses_too_few_districts(demo, graffiti):
    _, locator = demo
    result = analyze(graffiti, locator, by="grid", method="optimized")
    assert "no peak: mean distance to the 30th nearest neighbour" in result.neighbourhood
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


def test_hotspots_command_writes_a_static_png_and_lisa_summary(demo_dir, tmp_path):
    from PIL import Image

    png = tmp_path / "graffiti.png"
    result = CliRunner().invoke(main, ["hotspots", "--profile", str(demo_dir), "--type",
                                       "GRAFFITI", "--by", "hex", "--method", "lisa",
                                       "--png", str(png)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["clusters"]["HH"] > 0 and sum(summary["clusters"].values()) == summary["cells"]
    with Image.open(png) as image:
        assert image.size == (800, 800)
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    # the HH red of the legend and the cells is drawn
    assert (np.abs(pixels.astype(int) - [0xd7, 0x19, 0x1c]).sum(axis=1) < 10).sum() > 500


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


def test_emerging_command_reports_patterns_and_refuses_too_few_steps(demo_dir, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["hotspots", "--profile", str(demo_dir), "--type",
                                  "ENCAMPMENT", "--by", "grid", "--cell-m", "200", "--method",
                                  "emerging", "--from", "2024-01-01", "--to", "2026-01-01",
                                  "--png", str(tmp_path / "e.png")])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["patterns"]["consecutive hot spot"] > 0 and len(summary["steps"]) == 24
    assert (tmp_path / "e.png").stat().st_size > 10_000
    result = runner.invoke(main, ["hotspots", "--profile", str(demo_dir), "--type", "GRAFFITI",
                                  "--method", "emerging", "--from", "2025-11-01",
                                  "--to", "2026-01-01"])
    assert result.exit_code == 1 and "step" in result.output


def test_district_filter_keeps_one_ward_and_counts_the_rest(demo, demo_dir, tmp_path):
    from geo311.hotspots.aggregate import district_of
    from geo311.service.requests import in_districts

    _, locator = demo
    requests = load_requests(requests_file(demo[0]), columns_from_profile(demo[0]),
                             RequestFilter(types=["GRAFFITI"]))
    ten = in_districts(requests, locator, "ward", "10")
    layer = locator.district_layer("ward")
    codes = district_of(requests, locator, "ward")
    assert len(ten) == (codes == list(layer.ids).index("10")).sum()
    assert len(ten) + ten.report.excluded["district"] == len(requests)
    assert (district_of(ten, locator, "ward") == list(layer.ids).index("10")).all()
    with pytest.raises(InputError, match="no ward '99'"):
        in_districts(requests, locator, "ward", ["99"])
    with pytest.raises(InputError, match="no district layer 'precinct'; the profile's are: ward"):
        in_districts(requests, locator, "precinct", ["1"])
    # a second filter adds to the first one's count: kept + excluded stays the row count
    police = [str(i) for i in locator.district_layer("police_division").ids]
    both = in_districts(ten, locator, "police_division", police[:1])
    assert len(both) + both.report.excluded["district"] == len(requests)
    assert both.report.kept == len(both)
    runner = CliRunner()
    result = runner.invoke(main, ["hotspots", "--profile", str(demo_dir), "--type", "GRAFFITI",
                                  "--district", "ward=10", "--by", "ward", "--method",
                                  "counts"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["requests_in_cells"] == len(ten)
    assert summary["requests"]["excluded"]["district"] == ten.report.excluded["district"]
    result = runner.invoke(main, ["hotspots", "--profile", str(demo_dir), "--district", "ward"])
    assert result.exit_code == 2 and "KEY=ID" in result.output


def test_reallocation_writes_csv_json_html_and_png(demo_dir, tmp_path):
    import pandas as pd

    result = CliRunner().invoke(main, [
        "reallocation", "--profile", str(demo_dir), "--department", "Code Enforcement",
        "--crews", "40", "--as-of", "2026-01-01", "--csv", str(tmp_path / "r.csv"),
        "--json", str(tmp_path / "r.json"), "--png", str(tmp_path / "r.png"),
        "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "r.csv", dtype={"ward": str})
    assert table["suggested_crews"].sum() == 40 and table.iloc[0]["ward"] == "10"
    assert json.loads((tmp_path / "r.json").read_text())["total_crews"] == 40
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    assert "not</strong> proportional" in (tmp_path / "r.html").read_text()


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
