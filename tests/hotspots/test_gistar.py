"""Gi* equals esda's analytical G_Local(star=True); FDR keeps null maps quiet."""

from __future__ import annotations

import esda
import numpy as np
import pandas as pd
import pytest
from libpysal.weights import W
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from geo311.errors import InputError
from geo311.hotspots.binning import grid_counts, project_lonlat
from geo311.hotspots.gistar import GiStar, bins, fdr_bh, gi_star_z, p_two_sided
from geo311.hotspots.weights import distance_band, knn

LA_REQUESTS = "los_angeles/311/myla311_2017-12-27_to_2017-12-31_subset.csv"


def esda_gi_star(x: np.ndarray, weights) -> esda.G_Local:
    """The oracle: esda's analytical Gi* on the same weights as a libpysal W."""
    return esda.G_Local(x, W.from_sparse(weights), star=True, transform="B", permutations=0)


def assert_equal_to_esda(x: np.ndarray, weights) -> GiStar:
    ours, theirs = GiStar(x, weights), esda_gi_star(x, weights)
    print(f"n={x.size}: max |z - esda Zs| = {np.abs(ours.z - theirs.Zs).max():.1e}, "
          f"max |p - 2 p_norm| = {np.abs(ours.p - 2 * theirs.p_norm).max():.1e}")
    assert_allclose(ours.z, theirs.Zs, rtol=0, atol=1e-6)
    # esda's p_norm is one-sided, P(Z >= |z|); ours is two-sided.
    assert_allclose(ours.p, 2 * theirs.p_norm, rtol=1e-9, atol=1e-12)
    return ours


def test_gi_star_pins_esda_documented_values():
    # esda.G_Local's docstring example (Getis & Ord's six points, 15 m band, star=True).
    w = distance_band([10, 20, 40, 15, 30, 30], [10, 10, 10, 20, 20, 30], 15)
    z = gi_star_z([2, 3, 3.2, 5, 8, 7], w)
    assert_allclose(z, [-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088,
                        2.02424331], atol=1e-8)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # sum w x = 4 + 1 + 7 = 12, W = 3, S1 = 3
        ([1, 1, 0, 1, 0], (12 - 2.8 * 3) / (np.sqrt(6.16) * np.sqrt((5 * 3 - 3**2) / 4))),
        # sum w x = 4 + 0.5 + 14 = 18.5, W = 3.5, S1 = 1 + 0.25 + 4 = 5.25
        ([1, 0.5, 0, 2, 0],
         (18.5 - 2.8 * 3.5) / (np.sqrt(6.16) * np.sqrt((5 * 5.25 - 3.5**2) / 4))),
    ],
    ids=["binary", "weighted"],
)
def test_gi_star_of_one_cell_by_the_ord_getis_formula(row, expected):
    # x: mean 2.8, population variance 70 / 5 - 2.8^2 = 6.16 (Ord & Getis 1995, eq. 14)
    x = np.array([4.0, 1.0, 0.0, 7.0, 2.0])
    w = np.eye(5)
    w[0] = row
    assert_allclose(gi_star_z(x, w)[0], expected, rtol=1e-12)


def planted_grid(seed: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 10 x 10 grid of Poisson(3) counts with +8 on the 3 x 3 block around (6, 3)."""
    rng = np.random.default_rng(seed)
    y, x = np.divmod(np.arange(100), 10)
    counts = rng.poisson(3.0, 100).astype(float)
    counts[(np.abs(x - 6) <= 1) & (np.abs(y - 3) <= 1)] += 8
    return x.astype(float), y.astype(float), counts


@pytest.mark.parametrize(
    "weights", [lambda x, y: distance_band(x, y, 1.5), lambda x, y: knn(x, y, 8)],
    ids=["queen-band", "knn-8"],
)
def test_gi_star_equals_esda_on_a_grid_with_a_planted_cluster(weights):
    x, y, counts = planted_grid()
    result = assert_equal_to_esda(counts, weights(x, y))
    assert result.bin[6 + 3 * 10] == 3  # the cluster's centre, hot at 99 % after FDR
    assert (result.bin[(np.abs(x - 6) > 2) | (np.abs(y - 3) > 2)] <= 0).all()


@pytest.mark.parametrize(("request_type", "missing_xy"),
                         [("Bulky Items", 1), ("Graffiti Removal", 1749)])
def test_gi_star_equals_esda_on_la_311_counts(shared_data, request_type, missing_xy):
    table = pd.read_csv(shared_data / LA_REQUESTS, usecols=["RequestType", "Latitude",
                                                            "Longitude"])
    table = table[table["RequestType"] == request_type]
    x, y = project_lonlat(table["Longitude"], table["Latitude"], "EPSG:32611")
    ok = np.isfinite(x)
    span = max(np.ptp(x[ok]), np.ptp(y[ok]))
    cell = span / 70  # 70.5 cells of the span fit the points in a 71 x 71 grid
    x0, y0 = x[ok].min(), y[ok].min()
    grid = grid_counts(x, y, cell, bounds=(x0, y0, x0 + 70.5 * cell, y0 + 70.5 * cell))
    assert grid.counts.size == 5041
    assert (grid.invalid, grid.outside) == (missing_xy, 0)
    assert grid.counts.sum() == len(table) - missing_xy
    result = assert_equal_to_esda(grid.counts, distance_band(grid.x, grid.y, 2.5 * cell))
    print(f"{request_type}: {cell:.0f} m cells, hot at 95 % after FDR: "
          f"{(result.bin >= 2).sum()}, cold: {(result.bin <= -2).sum()}")
    assert (result.bin >= 2).sum() > 0


def test_constant_counts_have_no_hot_spots():
    result = GiStar(np.full(9, 4.0), distance_band(*planted_grid()[:2], 1.5)[:9, :9])
    assert_array_equal(result.z, 0.0)
    assert_array_equal(result.p, 1.0)
    assert_array_equal(result.bin, 0)


def test_a_cell_linked_to_every_cell_has_z_zero():
    w = np.eye(4)
    w[0] = 1.0  # cell 0's neighborhood is the whole map: its sum is the total
    assert gi_star_z([1.0, 5.0, 2.0, 9.0], w)[0] == 0.0


@pytest.mark.parametrize(
    ("x", "weights"),
    [([1.0, 2.0, 3.0], np.eye(2)), ([1.0, np.nan], np.eye(2)), ([1.0], np.eye(1))],
    ids=["shape-mismatch", "nan", "single-cell"],
)
def test_bad_gi_star_input_raises_input_error(x, weights):
    with pytest.raises(InputError):
        gi_star_z(x, weights)


def test_p_two_sided_is_twice_the_normal_tail():
    assert_allclose(p_two_sided([0.0, 1.959963984540054, -2.5758293035489]),
                    [1.0, 0.05, 0.01], rtol=1e-12)


def test_fdr_bh_equals_scipy_and_the_step_up_rule():
    rng = np.random.default_rng(2)
    p = np.concatenate([rng.uniform(0, 1, 400), rng.uniform(0, 0.002, 100), [0.0, 1.0, 0.5, 0.5]])
    significant, adjusted = fdr_bh(p, alpha=0.05)
    assert_allclose(adjusted, stats.false_discovery_control(p, method="bh"), rtol=1e-15)
    ordered = np.sort(p)
    m = p.size
    passing = np.flatnonzero(ordered <= np.arange(1, m + 1) * 0.05 / m)
    k = passing.max() + 1  # the largest k with p_(k) <= k alpha / m
    assert_array_equal(significant, p <= ordered[k - 1])


def test_fdr_bh_rejects_values_outside_0_1():
    with pytest.raises(InputError):
        fdr_bh([0.2, 1.5])


def test_bins_after_fdr_are_bh_decisions_at_each_confidence_level():
    rng = np.random.default_rng(3)
    z = rng.normal(0, 2.5, 2000)
    p = p_two_sided(z)
    level = np.abs(bins(z, p, fdr=True))
    for value, alpha in [(3, 0.01), (2, 0.05), (1, 0.10)]:
        assert_array_equal(level >= value, fdr_bh(p, alpha)[0])
    assert_array_equal(np.sign(bins(z, p))[level > 0], np.sign(z)[level > 0])


def test_bins_without_fdr_use_the_raw_p_values():
    z = [3.0, -3.0, 2.0, -2.0, 1.7, -1.7, 0.5]
    p = [0.003, 0.003, 0.046, 0.046, 0.089, 0.089, 0.62]
    assert bins(z, p, fdr=False).tolist() == [3, -3, 2, -2, 1, -1, 0]


def test_gistar_bins_on_fdr_adjusted_p_unless_told_otherwise():
    x, y, counts = planted_grid()
    w = distance_band(x, y, 1.5)
    adjusted, raw = GiStar(counts, w), GiStar(counts, w, fdr=False)
    assert_allclose(adjusted.p_fdr, fdr_bh(adjusted.p)[1])
    assert_array_equal(adjusted.bin, bins(adjusted.z, adjusted.p, fdr=True))
    assert_array_equal(raw.bin, bins(raw.z, raw.p, fdr=False))
    assert (np.abs(raw.bin) > 0).sum() >= (np.abs(adjusted.bin) > 0).sum()


def test_uniform_points_are_rarely_flagged_after_fdr():
    """Under spatial randomness, at most ~5 % of cells are significant at 95 % after FDR."""
    shares, raw_shares = [], []
    for seed in range(10):
        rng = np.random.default_rng(seed)
        grid = grid_counts(rng.uniform(0, 10_000, 20_000), rng.uniform(0, 10_000, 20_000),
                           250.0, bounds=(0, 0, 10_000, 10_000))
        w = distance_band(grid.x, grid.y, 600.0)
        shares.append(np.mean(np.abs(GiStar(grid.counts, w).bin) >= 2))
        raw_shares.append(np.mean(np.abs(GiStar(grid.counts, w, fdr=False).bin) >= 2))
    print(f"1,600 cells, 20,000 uniform points, 10 seeds: share significant at 95 % "
          f"after FDR {np.round(shares, 4).tolist()} (mean {np.mean(shares):.4f}); "
          f"without FDR mean {np.mean(raw_shares):.4f}")
    assert np.mean(shares) <= 0.05


# --- edges that mutation testing found unpinned --------------------------------------------


def test_gi_star_z_does_not_depend_on_the_scale_of_the_weights():
    """z is scale-free: weights of 0.01 give the z of weights of 1 (small variances too)."""
    rng = np.random.default_rng(4)
    x = rng.poisson(3, 40).astype(float)
    w = distance_band(rng.uniform(0, 100, 40), rng.uniform(0, 100, 40), 25)
    np.testing.assert_allclose(gi_star_z(x, w * 0.01), gi_star_z(x, w), rtol=1e-12, atol=1e-12)
    assert np.abs(gi_star_z(x, w)).max() > 0.5


def test_gi_star_z_of_values_one_apart_and_of_two_cells_equal_the_formula():
    w = distance_band([10, 20, 40, 15, 30, 30], [10, 10, 10, 20, 20, 30], 15).toarray()
    x = np.array([0.0, 1, 1, 0, 1, 0])  # range exactly 1
    n, w_sum, s1 = len(x), w.sum(axis=1), (w**2).sum(axis=1)
    by_hand = (w @ x - x.mean() * w_sum) / (x.std() * np.sqrt((n * s1 - w_sum**2) / (n - 1)))
    np.testing.assert_allclose(gi_star_z(x, w), by_hand, rtol=1e-12)
    assert np.abs(by_hand).max() > 0.1
    two = gi_star_z([1.0, 3.0], np.array([[1.0, 0.0], [0.0, 1.0]]))  # n = 2 is allowed
    np.testing.assert_allclose(two, [-1.0, 1.0])


@pytest.mark.parametrize(("call", "message", "details"), [
    (lambda: gi_star_z([1.0], np.eye(1)), "x must be a 1-D array of at least 2 finite values",
     {"shape": (1,)}),
    (lambda: gi_star_z([1.0, 2.0, 3.0], np.eye(2)), "weights of shape (2, 2) do not match 3 values",
     {"shape": (2, 2), "n": 3}),
    (lambda: fdr_bh([0.2, 1.5]), "p must be a 1-D array of p-values in [0, 1]", {"shape": (2,)}),
    (lambda: fdr_bh([0.2], alpha=1), "alpha must be in (0, 1), got 1", {"alpha": 1}),
    (lambda: bins([1.0, 2.0], [0.5]), "z and p must have the same shape",
     {"shapes": [(2,), (1,)]}),
])
def test_bad_input_messages_name_the_problem(call, message, details):
    with pytest.raises(InputError) as caught:
        call()
    assert caught.value.message == message and str(caught.value) == message
    assert caught.value.details == details


@pytest.mark.parametrize("alpha", [0, 1, 1.5, -0.1])
def test_fdr_bh_refuses_an_alpha_outside_0_1(alpha):
    with pytest.raises(InputError, match="alpha must be in"):
        fdr_bh([0.01, 0.2], alpha=alpha)


def test_fdr_bh_of_one_and_of_no_p_value():
    significant, adjusted = fdr_bh([0.05])  # adjusted == alpha is rejected (<=)
    assert significant.tolist() == [True] and adjusted.tolist() == [0.05]
    significant, adjusted = fdr_bh([])
    assert significant.shape == adjusted.shape == (0,)


def test_bins_at_exactly_the_confidence_limits_and_by_default_after_fdr():
    z = np.array([2.0, -2.0, 2.0, 2.0])
    assert bins(z, [0.01, 0.05, 0.10, 0.1000001], fdr=False).tolist() == [3, -2, 1, 0]
    assert bins(z, [0.01, 0.05, 0.10, 0.1], fdr=False).dtype == np.int8
    # 0.009 alone is bin 3, but adjusted over four values (0.036) it is bin 2
    assert bins(z, [0.009, 0.5, 0.5, 0.5]).tolist() == [2, 0, 0, 0]
