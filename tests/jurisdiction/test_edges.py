"""Block-accelerated edge distances equal shapely's distance."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo311.jurisdiction.edges import EdgeDistance


def test_distance_equals_shapely_distance_inside_and_outside_the_blocks(la):
    boundary = shapely.boundary(la.city.metric[0])
    minx, miny, maxx, maxy = boundary.bounds
    edges = EdgeDistance(boundary, (minx, miny, maxx, maxy), block_m=500)
    rng = np.random.default_rng(9)
    x = rng.uniform(minx - 5000, maxx + 5000, 3000)
    y = rng.uniform(miny - 5000, maxy + 5000, 3000)
    ours = np.array([edges.distance(shapely.Point(a, b)) for a, b in zip(x, y, strict=True)])
    expected = shapely.distance(boundary, shapely.points(x, y))
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-6)


def test_distance_on_a_square_is_known():
    square = shapely.box(0, 0, 1000, 1000).boundary
    edges = EdgeDistance(square, (-500, -500, 1500, 1500), block_m=100)
    assert edges.distance(shapely.Point(500, 500)) == pytest.approx(500)
    assert edges.distance(shapely.Point(990, 300)) == pytest.approx(10)
    assert edges.distance(shapely.Point(1100, 1100)) == pytest.approx(np.hypot(100, 100))
    assert edges.distance(shapely.Point(5000, 500)) == pytest.approx(4000)  # off the blocks
