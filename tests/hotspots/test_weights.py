"""Distance-band and k-nearest-neighbor weights include each cell itself."""

from __future__ import annotations

import numpy as np
import pytest
from libpysal.weights import DistanceBand
from numpy.testing import assert_array_equal
from scipy import sparse

from geo311.errors import InputError
from geo311.hotspots.weights import distance_band, knn


def unit_grid(side: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.divmod(np.arange(side * side), side)
    return xs.astype(float), ys.astype(float)


@pytest.mark.parametrize(
    ("threshold", "corner", "edge", "interior"),
    [(1.0, 3, 4, 5), (1.5, 4, 6, 9)],  # rook and queen neighbors, plus the cell itself
)
def test_distance_band_neighbor_counts_on_a_4x4_grid(threshold, corner, edge, interior):
    w = distance_band(*unit_grid(4), threshold)
    expected = np.array([
        [corner, edge, edge, corner],
        [edge, interior, interior, edge],
        [edge, interior, interior, edge],
        [corner, edge, edge, corner],
    ])
    assert_array_equal(np.diff(w.indptr).reshape(4, 4), expected)
    assert (w != w.T).nnz == 0
    assert_array_equal(w.diagonal(), 1.0)
    assert_array_equal(w.data, 1.0)


def test_distance_band_equals_libpysal_plus_self():
    rng = np.random.default_rng(0)
    points = rng.uniform(0, 5000, (500, 2))
    ours = distance_band(points[:, 0], points[:, 1], 400.0)
    theirs = DistanceBand(points, threshold=400.0, binary=True, silence_warnings=True).sparse
    assert (ours != theirs + sparse.identity(500, format="csr")).nnz == 0


def test_knn_by_hand_on_a_line():
    w = knn([0.0, 1.0, 3.0, 6.0], [0.0, 0.0, 0.0, 0.0], 1)
    assert_array_equal(w.toarray(), [[1, 1, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]])


def test_knn_rows_have_k_plus_one_entries_with_self_even_for_shared_centres():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 1000, 300), rng.uniform(0, 1000, 300)
    x[:10], y[:10] = 500.0, 500.0  # ten cells on one centre: query order cannot put self first
    w = knn(x, y, 6)
    assert_array_equal(np.diff(w.indptr), 7)
    assert_array_equal(w.diagonal(), 1.0)
    assert_array_equal(w.data, 1.0)


@pytest.mark.parametrize(
    "build",
    [
        lambda: distance_band([0.0, np.nan], [0.0, 0.0], 1.0),
        lambda: distance_band([0.0, 1.0], [0.0, 0.0], 0.0),
        lambda: knn([0.0, 1.0], [0.0, 0.0], 2),
        lambda: knn([0.0, 1.0], [0.0], 1),
    ],
    ids=["nan-centre", "zero-band", "k-too-large", "lengths-differ"],
)
def test_bad_weights_input_raises_input_error(build):
    with pytest.raises(InputError):
        build()
