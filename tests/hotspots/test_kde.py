"""Kernel density: mass is preserved, one point gives the quartic kernel, the default
bandwidth follows the ArcGIS/Silverman rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from geo311.errors import InputError
from geo311.hotspots.kde import kde, quartic, silverman_bandwidth

SQRT_1_LN2 = math.sqrt(1 / math.log(2))  # 1.2011224...


def clusters(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clusters and a uniform background over ~10 km."""
    rng = np.random.default_rng(seed)
    a = rng.normal((2000, 3000), 400, size=(n // 3, 2))
    b = rng.normal((7000, 6000), 800, size=(n // 3, 2))
    c = rng.uniform(0, 10_000, size=(n - 2 * (n // 3), 2))
    xy = np.vstack([a, b, c])
    return xy[:, 0], xy[:, 1]


def test_density_integrates_to_the_number_of_points_within_one_percent():
    x, y = clusters(20_000, seed=1)
    density = kde(x, y, cell_m=50.0)
    integral = density.values.sum() * density.cell_m**2
    assert density.n == 20_000 and density.outside == 0
    assert integral == pytest.approx(20_000, rel=0.01)


def test_weights_count_as_that_many_points():
    x, y = clusters(3000, seed=2)
    density = kde(x, y, 50.0, bandwidth_m=600.0, weights=np.full(x.size, 2.5))
    assert density.values.sum() * 50.0**2 == pytest.approx(7500, rel=0.01)


def test_one_point_gives_the_quartic_kernel_at_every_distance():
    # the point sits at the centre of cell (row 10, col 10) of a 21 x 21 grid of 10 m cells
    density = kde([105.0], [105.0], cell_m=10.0, bandwidth_m=80.0, bounds=(0, 0, 210, 210))
    values = density.values
    h = 80.0
    peak = 3 / (math.pi * h**2)
    assert values[10, 10] == pytest.approx(peak, rel=1e-9)
    # 30 m east: (1 - (30/80)^2)^2 = 0.859375^2 = 0.738525390625 of the peak
    assert values[10, 13] == pytest.approx(peak * 0.738525390625, rel=1e-9)
    # 30 m north, 40 m west = 50 m: (1 - (50/80)^2)^2 = 0.3708...
    assert values[7, 6] == pytest.approx(peak * (1 - (50 / 80) ** 2) ** 2, rel=1e-9)
    # at and beyond the bandwidth the kernel is 0
    assert values[10, 18] == pytest.approx(0.0, abs=1e-15)
    assert values[0, 0] == pytest.approx(0.0, abs=1e-15)
    xs, ys = density.centres()
    assert_allclose(values, quartic(np.hypot(xs - 105, ys - 105), h), atol=1e-15)


def test_bandwidth_rule_uses_the_standard_distance_for_a_square():
    # corners of a 2 x 2 square: mean centre (1, 1), SD = Dm = sqrt(2)
    # min(sqrt 2, 1.2011 * sqrt 2) = sqrt 2; h = 0.9 * 1.41421 * 0.757858 = 0.964596
    h = silverman_bandwidth([0, 2, 0, 2], [0, 0, 2, 2])
    assert h == pytest.approx(0.9 * math.sqrt(2) * 4**-0.2)
    assert h == pytest.approx(0.964596, abs=1e-6)


def test_bandwidth_rule_uses_the_median_distance_with_outliers():
    # (+-1, 0), (0, +-1), (+-10, 0): mean centre (0, 0), distances 1, 1, 1, 1, 10, 10
    # SD = sqrt(204 / 6) = 5.831; Dm = 1 -> 1.2011 * 1 wins; h = 0.9 * 1.2011 * 6^-0.2
    x = [1, -1, 0, 0, 10, -10]
    y = [0, 0, 1, -1, 0, 0]
    h = silverman_bandwidth(x, y)
    assert h == pytest.approx(0.9 * SQRT_1_LN2 * 6**-0.2)
    assert h == pytest.approx(0.755439, abs=1e-6)
    assert kde(np.array(x) * 1.0, np.array(y) * 1.0, cell_m=0.1).bandwidth_m == h


def test_bandwidth_rule_refuses_coincident_points():
    # three of five points on the mean centre (0, 0): Dm = 0
    with pytest.raises(InputError, match="coincide"):
        silverman_bandwidth([0, 0, 0, -1, 1], [0, 0, 0, 0, 0])


def test_points_outside_the_bounds_are_counted_and_nan_rows_ignored():
    density = kde([5.0, 500.0, np.nan], [5.0, 5.0, 1.0], 10.0, bandwidth_m=30.0,
                  bounds=(0, 0, 100, 100))
    assert (density.n, density.outside) == (1.0, 1)
