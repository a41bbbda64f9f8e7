"""Quartic (biweight) kernel density of request points on a regular metric grid.

Points are counted into the cells of the grid and the counts are convolved with the
kernel sampled at cell centres (:func:`scipy.signal.fftconvolve`), so the cost depends on
the grid and the bandwidth, not on the number of points. :mod:`geo311.render.density`
draws the surface as a GeoTIFF or a PNG.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine
from scipy import signal

from geo311.errors import InputError

__all__ = ["Density", "kde", "quartic", "silverman_bandwidth"]

MAX_CELLS = 16_777_216


@dataclass(frozen=True)
class Density:
    """A kernel density surface on a north-up grid.

    Attributes
    ----------
    values : numpy.ndarray of float64, shape (n_rows, n_cols)
        Density in points (or weight units) per square metre at each cell centre;
        row 0 is the northernmost row, as in a raster.
    origin : tuple of float
        North-west corner of the grid (x, y) in the metric CRS.
    cell_m : float
        Side of a cell in metres.
    bandwidth_m : float
        Kernel radius used.
    n : float
        Number (or total weight) of the points on the grid.
    outside : int
        Finite points outside the grid's bounds, left out.
    """

    values: np.ndarray
    origin: tuple[float, float]
    cell_m: float
    bandwidth_m: float
    n: float
    outside: int

    @property
    def transform(self) -> Affine:
        """Affine transform from (col, row) to (x, y) of cell corners, as rasterio uses."""
        return Affine(self.cell_m, 0.0, self.origin[0], 0.0, -self.cell_m, self.origin[1])

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the grid."""
        n_rows, n_cols = self.values.shape
        x0, y1 = self.origin
        return x0, y1 - n_rows * self.cell_m, x0 + n_cols * self.cell_m, y1

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the x and y of the cell centres, each of the shape of ``values``."""
        n_rows, n_cols = self.values.shape
        x = self.origin[0] + (np.arange(n_cols) + 0.5) * self.cell_m
        y = self.origin[1] - (np.arange(n_rows) + 0.5) * self.cell_m
        return np.meshgrid(x, y)


def quartic(distance_m: np.ndarray, bandwidth_m: float) -> np.ndarray:
    """Return the quartic kernel ``3 / (pi h^2) (1 - (d / h)^2)^2`` for ``d < h``, else 0.

    It integrates to 1 over the plane (Silverman 1986, eq. 4.5, in two dimensions).

    Examples
    --------
    >>> float(quartic(0.0, 1.0) * np.pi / 3), float(quartic(1.0, 1.0))
    (1.0, 0.0)
    """
    u2 = (np.asarray(distance_m, dtype=float) / bandwidth_m) ** 2
    return np.where(u2 < 1.0, 3.0 / (math.pi * bandwidth_m**2) * (1.0 - u2) ** 2, 0.0)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def silverman_bandwidth(
    x_m: np.ndarray, y_m: np.ndarray, weights: np.ndarray | None = None
) -> float:
    """Return the default search radius of ArcGIS Pro's Kernel Density tool.

    ``h = 0.9 min(SD, sqrt(1 / ln 2) Dm) n^(-0.2)``, with ``SD`` the standard distance
    and ``Dm`` the median distance of the points to their mean centre, and ``n`` the
    number of points (the sum of the weights when given; the mean centre, ``SD`` and
    ``Dm`` are then weighted too).

    Parameters
    ----------
    x_m, y_m : array_like
        Finite coordinates in metres.
    weights : array_like, optional
        Non-negative weight of each point (such as a count per address).

    Raises
    ------
    InputError
        If fewer than two points are given or the rule gives 0 (all points equal).

    References
    ----------
    Silverman, B. W. (1986). Density Estimation for Statistics and Data Analysis.
    Chapman and Hall, London (eq. 3.31, the robust rule of thumb, in two dimensions).

    Esri. How Kernel Density works. ArcGIS Pro tool reference, "Default search radius
    (bandwidth)",
    https://pro.arcgis.com/en/pro-app/latest/tool-reference/spatial-analyst/how-kernel-density-works.htm

    Examples
    --------
    >>> round(silverman_bandwidth([0, 2, 0, 2], [0, 0, 2, 2]), 5)  # SD = Dm = sqrt(2)
    0.9646
    """
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    n = float(w.sum())
    if x.size < 2 or n <= 0:
        raise InputError("the bandwidth rule needs at least two points", points=int(x.size))
    cx, cy = np.average(x, weights=w), np.average(y, weights=w)
    d2 = (x - cx) ** 2 + (y - cy) ** 2
    standard_distance = math.sqrt(float(np.average(d2, weights=w)))
    median_distance = _weighted_median(np.sqrt(d2), w)
    h = 0.9 * min(standard_distance, math.sqrt(1 / math.log(2)) * median_distance) * n**-0.2
    if not h > 0:
        raise InputError("the bandwidth rule gives 0: over half the points coincide; "
                         "give bandwidth_m", points=int(x.size))
    return h


def kde(
    x_m: np.ndarray,
    y_m: np.ndarray,
    cell_m: float,
    bandwidth_m: float | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    weights: np.ndarray | None = None,
) -> Density:
    """Return the quartic kernel density of points on a square grid.

    Parameters
    ----------
    x_m, y_m : array_like
        Point coordinates in a metric CRS (see
        :func:`~geo311.hotspots.binning.project_lonlat`); NaN rows are ignored.
    cell_m : float
        Side of a grid cell in metres; a fifth of the bandwidth or less keeps the
        discretisation error small.
    bandwidth_m : float, optional
        Kernel radius in metres; default :func:`silverman_bandwidth` of the points.
    bounds : tuple of float, optional
        ``(xmin, ymin, xmax, ymax)`` to cover; default the points' bounds widened by the
        bandwidth, so that every kernel lies on the grid. The grid starts at
        ``(xmin, ymax)`` and its last row and column may reach beyond the bounds.
    weights : array_like, optional
        Weight of each point (such as a count of requests at an address).

    Returns
    -------
    Density
        ``values.sum() * cell_m**2`` is ``n`` up to the discretisation error and the
        kernel mass falling off the grid.

    Raises
    ------
    InputError
        If ``cell_m`` or ``bandwidth_m`` is not positive, no point is finite, or the grid
        would exceed 16,777,216 cells.

    Notes
    -----
    Each point is moved to its cell's centre, so the surface equals the exact sum of
    :func:`quartic` kernels for points at cell centres and is off by at most a shift of
    ``cell_m / sqrt(2)`` otherwise. 1M points on a 1,075 x 982 grid with a 20-cell radius
    take 0.09 s on 2 cores; the default bandwidth adds ~0.15 s (a median of 1M distances).

    Examples
    --------
    >>> d = kde([50.0], [50.0], cell_m=10.0, bandwidth_m=40.0, bounds=(0, 0, 100, 100))
    >>> round(float(d.values.max() / quartic(0.0, 40.0)), 6), d.values.shape
    (1.0, (10, 10))
    """
    if not cell_m > 0:
        raise InputError(f"cell_m must be positive, got {cell_m!r}", cell_m=cell_m)
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if x.shape != y.shape or x.shape != w.shape or x.ndim != 1:
        raise InputError("x_m, y_m and weights must be 1-D arrays of the same length",
                         shapes=[x.shape, y.shape, w.shape])
    finite = np.isfinite(x) & np.isfinite(y) & np.isfinite(w)
    x, y, w = x[finite], y[finite], w[finite]
    if x.size == 0:
        raise InputError("no point has a finite coordinate")
    h = silverman_bandwidth(x, y, w) if bandwidth_m is None else float(bandwidth_m)
    if not h > 0:
        raise InputError(f"bandwidth_m must be positive, got {bandwidth_m!r}", bandwidth_m=h)
    if bounds is None:
        bounds = (x.min() - h, y.min() - h, x.max() + h, y.max() + h)
    xmin, ymin, xmax, ymax = (float(b) for b in bounds)
    n_cols = max(1, math.ceil((xmax - xmin) / cell_m))
    n_rows = max(1, math.ceil((ymax - ymin) / cell_m))
    if n_cols * n_rows > MAX_CELLS:
        raise InputError(f"a {n_rows} x {n_cols} grid of {cell_m} m cells is too large",
                         cells=n_rows * n_cols)

    col = np.floor((x - xmin) / cell_m).astype(np.int64)
    row = np.floor((ymax - y) / cell_m).astype(np.int64)
    on_grid = (col >= 0) & (col < n_cols) & (row >= 0) & (row < n_rows)
    counts = np.bincount(row[on_grid] * n_cols + col[on_grid], weights=w[on_grid],
                         minlength=n_rows * n_cols).reshape(n_rows, n_cols)

    radius = math.ceil(h / cell_m)
    offsets = np.arange(-radius, radius + 1) * cell_m
    kernel = quartic(np.hypot(*np.meshgrid(offsets, offsets)), h)
    values = np.clip(signal.fftconvolve(counts, kernel, mode="same"), 0.0, None)
    return Density(values, (xmin, ymax), float(cell_m), h, float(w[on_grid].sum()),
                   int((~on_grid).sum()))
