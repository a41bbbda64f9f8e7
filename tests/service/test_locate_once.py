"""Requests are located once per load: counts, --district, emerging and reallocation reuse it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from geo311.city import City
from geo311.cli import main
from geo311.crews.reallocation import reallocate
from geo311.hotspots.analysis import analyze
from geo311.jurisdiction.locate import Locator
from geo311.service.requests import RequestFilter


@pytest.fixture
def calls(monkeypatch):
    """Count the calls of ``Locator.locate_many`` (and pass them on)."""
    counter = {"n": 0}
    original = Locator.locate_many

    def counting(self, *args, **kwargs):
        counter["n"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Locator, "locate_many", counting)
    return counter


@pytest.fixture(scope="module")
def city(demo_dir):
    city = City.open(demo_dir)
    assert city.locator is not None  # built before any counting
    return city


def test_hotspot_analyses_by_district_after_a_district_filter_locate_once(city, calls):
    requests = city.load_requests(RequestFilter(types=["GRAFFITI"],
                                                districts={"ward": ["10", "3"]}))
    analyze(requests, city.locator, by="ward", method="counts", catalog=city.catalog)
    analyze(requests, city.locator, by="police_division", method="emerging")
    analyze(requests, city.locator, by="hex", method="gistar")
    assert calls["n"] == 1


def test_reallocation_locates_once(city, calls):
    requests = city.load_requests(RequestFilter(districts={"ward": ["1", "2", "3", "10"]}))
    for weight in ("requests", "backlog"):
        reallocate(requests, city.locator, "Code Enforcement", catalog=city.catalog,
                   staffing=city.staffing, weight=weight)
    assert calls["n"] == 1


@pytest.mark.parametrize("args", [
    ["hotspots", "--type", "GRAFFITI", "--district", "ward=10", "--district", "ward=3",
     "--by", "police_division", "--method", "emerging"],
    ["hotspots", "--type", "GRAFFITI", "--district", "ward=10", "--by", "ward", "--method",
     "counts"],
    ["reallocation", "--department", "Code Enforcement", "--district", "ward=10",
     "--district", "ward=3", "--weight", "backlog"],
])
def test_each_cli_command_locates_once(demo_dir, city, calls, args):
    result = CliRunner().invoke(main, [*args[:1], "--profile", str(demo_dir), *args[1:]])
    assert result.exit_code == 0, result.output
    assert calls["n"] == 1


def test_the_district_columns_are_where_the_polygons_say(city, demo_dir):
    """Oracle: shapely point-in-polygon on the profile's own ward polygons, one by one."""
    requests = city.load_requests()
    layer = city.profile.district("ward").layer
    frame = requests.valid.sample(1500, random_state=7)
    points = shapely.points(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    expected = []
    for point in points:
        hits = np.flatnonzero(shapely.intersects(layer.geoms, point))
        expected.append(str(layer.ids[hits[0]]) if len(hits) else None)
    got = [None if pd.isna(v) else str(v) for v in frame["ward_id"]]
    assert got == expected
    assert requests.frame.loc[~requests.frame["valid"], "ward_id"].isna().all()
    inside = shapely.intersects(city.profile.boundary, points)
    assert frame["in_jurisdiction"].astype(bool).tolist() == inside.tolist()
    assert json.dumps(requests.report.as_dict())  # the report stays JSON-ready
