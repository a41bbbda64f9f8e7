"""Aggregation edges found by mutation testing (`make mutate`): grid bounds and area, row kinds,
and a request frame whose rows are not labelled 0..n-1."""

from __future__ import annotations

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geo311.hotspots.aggregate import by_district, by_grid, by_hex
from geo311.jurisdiction.locate import Locator
from geo311.profile import load_profile
from geo311.service.catalog import load_catalog
from geo311.service.requests import Requests, columns_from_profile, load_requests, requests_file


@pytest.fixture(scope="module")
def demo(demo_dir):
    profile = load_profile(demo_dir)
    requests = load_requests(requests_file(profile), columns_from_profile(profile))
    return profile, Locator(profile), requests


def unlocated(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a request frame without the columns locating added."""
    return frame.drop(columns=[c for c in frame if c == "in_jurisdiction"
                               or c.endswith("_id") and c != "id"]).copy()


def test_hex_counts_at_each_resolution_are_h3s_own_cells_of_the_points(demo):
    """Counted at 7 then at 8 on one Requests (their point indexes are cached per resolution):
    each count equals the points h3.latlng_to_cell puts in the cell at that resolution, not
    the approximate count through the parents of finer cells."""
    _, _, requests = demo
    fresh = Requests(unlocated(requests.frame), requests.report, requests.source)
    usable = requests.valid
    for resolution in (7, 8):
        _, cells = by_hex(fresh, resolution=resolution)
        theirs = pd.Series([h3.latlng_to_cell(lat, lon, resolution) for lon, lat in
                            zip(usable["lon"], usable["lat"], strict=True)]).value_counts()
        ours = cells.set_index("cell")["count"]
        assert ours.sum() == len(usable)
        pd.testing.assert_series_equal(ours.sort_index(), theirs.sort_index(),
                                       check_names=False, check_index_type=False)


def test_grid_with_bounds_and_area_counts_what_numpy_counts(demo):
    """Cells tile the given bounds from their south-west corner; only the cells whose centre is in
    the area come back; the oracle projects with pyproj and floors by hand."""
    profile, _, requests = demo
    usable = requests.valid
    to_metric = Transformer.from_crs("EPSG:4326", profile.metric_crs, always_xy=True)
    x, y = to_metric.transform(usable["lon"].to_numpy(), usable["lat"].to_numpy())
    cell = 400.0
    # a box inside the points' extent, 3,300 m by 2,900 m (not whole cells)
    x0, y0 = np.quantile(x, 0.3), np.quantile(y, 0.3)
    bounds = (x0, y0, x0 + 3_300.0, y0 + 2_900.0)
    area = shapely.Point(x0 + 1_500.0, y0 + 1_300.0).buffer(1_200.0)

    grid, cells = by_grid(requests, profile.metric_crs, cell, area=area, bounds=bounds)

    in_box = (x >= bounds[0]) & (x <= bounds[2]) & (y >= bounds[1]) & (y <= bounds[3])
    col = np.floor((x[in_box] - x0) / cell).astype(int)
    row = np.floor((y[in_box] - y0) / cell).astype(int)
    n_cols, n_rows = int(np.ceil(3_300.0 / cell)), int(np.ceil(2_900.0 / cell))
    counted = pd.Series(1, index=pd.MultiIndex.from_arrays([row, col])).groupby(level=[0, 1]).sum()
    expected = {}
    for r in range(n_rows):
        for c in range(n_cols):
            cx, cy = x0 + (c + 0.5) * cell, y0 + (r + 0.5) * cell
            if shapely.contains_xy(area, cx, cy):
                expected[(round(cx, 3), round(cy, 3))] = int(counted.get((r, c), 0))
    got = {(round(a, 3), round(b, 3)): int(n)
           for a, b, n in zip(cells["x"], cells["y"], cells["count"], strict=True)}
    assert got == expected
    assert 0 < sum(expected.values()) < len(usable)
    assert grid.outside == len(usable) - sum(expected.values())
    lon, lat = Transformer.from_crs(profile.metric_crs, "EPSG:4326", always_xy=True).transform(
        cells["x"].to_numpy(), cells["y"].to_numpy())
    np.testing.assert_allclose(cells["lon"], lon, atol=1e-9)
    np.testing.assert_allclose(cells["lat"], lat, atol=1e-9)
    assert list(cells.columns) == ["cell", "x", "y", "lon", "lat", "count"]


def test_district_rows_are_the_layer_then_outside_then_no_location(demo):
    _, locator, requests = demo
    table = by_district(requests, locator, "ward")
    n = len(locator.district_layer("ward").ids)
    assert table["kind"].tolist() == ["district"] * n + ["outside", "invalid"]
    assert table["id"].tolist()[-2:] == ["(outside)", "(no location)"]


def test_rows_labelled_otherwise_give_the_same_district_figures(demo):
    """A Requests built over a frame whose index is not 0..n-1 (a user's filtered frame) gives
    the figures of the same rows labelled 0..n-1; those are checked against a pandas groupby of
    the raw CSV in test_aggregate.py."""
    profile, locator, requests = demo
    catalog = load_catalog(profile)
    as_of = "2025-12-20T00:00:00-08:00"
    base = unlocated(requests.frame)
    plain = Requests(base.copy(), requests.report, requests.source)
    relabelled = base.copy()
    relabelled.index = np.random.default_rng(5).permutation(len(base)) + 7
    moved = Requests(relabelled, requests.report, requests.source)
    ours = by_district(moved, locator, "ward", catalog=catalog, as_of=as_of)
    theirs = by_district(plain, locator, "ward", catalog=catalog, as_of=as_of)
    assert theirs["open_past_sla"].sum() > 0
    pd.testing.assert_frame_equal(ours, theirs)


def test_one_open_request_gives_its_ward_everything_and_the_others_zeros(demo):
    """One open located request and one without a location, counted by hand: empty wards get
    zero counts and backlog (not NaN), the shares are floats with NaN off the districts."""
    profile, locator, requests = demo
    frame = requests.frame
    open_row = int(np.flatnonzero(frame["valid"] & ~frame["is_closed"])[0])
    bad_row = int(np.flatnonzero(~frame["valid"])[0])
    keep = np.zeros(len(frame), bool)
    keep[[open_row, bad_row]] = True
    two = Requests(unlocated(frame[keep]).reset_index(drop=True), requests.report,
                   requests.source)
    wards = gpd.read_file(profile.district("ward").layer.path)
    point = shapely.Point(frame["lon"].iloc[open_row], frame["lat"].iloc[open_row])
    ward = str(wards.loc[wards.contains(point), "ward"].item())

    table = by_district(two, locator, "ward").set_index("id")
    districts = table[table["kind"] == "district"]
    assert districts["count"].to_dict() == {i: int(i == ward) for i in districts.index}
    assert districts["share"].to_dict() == {i: float(i == ward) for i in districts.index}
    assert districts["open_backlog"].to_dict() == {i: int(i == ward) for i in districts.index}
    assert table["share"].dtype == float and table["share"].iloc[-2:].isna().all()
    assert table.loc["(no location)", "count"] == 1 and table.loc["(outside)", "count"] == 0


def test_density_and_population_columns_of_every_ward_against_geopandas(demo):
    """per_km2 from geopandas areas in the metric CRS, population and per_1000_residents from
    the layer's population field, to 1e-9 for every ward (each a fresh by_district call)."""
    profile, locator, requests = demo
    table = by_district(requests, locator, "ward").set_index("id")
    wards = gpd.read_file(profile.district("ward").layer.path)
    wards["id"] = wards["ward"].astype(str)
    wards = wards.set_index("id")
    km2 = wards.to_crs(profile.metric_crs).area / 1e6
    districts = table[table["kind"] == "district"]
    np.testing.assert_allclose(districts["per_km2"], districts["count"] / km2[districts.index],
                               rtol=1e-9)
    population = wards.loc[districts.index, "population"].astype(float)
    np.testing.assert_allclose(districts["population"], population, rtol=1e-12)
    np.testing.assert_allclose(districts["per_1000_residents"],
                               districts["count"] / population * 1000, rtol=1e-9)


def test_a_request_closed_exactly_at_its_sla_counts_within_it(demo):
    """Two requests at one point, counted by hand: one still open and long past its SLA at
    ``as_of``, one closed exactly ``sla_days`` after it was filed (within: "closed within
    sla_days"). The other wards have no request: zeros, and no SLA figure."""
    profile, locator, requests = demo
    frame = requests.frame
    sla = pd.read_csv(profile.root / "service_catalog.csv").set_index("service_code")["sla_days"]
    open_row = int(np.flatnonzero(frame["valid"] & ~frame["is_closed"]
                                  & frame["type"].map(sla).notna())[0])
    pair = unlocated(frame.iloc[[open_row, open_row]]).reset_index(drop=True)
    days = float(sla[pair.loc[1, "type"]])
    pair.loc[1, ["id", "status", "is_closed"]] = ["closed-at-sla", "closed", True]
    pair.loc[1, "closed"] = pair.loc[1, "created"] + pd.Timedelta(days=days)
    as_of = pair.loc[0, "created"] + pd.Timedelta(days=days + 30)
    two = Requests(pair, requests.report, requests.source)
    wards = gpd.read_file(profile.district("ward").layer.path)
    point = shapely.Point(pair.loc[0, "lon"], pair.loc[0, "lat"])
    ward = str(wards.loc[wards.contains(point), "ward"].item())

    table = by_district(two, locator, "ward", catalog=load_catalog(profile), as_of=as_of)
    table = table[table["kind"] == "district"].set_index("id")
    mine, others = table.loc[ward], table.drop(index=ward)
    assert (mine["count"], mine["open_backlog"], mine["open_past_sla"]) == (2, 1, 1)
    assert mine["pct_closed_within_sla"] == 50.0   # the closed one within, the open one past
    assert mine["median_days_to_close"] == pytest.approx(days, abs=1e-9)
    assert (others[["count", "open_backlog", "open_past_sla"]] == 0).all().all()
    assert others["pct_closed_within_sla"].isna().all()
    assert others["median_days_to_close"].isna().all()
