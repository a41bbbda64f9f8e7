"""The hotspots and reallocation commands, run through click's CliRunner on the demo region."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from geo311.cli import main
from geo311.errors import InputError
from geo311.jurisdiction import Locator
from geo311.profile import load_profile
from geo311.service.requests import (
    RequestFilter,
    columns_from_profile,
    load_requests,
    requests_file,
)

LA = "los_angeles/311/myla311_2017-12-27_to_2017-12-31_subset.csv"


@pytest.fixture(scope="module")
def demo(demo_dir):
    profile = load_profile(demo_dir)
    return profile, Locator(profile)


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


@pytest.mark.parametrize(("kind", "by", "method"), [("Bulky Items", "council_district", "counts"),
                                                    ("Graffiti Removal", "hex", "gistar")])
def test_la_hotspots_command_on_the_myla311_export(shared_data, la_profile_dir, tmp_path, kind,
                                                   by, method):
    """The planners' command on real LA data: every located request lands in a cell."""
    import json

    from click.testing import CliRunner

    from geo311.cli import main

    result = CliRunner().invoke(main, [
        "hotspots", "--profile", str(la_profile_dir), "--requests",
        str(shared_data / LA), "--preset", "myla311", "--type", kind, "--by", by,
        "--method", method, "--out", str(tmp_path / "m.html"), "--png", str(tmp_path / "m.png"),
        "--json", str(tmp_path / "m.json")])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    report = summary["requests"]
    located = report["kept"] - sum(report["invalid"].values())
    print(f"LA {kind} by {by}: {located} located, {summary['requests_in_cells']} in cells, "
          f"{summary['cells']} cells")
    # districts hold every located request inside the city; hexagons are kept by their centre,
    # so along LA's ragged boundary a few requests fall in cells left out (measured 4.1 %)
    floor = 0.999 if by == "council_district" else 0.94
    assert floor * located <= summary["requests_in_cells"] <= located
    cells = json.loads((tmp_path / "m.json").read_text())["cells"]
    assert len(cells) == summary["cells"] and (tmp_path / "m.png").stat().st_size > 10_000
    if method == "gistar":
        assert summary["bins"].get("3", 0) > 0


def test_hotspots_tiles_flag_takes_a_url_template(demo_dir, tmp_path):
    runner = CliRunner()
    out = tmp_path / "map.html"
    bad = runner.invoke(main, ["hotspots", "--profile", str(demo_dir), "--tiles", "osm.org",
                               "--out", str(out)])
    assert bad.exit_code != 0 and "tile URL template" in bad.output
    assert bad.exception is None or isinstance(bad.exception, SystemExit)
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    result = runner.invoke(main, ["hotspots", "--profile", str(demo_dir), "--type", "GRAFFITI",
                                  "--by", "ward", "--method", "counts", "--tiles", url,
                                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert json.dumps(url) in page and "tiles.example.org" in page
