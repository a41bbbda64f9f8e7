"""Aggregation edges found by mutation testing (`make mutate`): grid bounds and area, row kinds,
and a request frame whose rows are not labelled 0..n-1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geo311.hotspots.aggregate import by_district, by_grid
from geo311.jurisdiction.locate import Locator
from geo311.profile import load_profile
from geo311.service.catalog import load_catalog
from geo311.service.requests import Requests, columns_from_profile, load_requests, requests_file


@pytest.fixture(scope="module")
def demo(demo_dir):
    profile = load_profile(demo_dir)
    requests = load_requests(requests_file(profile), columns_from_profile(profile))
    return profile, Locator(profile), requests


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
    base = requests.frame.drop(columns=[c for c in requests.frame if c == "in_jurisdiction"
                                        or c.endswith("_id") and c != "id"])
    plain = Requests(base.copy(), requests.report, requests.source)
    relabelled = base.copy()
    relabelled.index = np.random.default_rng(5).permutation(len(base)) + 7
    moved = Requests(relabelled, requests.report, requests.source)
    ours = by_district(moved, locator, "ward", catalog=catalog, as_of=as_of)
    theirs = by_district(plain, locator, "ward", catalog=catalog, as_of=as_of)
    assert theirs["open_past_sla"].sum() > 0
    pd.testing.assert_frame_equal(ours, theirs)
