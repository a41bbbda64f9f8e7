"""The grid of the locate engine, piece by piece, against brute-force shapely oracles.

Written against the mutants that survived ``make mutate`` on ``jurisdiction/grid.py``: each
test checks one function on its own, on grids small enough to test every cell.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Polygon, box

from geo311.jurisdiction.grid import MIXED, NONE, Grid, classify, edge_cells, pick_smallest

GEOD = Geod(ellps="WGS84")


def cell_boxes(grid: Grid) -> np.ndarray:
    """Every cell of ``grid`` as a shapely box, in flat (row-major) order."""
    return np.array([box(grid.x0 + c * grid.dx, grid.y0 + r * grid.dy,
                         grid.x0 + (c + 1) * grid.dx, grid.y0 + (r + 1) * grid.dy)
                     for r in range(grid.ny) for c in range(grid.nx)])


@pytest.mark.parametrize("bounds, cell_m, max_cells", [
    ((-118.7, 33.7, -118.1, 34.4), 500.0, 10**6),   # LA-sized, cell size kept
    ((-118.7, 33.7, -118.1, 34.4), 50.0, 20_000),   # capped: cells grow
    ((2.2, 48.8, 2.5, 48.9), 100.0, 10**6),          # wide, short
    ((10.0, 60.0, 10.01, 60.5), 300.0, 400),         # narrow, tall, far north
])
def test_covering_spans_the_bounds_with_cells_of_the_asked_size(bounds, cell_m, max_cells):
    minx, miny, maxx, maxy = bounds
    grid = Grid.covering(bounds, cell_m, max_cells)
    assert (grid.x0, grid.y0) == (minx, miny)
    assert grid.x0 + grid.nx * grid.dx == pytest.approx(maxx, abs=1e-12)
    assert grid.y0 + grid.ny * grid.dy == pytest.approx(maxy, abs=1e-12)
    assert grid.shape == (grid.ny, grid.nx)
    assert grid.nx * grid.ny <= max_cells
    mid = (miny + maxy) / 2
    # cell sides measured on the ellipsoid at mid-latitude (about 0.5 % off the sphere)
    side_x = GEOD.inv(minx, mid, minx + grid.dx, mid)[2]
    side_y = GEOD.inv(minx, mid, minx, mid + grid.dy)[2]
    width = GEOD.inv(minx, mid, maxx, mid)[2]
    height = GEOD.inv(minx, miny, minx, maxy)[2]
    if width * height / cell_m**2 <= max_cells * 0.9:
        # not capped: ceil() makes the cells at most the asked size, and not much smaller
        assert cell_m * 0.85 < side_x <= cell_m * 1.01
        assert cell_m * 0.85 < side_y <= cell_m * 1.01
    else:
        # capped: the cells grow until the grid fits, but no more than needed
        assert grid.nx * grid.ny > max_cells * 0.9
        assert side_x > cell_m and side_y > cell_m


def test_covering_a_single_point_is_one_cell_of_nonzero_size():
    grid = Grid.covering((5.0, 45.0, 5.0, 45.0), 100.0, 1000)
    assert (grid.nx, grid.ny) == (1, 1)
    assert grid.dx > 0 and grid.dy > 0
    assert grid.cell(5.0, 45.0) == 0


def test_covering_a_region_smaller_than_a_cell_is_one_cell():
    grid = Grid.covering((5.0, 45.0, 5.0001, 45.0001), 1000.0, 1000)
    assert (grid.nx, grid.ny) == (1, 1)
    assert grid.dx == pytest.approx(0.0001) and grid.dy == pytest.approx(0.0001)


def test_covering_near_the_pole_stays_within_max_cells():
    grid = Grid.covering((0.0, 89.99, 90.0, 90.0), 1000.0, 5000)
    assert 1 <= grid.nx * grid.ny <= 5000


def test_min_cell_m_is_the_shorter_side_at_the_highest_latitude():
    grid = Grid(0.0, 0.0, 0.01, 0.004, 10, 10)
    for lat in (0.0, 30.0, 60.0, 75.0):
        east = GEOD.inv(0.0, lat, 0.01, lat)[2]
        north = GEOD.inv(0.0, lat, 0.0, lat + 0.004)[2]
        assert grid.min_cell_m(lat) == pytest.approx(min(east, north), rel=0.01)
    # beyond 89.9 degrees the east-west side is taken at 89.9 (never zero)
    assert grid.min_cell_m(90.0) == pytest.approx(grid.min_cell_m(89.9))
    assert grid.min_cell_m(90.0) > 0


def test_cells_and_cell_agree_with_the_cell_boxes():
    grid = Grid(-3.0, 2.0, 0.5, 0.25, 7, 5)
    rng = np.random.default_rng(15)
    x = rng.uniform(-4.0, 1.5, 3000)
    y = rng.uniform(1.5, 3.8, 3000)
    boxes = cell_boxes(grid)
    tree = shapely.STRtree(boxes)
    pt, cell = tree.query(shapely.points(x, y), predicate="within")
    expected = np.full(len(x), -1)
    expected[pt] = cell
    got = grid.cells(x, y)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)
    assert [grid.cell(a, b) for a, b in zip(x, y, strict=True)] == expected.tolist()
    assert (expected >= 0).sum() > 1000 and (expected == -1).sum() > 500


def test_cells_on_the_grid_edges_follow_half_open_intervals():
    grid = Grid(0.0, 0.0, 1.0, 1.0, 4, 3)
    x = np.array([0.0, 3.999, 4.0, -1e-9, 0.0, 0.0, 2.0])
    y = np.array([0.0, 2.999, 0.0, 0.0, 3.0, -1e-9, 1.0])
    expected = [0, 11, -1, -1, -1, -1, 6]
    assert grid.cells(x, y).tolist() == expected
    assert [grid.cell(a, b) for a, b in zip(x, y, strict=True)] == expected


def test_cells_of_non_finite_or_huge_coordinates_are_off_the_grid():
    grid = Grid(0.0, 0.0, 1.0, 1.0, 4, 3)
    x = np.array([np.nan, 1.0, np.inf, -np.inf, 1e308, 1.0])
    y = np.array([1.0, np.nan, 1.0, 1.0, 1.0, -1e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # quietly: no overflow or invalid-value warning
        assert grid.cells(x, y).tolist() == [-1] * 6


def test_centers_lie_in_their_own_cells():
    grid = Grid(-3.0, 2.0, 0.5, 0.25, 7, 5)
    flat = np.arange(grid.nx * grid.ny)
    x, y = grid.centers(flat)
    boxes = cell_boxes(grid)
    assert shapely.contains_xy(boxes, x, y).all()
    # the centre is the centroid of the cell box
    np.testing.assert_allclose(x, shapely.get_x(shapely.centroid(boxes)))
    np.testing.assert_allclose(y, shapely.get_y(shapely.centroid(boxes)))


def polygons() -> np.ndarray:
    """Polygons in the units of ``Grid(0, 0, 1, 1, 20, 16)``: slanted, holed, tiny, off-grid."""
    return np.array([
        Polygon([(1.3, 1.2), (9.7, 2.6), (7.2, 9.4), (2.1, 7.7)]),
        Polygon([(10.5, 0.5), (19.5, 0.5), (19.5, 15.5), (10.5, 15.5)],
                holes=[[(13.2, 4.1), (16.8, 4.1), (16.8, 11.9), (13.2, 11.9)]]),
        box(4.4, 4.4, 4.6, 4.6),               # inside one cell
        box(-5.0, 12.0, 3.5, 30.0),            # partly off the grid
        Polygon([(0.0, 10.0), (3.0, 10.0), (3.0, 12.0)]),  # edges on the cell lines
    ])


def test_edge_cells_are_the_cells_an_edge_touches_and_a_thin_band_around_them():
    grid = Grid(0.0, 0.0, 1.0, 1.0, 20, 16)
    geoms = polygons()
    mask = edge_cells(grid, geoms)
    assert mask.shape == grid.shape and mask.dtype == bool
    boxes = cell_boxes(grid)
    boundary = shapely.union_all(shapely.boundary(geoms))
    touched = shapely.intersects(boxes, boundary)
    flat = mask.ravel()
    assert flat[touched].all()  # conservative: every cell an edge passes through
    # and no cell farther than half a cell from an edge (the densified segments' boxes)
    assert (shapely.distance(boxes[flat], boundary) <= 0.5 + 1e-6).all()
    assert flat.sum() < 2.5 * touched.sum()


def test_edge_cells_of_nothing_is_an_empty_mask():
    grid = Grid(0.0, 0.0, 1.0, 1.0, 5, 4)
    mask = edge_cells(grid, np.array([], dtype=object))
    assert mask.shape == (4, 5) and not mask.any()


def test_edge_cells_scaled_grid_equals_the_unit_grid():
    unit = Grid(0.0, 0.0, 1.0, 1.0, 20, 16)
    scaled = Grid(-120.0, 35.0, 0.002, 0.001, 20, 16)
    geoms = polygons()
    moved = shapely.transform(geoms, lambda c: c * (0.002, 0.001) + (-120.0, 35.0))
    np.testing.assert_array_equal(edge_cells(scaled, moved), edge_cells(unit, geoms))


def brute_pick(points, features, n, rank):
    out = [NONE] * n
    for p in range(n):
        mine = [f for q, f in zip(points, features, strict=True) if q == p]
        if mine:
            out[p] = min(mine, key=lambda f: (rank[f], f))
    return out


def test_pick_smallest_takes_the_lowest_rank_per_point():
    rng = np.random.default_rng(7)
    rank = rng.permutation(9)
    points = rng.integers(0, 30, 120)
    features = rng.integers(0, 9, 120)
    got = pick_smallest(points, features, 35, rank)
    assert got.dtype == np.int32
    assert got.tolist() == brute_pick(points.tolist(), features.tolist(), 35, rank)
    empty = pick_smallest(np.array([], int), np.array([], int), 3, rank)
    assert empty.tolist() == [NONE] * 3


def test_classify_equals_brute_force_on_every_cell():
    grid = Grid(0.0, 0.0, 1.0, 1.0, 20, 16)
    geoms = polygons()
    rank = np.array([3, 4, 0, 2, 1])
    value = classify(grid, geoms, rank)
    assert value.shape == (grid.nx * grid.ny,)
    mixed = edge_cells(grid, geoms).ravel()
    np.testing.assert_array_equal(value == MIXED, mixed)
    boxes = cell_boxes(grid)
    for flat in np.flatnonzero(~mixed):
        covering = [f for f in range(len(geoms)) if geoms[f].covers(boxes[flat])]
        assert not any(geoms[f].overlaps(boxes[flat]) for f in range(len(geoms)))
        expected = min(covering, key=lambda f: rank[f]) if covering else NONE
        assert value[flat] == expected, flat
    assert {NONE, 0, 1, 3} <= set(value.tolist())


def test_classify_overlap_goes_to_the_lowest_rank():
    grid = Grid(0.0, 0.0, 1.0, 1.0, 10, 10)
    geoms = np.array([box(0.5, 0.5, 9.5, 9.5), box(2.5, 2.5, 6.5, 6.5)])
    inner = grid.cell(4.5, 4.5)
    outer = grid.cell(1.5, 8.5)
    for rank, winner in ((np.array([1, 0]), 1), (np.array([0, 1]), 0)):
        value = classify(grid, geoms, rank)
        assert value[inner] == winner
        assert value[outer] == 0
        assert value[grid.cell(0.2, 0.2)] == MIXED


def test_classify_a_grid_all_edges_is_all_mixed():
    grid = Grid(0.0, 0.0, 1.0, 1.0, 3, 3)
    stripes = np.array([box(x + 0.2, -1, x + 0.4, 4) for x in range(3)])
    value = classify(grid, stripes, np.arange(3))
    assert (value == MIXED).all() and len(value) == 9


def test_classify_many_components_each_get_their_own_answer():
    # a checkerboard of separate squares: every component is classified on its own
    grid = Grid(0.0, 0.0, 1.0, 1.0, 12, 12)
    squares = np.array([box(c + 0.5, r + 0.5, c + 2.5, r + 2.5)
                        for r in range(0, 12, 4) for c in range(0, 12, 4)])
    value = classify(grid, squares, np.arange(len(squares)))
    for i, sq in enumerate(squares):
        assert value[grid.cell(sq.centroid.x, sq.centroid.y)] == i
    assert value[grid.cell(3.5, 3.5)] == NONE
    assert sorted(set(value.tolist())) == [MIXED, NONE, *range(len(squares))]


def test_classify_one_component_before_every_edge_cell():
    # the edges all lie in the top row: one component below them, found before any edge cell
    grid = Grid(0.0, 0.0, 1.0, 1.0, 5, 5)
    value = classify(grid, np.array([box(-1.0, 4.2, 6.0, 4.8)]), np.array([0]))
    assert value.reshape(5, 5)[:4].tolist() == [[NONE] * 5] * 4
    assert value.reshape(5, 5)[4].tolist() == [MIXED] * 5


def test_edge_cells_of_one_ring_are_its_cells():
    grid = Grid(0.0, 0.0, 1.0, 1.0, 6, 6)
    mask = edge_cells(grid, np.array([box(1.5, 1.5, 3.5, 3.5)]))
    expected = np.zeros((6, 6), dtype=bool)
    expected[1:4, 1:4] = True
    expected[2, 2] = False
    np.testing.assert_array_equal(mask, expected)
