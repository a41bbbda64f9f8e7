"""Sparse binary spatial weights for Gi*, each cell its own neighbor.

Weights are ``scipy.sparse.csr_matrix`` of shape (n, n) with ``w[i, j] = 1``
when cell ``j`` is in the neighborhood of cell ``i``; the diagonal is 1, as
Gi* counts the cell itself (Getis & Ord 1992). Neighbors are found with
``scipy.spatial.cKDTree`` on cell centres in metres.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from geo311.errors import InputError

__all__ = ["distance_band", "knn"]


def _centres(x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Return the (n, 2) array of finite centres."""
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise InputError("x_m and y_m must be 1-D arrays of the same length",
                         shapes=[x.shape, y.shape])
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InputError("cell centres must be finite")
    return np.column_stack([x, y])


def _binary(rows: np.ndarray, cols: np.ndarray, n: int) -> sparse.csr_matrix:
    return sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))


def distance_band(x_m: np.ndarray, y_m: np.ndarray, threshold_m: float) -> sparse.csr_matrix:
    """Return binary weights linking cells whose centres are within ``threshold_m``.

    Parameters
    ----------
    x_m, y_m : array_like
        Cell centres in a metric CRS.
    threshold_m : float
        Distance band in metres; a pair at exactly this distance is linked.

    Returns
    -------
    scipy.sparse.csr_matrix
        Symmetric, with ones on the diagonal.

    Notes
    -----
    Pairs come from one ``cKDTree.query_pairs`` call, so 100k cells with a
    few dozen neighbors each take a fraction of a second.

    Examples
    --------
    >>> distance_band([0.0, 1.0, 3.0], [0.0, 0.0, 0.0], 1.0).toarray()
    array([[1., 1., 0.],
           [1., 1., 0.],
           [0., 0., 1.]])
    """
    if not threshold_m > 0:
        raise InputError(f"threshold_m must be positive, got {threshold_m!r}",
                         threshold_m=threshold_m)
    centres = _centres(x_m, y_m)
    n = len(centres)
    pairs = cKDTree(centres).query_pairs(threshold_m, output_type="ndarray")
    self_ = np.arange(n)
    return _binary(np.concatenate([pairs[:, 0], pairs[:, 1], self_]),
                   np.concatenate([pairs[:, 1], pairs[:, 0], self_]), n)


def knn(x_m: np.ndarray, y_m: np.ndarray, k: int) -> sparse.csr_matrix:
    """Return binary weights linking each cell to itself and its ``k`` nearest cells.

    Parameters
    ----------
    x_m, y_m : array_like
        Cell centres in a metric CRS.
    k : int
        Neighbors besides the cell itself; ``k < n``.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``k + 1`` ones per row, the diagonal included; not symmetric in general.
        Ties at the k-th distance are broken by the tree, arbitrarily.
    """
    centres = _centres(x_m, y_m)
    n = len(centres)
    if not (isinstance(k, int | np.integer) and 1 <= k < n):
        raise InputError(f"k must be an integer in 1..{n - 1} for {n} cells, got {k!r}", k=k)
    _, nearest = cKDTree(centres).query(centres, k=k + 1)
    self_ = np.arange(n)
    # A cell sharing its centre with others may not come first: put it in the last place.
    missing = ~(nearest == self_[:, None]).any(axis=1)
    nearest[missing, -1] = self_[missing]
    return _binary(np.repeat(self_, k + 1), nearest.ravel(), n)
