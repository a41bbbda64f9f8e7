"""Binning counts every point once: in a cell, as invalid or as outside the area."""

from __future__ import annotations

from collections import Counter

import h3
import numpy as np
import pytest
import shapely
from numpy.testing import assert_allclose, assert_array_equal

from geo311.errors import InputError
from geo311.hotspots.binning import (
    PointHexes,
    choose_resolution,
    grid_counts,
    hex_centroids,
    hex_counts,
    hex_polygons,
    project_lonlat,
)

CITY_HALL = (-118.2427, 34.0537)


def scatter(n: int, seed: int, spread_deg: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Points around LA City Hall, a tenth of them on repeated coordinates, and 3 bad rows."""
    rng = np.random.default_rng(seed)
    lons = CITY_HALL[0] + rng.uniform(-spread_deg, spread_deg, n)
    lats = CITY_HALL[1] + rng.uniform(-spread_deg, spread_deg, n)
    lons[: n // 10] = lons[n // 10 : n // 5]
    lats[: n // 10] = lats[n // 10 : n // 5]
    lons[[3, 5]] = np.nan
    lats[[7]] = 95.0
    return lons, lats


def test_hex_counts_equal_a_plain_h3_loop_and_report_invalid_rows():
    lons, lats = scatter(5000, seed=1)
    result = hex_counts(lons, lats, 9)
    ok = np.isfinite(lons) & (np.abs(lats) <= 90)
    expected = Counter(
        h3.str_to_int(h3.latlng_to_cell(lat, lon, 9))
        for lon, lat in zip(lons[ok], lats[ok], strict=True)
    )
    assert dict(zip(result.cells.tolist(), result.counts.tolist(), strict=True)) == expected
    assert result.cells.dtype == np.uint64
    assert (result.invalid, result.outside) == (3, 0)
    assert result.counts.sum() == 4997


def test_hex_counts_in_an_area_keep_empty_cells_and_count_points_outside():
    lons, lats = scatter(5000, seed=2)
    area = shapely.Point(CITY_HALL).buffer(0.03)
    result = hex_counts(lons, lats, 9, area=area)
    area_cells = np.sort([h3.str_to_int(c) for c in h3.geo_to_cells(area, 9)]).astype(np.uint64)
    assert_array_equal(result.cells, area_cells)
    everywhere = hex_counts(lons, lats, 9)
    in_area = np.isin(everywhere.cells, area_cells)
    assert result.outside == everywhere.counts[~in_area].sum() > 0
    assert result.counts.sum() + result.invalid + result.outside == 5000
    assert (result.counts == 0).any()  # 0.06 deg wide, 5,000 points: some cells stay empty


def test_hex_counts_reject_a_resolution_out_of_range():
    with pytest.raises(InputError):
        hex_counts([0.0], [0.0], 16)


@pytest.mark.parametrize(
    ("n", "spread_deg"), [(200_000, 0.05), (20_000, 0.05), (3_000, 0.05), (3_000, 0.2)]
)
def test_choose_resolution_is_the_finest_whose_median_cell_holds_five_points(n, spread_deg):
    lons, lats = scatter(n, seed=3, spread_deg=spread_deg)
    medians = {r: float(np.median(hex_counts(lons, lats, r).counts)) for r in range(7, 11)}
    chosen = choose_resolution(lons, lats, min_median=5)
    print(f"n={n} spread={spread_deg} median per resolution {medians} -> {chosen}")
    expected = max([r for r, m in medians.items() if m >= 5], default=7)
    assert chosen == expected


def test_choose_resolution_needs_a_valid_point():
    with pytest.raises(InputError):
        choose_resolution([np.nan], [34.0])


def test_hex_centroids_and_polygons_are_lon_lat():
    cell = h3.str_to_int(h3.latlng_to_cell(CITY_HALL[1], CITY_HALL[0], 9))
    lons, lats = hex_centroids(np.array([cell], dtype=np.uint64))
    (polygon,) = hex_polygons(np.array([cell], dtype=np.uint64))
    assert_allclose([lons[0], lats[0]], CITY_HALL, atol=0.005)  # res 9 cells are ~200 m across
    assert polygon.contains(shapely.Point(CITY_HALL))
    assert polygon.contains(shapely.Point(lons[0], lats[0]))


def test_project_lonlat_gives_nan_for_unusable_coordinates():
    x, y = project_lonlat([CITY_HALL[0], np.nan, 500.0], [CITY_HALL[1], 34.0, 34.0], "EPSG:32611")
    # UTM 11N by PROJ 9.5; a swapped axis order would land thousands of km away.
    assert_allclose([x[0], y[0]], [385_308.2, 3_768_806.7], atol=1)
    assert np.isnan(x[1:]).all() and np.isnan(y[1:]).all()


def test_grid_counts_by_hand_with_a_point_on_the_far_edge():
    x = [5.0, 15.0, 15.0, 30.0, np.nan, 31.0]
    y = [5.0, 5.0, 6.0, 10.0, 1.0, 5.0]
    grid = grid_counts(x, y, 10.0, bounds=(0, 0, 30, 10))
    assert grid.shape == (1, 3)
    assert grid.counts.tolist() == [1, 2, 1]  # (30, 10) lies on the closed far edge
    assert (grid.invalid, grid.outside) == (1, 1)  # NaN row; x = 31 beyond the bounds
    assert_allclose(grid.x, [5, 15, 25])
    assert [p.bounds for p in grid.polygons()] == [(0, 0, 10, 10), (10, 0, 20, 10),
                                                   (20, 0, 30, 10)]


def test_grid_clipped_to_an_area_keeps_its_empty_cells():
    # 3 x 3 cells of 10 m; the area covers the centres of the two western columns.
    area = shapely.box(0, 0, 18, 30)
    x = [5.0, 5.0, 25.0, 100.0, np.nan]
    y = [5.0, 6.0, 25.0, 100.0, np.nan]
    grid = grid_counts(x, y, 10.0, bounds=(0, 0, 30, 30), area=area)
    assert grid.cells.tolist() == [0, 1, 3, 4, 6, 7]
    assert grid.counts.tolist() == [2, 0, 0, 0, 0, 0]
    assert (grid.invalid, grid.outside) == (1, 2)  # (25, 25) is in an eastern cell
    assert grid.counts.sum() + grid.invalid + grid.outside == len(x)


def test_grid_bounds_default_to_the_area_then_the_points():
    from_area = grid_counts([], [], 100.0, area=shapely.box(0, 0, 1000, 500))
    from_points = grid_counts([0.0, 950.0], [0.0, 420.0], 100.0)
    assert from_area.shape == (5, 10) and from_area.counts.sum() == 0
    assert from_points.shape == (5, 10) and from_points.counts.sum() == 2


@pytest.mark.parametrize("kwargs", [{"cell_m": 0.0}, {"cell_m": 0.001}])
def test_grid_counts_reject_bad_or_huge_cells(kwargs):
    with pytest.raises(InputError):
        grid_counts([0.0, 1000.0], [0.0, 1000.0], **kwargs)


def test_point_hexes_are_exact_at_their_resolution_and_parents_coarser():
    rng = np.random.default_rng(5)
    lons = np.append(rng.uniform(-118.3, -118.2, 5_000), [np.nan, 200.0])
    lats = np.append(rng.uniform(34.0, 34.1, 5_000), [34.0, 34.0])
    index = PointHexes(lons, lats, 9)
    direct = hex_counts(lons, lats, 9)
    exact = index.counts(9)
    assert exact.cells.tolist() == direct.cells.tolist()
    assert exact.counts.tolist() == direct.counts.tolist() and exact.invalid == 2
    # coarser: each fine cell's parent, so the total is kept
    coarse = index.counts(7)
    parents = [h3.cell_to_parent(format(int(c), "x"), 7) for c in index.cells(9)]
    parents = [int(c, 16) for c in parents]
    assert coarse.counts.sum() == 5_000
    assert dict(zip(coarse.cells.tolist(), coarse.counts.tolist(), strict=True)) == \
        {c: parents.count(c) for c in set(parents)}
    subset = np.arange(lons.size) % 2 == 0
    assert index.counts(9, where=subset).counts.sum() == hex_counts(
        lons[subset], lats[subset], 9).counts.sum()
    with pytest.raises(InputError, match="finer 10"):
        index.counts(10)


def test_grid_index_of_follows_grid_counts_at_the_bounds():
    x = np.array([5.0, 27.0, 25.0, 0.0, -1.0, np.nan, 15.0])
    y = np.array([5.0, 5.0, 10.0, 0.0, 5.0, 5.0, 9.99])
    grid = grid_counts(x, y, 10.0, bounds=(0, 0, 25, 10))
    at = grid.index_of(x, y)
    # 27 lies past xmax (outside), 25 on the far edge (last column), -1 before xmin
    assert at.tolist() == [0, -1, 2, 0, -1, -1, 1]
    assert np.bincount(at[at >= 0], minlength=grid.cells.size).tolist() == grid.counts.tolist()
    assert grid.outside == 2 and grid.invalid == 1
