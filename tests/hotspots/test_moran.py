"""Moran's I equals esda's; LISA finds planted clusters and keeps random maps quiet."""

from __future__ import annotations

import esda
import numpy as np
import pandas as pd
import pytest
from libpysal.weights import W
from numpy.testing import assert_allclose, assert_array_equal

from geo311.errors import InputError
from geo311.hotspots.binning import grid_counts, project_lonlat
from geo311.hotspots.moran import LocalMoran, global_moran, lisa_weights
from geo311.hotspots.weights import distance_band, knn

LA_REQUESTS = "los_angeles/311/myla311_2017-12-27_to_2017-12-31_subset.csv"
SIX_X, SIX_Y = [10, 20, 40, 15, 30, 30], [10, 10, 10, 20, 20, 30]
SIX_VALUES = np.array([2, 3, 3.2, 5, 8, 7])


def esda_w(weights, n: int) -> W:
    """The oracle's weights: ours without the diagonal, as a libpysal W."""
    return W.from_sparse(lisa_weights(weights, n))


def assert_equal_to_esda(x: np.ndarray, weights) -> None:
    n = x.size
    ours_i, ours_z, ours_p = global_moran(x, weights)
    theirs = esda.Moran(x, esda_w(weights, n), transformation="r", permutations=0)
    local = LocalMoran(x, weights, permutations=9)
    theirs_local = esda.Moran_Local(x, esda_w(weights, n), transformation="r", permutations=0)
    print(f"n={n}: |I - esda| = {abs(ours_i - theirs.I):.1e}, "
          f"|z - z_norm| = {abs(ours_z - theirs.z_norm):.1e}, "
          f"|p - p_norm| = {abs(ours_p - theirs.p_norm):.1e}, "
          f"max |Is - esda Is| = {np.abs(local.Is - theirs_local.Is).max():.1e}")
    assert_allclose([ours_i, ours_z, ours_p], [theirs.I, theirs.z_norm, theirs.p_norm],
                    rtol=0, atol=1e-9)
    assert_allclose(local.Is, theirs_local.Is, rtol=0, atol=1e-9)
    assert_array_equal(local.q, theirs_local.q)


def test_moran_pins_values_on_the_six_points():
    # Getis & Ord's six points with a 15 m band; values checked against esda below.
    w = distance_band(SIX_X, SIX_Y, 15)
    assert_allclose(global_moran(SIX_VALUES, w), [0.118990, 1.177735, 0.238902], atol=1e-6)
    assert_equal_to_esda(SIX_VALUES, w)


def test_global_p_is_two_sided_as_esdas_default():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 1000, 200), rng.uniform(0, 1000, 200)
    values = rng.normal(size=200)
    _, z, p = global_moran(values, knn(x, y, 6))
    theirs = esda.Moran(values, esda_w(knn(x, y, 6), 200), two_tailed=False, permutations=0)
    assert_allclose(p, 2 * theirs.p_norm, rtol=1e-12)
    assert abs(z) == pytest.approx(abs(theirs.z_norm), abs=1e-12)


def planted_grid(seed: int = 7, side: int = 20) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                         np.ndarray]:
    """A side x side grid of Poisson(3) counts, +8 on a 5 x 5 block; returns the block mask."""
    rng = np.random.default_rng(seed)
    y, x = np.divmod(np.arange(side * side), side)
    counts = rng.poisson(3.0, side * side).astype(float)
    block = (np.abs(x - 13) <= 2) & (np.abs(y - 6) <= 2)
    counts[block] += 8
    return x.astype(float), y.astype(float), counts, block


@pytest.mark.parametrize(
    "weights", [lambda x, y: distance_band(x, y, 1.5), lambda x, y: knn(x, y, 6)],
    ids=["queen-band", "knn-6"],
)
def test_moran_equals_esda_on_a_grid_with_a_planted_cluster(weights):
    x, y, counts, _ = planted_grid()
    assert_equal_to_esda(counts, weights(x, y))


def test_moran_equals_esda_on_la_graffiti_counts(shared_data):
    table = pd.read_csv(shared_data / LA_REQUESTS, usecols=["RequestType", "Latitude",
                                                            "Longitude"])
    table = table[table["RequestType"] == "Graffiti Removal"]
    x, y = project_lonlat(table["Longitude"], table["Latitude"], "EPSG:32611")
    grid = grid_counts(x, y, 1000.0)
    assert_equal_to_esda(grid.counts.astype(float), distance_band(grid.x, grid.y, 2500.0))


def test_the_planted_block_is_a_significant_high_high_cluster():
    x, y, counts, block = planted_grid()
    lisa = LocalMoran(counts, distance_band(x, y, 1.5))
    print(f"block cells HH after FDR: {(lisa.cluster[block] == 'HH').sum()}/{block.sum()}; "
          f"labels outside: {pd.Series(lisa.cluster[~block]).value_counts().to_dict()}")
    assert (lisa.cluster[block] == "HH").sum() >= 15  # measured 19/25
    inner = (np.abs(x - 13) <= 1) & (np.abs(y - 6) <= 1)
    assert_array_equal(lisa.cluster[inner], "HH")
    centre = 13 + 6 * 20
    assert lisa.cluster[centre] == "HH" and lisa.p_sim[centre] == 1 / 1000
    far = (np.abs(x - 13) > 3) | (np.abs(y - 6) > 3)
    assert (lisa.cluster[far] == "HH").sum() <= 2


def test_the_permutation_p_values_are_seeded():
    x, y, counts, _ = planted_grid()
    w = distance_band(x, y, 1.5)
    first, again = LocalMoran(counts, w), LocalMoran(counts, w)
    other = LocalMoran(counts, w, seed=1)
    assert_array_equal(first.p_sim, again.p_sim)
    assert not np.array_equal(first.p_sim, other.p_sim)


# esda asks to choose its future default alternative; its p_sim is the same either way.
@pytest.mark.filterwarnings("ignore:The alternative hypothesis:DeprecationWarning")
def test_permutation_p_values_agree_with_esdas_in_distribution():
    # Same null, different draws: with 9,999 permutations each, the pseudo p-values
    # differ by Monte Carlo error only (sd <= 0.005 at p = 0.5). Continuous values:
    # esda counts a tie as "above", we count it on both sides.
    x, y, _, block = planted_grid()
    values = np.random.default_rng(8).normal(size=x.size) + 2.0 * block
    w = distance_band(x, y, 1.5)
    ours = LocalMoran(values, w, permutations=9999)
    theirs = esda.Moran_Local(values, esda_w(w, values.size), transformation="r",
                              permutations=9999, seed=3)
    gap = np.abs(ours.p_sim - theirs.p_sim)
    print(f"|p_sim - esda p_sim|: max {gap.max():.4f}, mean {gap.mean():.4f}")
    assert gap.max() < 0.03


def test_uniform_points_are_rarely_flagged():
    """Under spatial randomness about alpha of the cells are flagged raw, far fewer after FDR."""
    shares, raw_shares = [], []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        grid = grid_counts(rng.uniform(0, 10_000, 20_000), rng.uniform(0, 10_000, 20_000),
                           250.0, bounds=(0, 0, 10_000, 10_000))
        w = distance_band(grid.x, grid.y, 600.0)
        lisa = LocalMoran(grid.counts, w, seed=seed)
        shares.append(np.mean(lisa.cluster != "ns"))
        raw_shares.append(np.mean(lisa.p <= 0.05))
    print(f"1,600 cells, 20,000 uniform points, 5 seeds: share labelled at alpha 0.05 "
          f"after FDR {np.round(shares, 4).tolist()}, without FDR "
          f"{np.round(raw_shares, 4).tolist()} (mean {np.mean(raw_shares):.4f})")
    assert np.mean(shares) <= 0.05
    assert np.mean(raw_shares) <= 0.06


def test_fdr_false_labels_on_the_raw_p():
    x, y, counts, _ = planted_grid()
    w = distance_band(x, y, 1.5)
    raw, adjusted = LocalMoran(counts, w, fdr=False), LocalMoran(counts, w)
    assert_array_equal(raw.cluster != "ns", raw.p <= 0.05)
    assert_array_equal(adjusted.cluster != "ns", adjusted.p_fdr <= 0.05)
    assert (raw.cluster != "ns").sum() > (adjusted.cluster != "ns").sum()


def test_constant_values_have_no_clusters_and_no_global_i():
    w = distance_band(*planted_grid()[:2], 1.5)
    lisa = LocalMoran(np.full(400, 4.0), w)
    assert_array_equal(lisa.Is, 0.0)
    assert_array_equal(lisa.p_sim, 1.0)
    assert_array_equal(lisa.cluster, "ns")
    with pytest.raises(InputError, match="constant"):
        global_moran(np.full(400, 4.0), w)


def test_a_cell_at_the_mean_and_an_island_are_never_significant():
    # Cell 0 is at the mean (z = 0); cell 5 at x = 90 has no neighbor within 15 m.
    values = np.array([5.0, 1.0, 9.0, 1.0, 9.0, 5.0])
    lisa = LocalMoran(values, distance_band([0, 10, 20, 30, 40, 90], [0] * 6, 15), fdr=False)
    assert lisa.p_sim[0] == 1.0 and lisa.p_sim[5] == 1.0
    assert lisa.cluster[0] == "ns" and lisa.cluster[5] == "ns"


def test_lisa_weights_drop_the_diagonal_and_standardize_rows():
    w = lisa_weights(distance_band(SIX_X, SIX_Y, 15), 6)
    assert_array_equal(w.diagonal(), 0.0)
    assert_allclose(np.asarray(w.sum(axis=1)).ravel(), 1.0)


@pytest.mark.parametrize(
    ("x", "kwargs"),
    [([1.0, 2.0], {}), ([1.0, np.nan, 2.0, 3.0, 4.0, 5.0], {}), (SIX_VALUES, {"alpha": 1.5}),
     (SIX_VALUES, {"permutations": 0})],
    ids=["too-few", "nan", "alpha", "permutations"],
)
def test_bad_local_moran_input_raises_input_error(x, kwargs):
    weights = distance_band(SIX_X, SIX_Y, 15)
    with pytest.raises(InputError):
        LocalMoran(x, weights if len(x) == 6 else weights[:len(x), :len(x)], **kwargs)
