"""A lon/lat grid whose cells are pre-classified against polygon layers.

Most points of a city fall in cells that no polygon edge crosses; for those the
answer of every layer is one array lookup. Cells that an edge crosses are
*mixed* and their points take the exact polygon test.

How a layer is classified (all vectorized):

1. Every ring of every polygon is densified to steps of at most half a cell
   (in grid units); each pair of consecutive vertices marks the cells of its
   bounding box, widened by a tiny epsilon. A straight segment lies inside the
   bounding box of its end points, so every cell an edge passes through is
   marked (a conservative *supercover*).
2. The unmarked cells split into 4-connected components
   (:func:`scipy.ndimage.label`). No edge crosses a component, so one test of
   one cell centre per component classifies all its cells.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

__all__ = ["MIXED", "NONE", "Grid", "edge_cells", "classify", "pick_smallest"]

MIXED = -2
"""Cell value: an edge crosses the cell, test its points exactly."""
NONE = -1
"""Cell value (and result value): no feature covers the point."""

_METRES_PER_DEGREE = 111_320.0
_EPS = 1e-7  # grid units; widens each marked box against rounding


@dataclass(frozen=True)
class Grid:
    """A regular lon/lat grid: origin, cell size in degrees, and shape."""

    x0: float
    y0: float
    dx: float
    dy: float
    nx: int
    ny: int

    @classmethod
    def covering(cls, bounds: tuple[float, float, float, float], cell_m: float,
                 max_cells: int) -> Grid:
        """Return a grid over ``bounds`` with cells of about ``cell_m`` metres.

        The cell size grows when the grid would exceed ``max_cells`` cells.
        """
        minx, miny, maxx, maxy = bounds
        coslat = max(math.cos(math.radians((miny + maxy) / 2)), 0.01)
        width_m = max((maxx - minx) * _METRES_PER_DEGREE * coslat, cell_m)
        height_m = max((maxy - miny) * _METRES_PER_DEGREE, cell_m)
        cell_m = max(cell_m, math.sqrt(width_m * height_m / max_cells))
        nx = max(1, math.ceil(width_m / cell_m))
        ny = max(1, math.ceil(height_m / cell_m))
        while nx * ny > max_cells:  # ceil() can overshoot by a row or column
            cell_m *= 1.01
            nx, ny = math.ceil(width_m / cell_m), math.ceil(height_m / cell_m)
        return cls(minx, miny, (maxx - minx) / nx or 1e-9, (maxy - miny) / ny or 1e-9, nx, ny)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return (self.ny, self.nx)

    def min_cell_m(self, max_abs_lat: float) -> float:
        """The smallest cell side in metres anywhere up to latitude ``max_abs_lat``."""
        coslat = math.cos(math.radians(min(max_abs_lat, 89.9)))
        return min(self.dx * _METRES_PER_DEGREE * coslat, self.dy * _METRES_PER_DEGREE)

    def cells(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Return the flat cell index of each point, -1 off the grid (or NaN)."""
        with np.errstate(over="ignore", invalid="ignore"):  # huge/inf/NaN fall off the grid
            col = np.floor((x - self.x0) / self.dx)
            row = np.floor((y - self.y0) / self.dy)
        inside = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        out = np.full(len(col), -1, dtype=np.int64)
        out[inside] = row[inside].astype(np.int64) * self.nx + col[inside].astype(np.int64)
        return out

    def cell(self, x: float, y: float) -> int:
        """Return the flat cell index of one point, -1 off the grid."""
        col = math.floor((x - self.x0) / self.dx)
        row = math.floor((y - self.y0) / self.dy)
        if 0 <= col < self.nx and 0 <= row < self.ny:
            return row * self.nx + col
        return -1

    def centers(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the lon/lat centres of the cells with flat indices ``flat``."""
        row, col = np.divmod(flat, self.nx)
        return self.x0 + (col + 0.5) * self.dx, self.y0 + (row + 0.5) * self.dy


def edge_cells(grid: Grid, geoms: np.ndarray) -> np.ndarray:
    """Return a boolean (ny, nx) mask of the cells that a polygon edge crosses."""
    mask = np.zeros(grid.shape, dtype=bool)
    rings = shapely.get_parts(shapely.boundary(geoms))
    if len(rings) == 0:
        return mask
    in_units = shapely.transform(
        rings, lambda c: (c - (grid.x0, grid.y0)) / (grid.dx, grid.dy)
    )
    coords, ring_index = shapely.get_coordinates(
        shapely.segmentize(in_units, 0.5), return_index=True
    )
    same_ring = ring_index[1:] == ring_index[:-1]
    a, b = coords[:-1][same_ring], coords[1:][same_ring]
    lo = np.floor(np.minimum(a, b) - _EPS).astype(np.int64)
    hi = np.floor(np.maximum(a, b) + _EPS).astype(np.int64)
    span = hi - lo  # at most 2 cells each way: segments are <= 0.5 units long
    for dcol in range(int(span[:, 0].max(initial=0)) + 1):
        for drow in range(int(span[:, 1].max(initial=0)) + 1):
            take = (span[:, 0] >= dcol) & (span[:, 1] >= drow)
            col, row = lo[take, 0] + dcol, lo[take, 1] + drow
            ok = (col >= 0) & (col < grid.nx) & (row >= 0) & (row < grid.ny)
            mask[row[ok], col[ok]] = True
    return mask


def pick_smallest(point_index: np.ndarray, feature_index: np.ndarray, n_points: int,
                  rank: np.ndarray) -> np.ndarray:
    """Return, per point, the matching feature of lowest ``rank`` (``NONE`` if none).

    ``point_index``/``feature_index`` are the pairs a spatial query returned;
    ``rank`` orders features (smallest area first), which settles overlaps.
    """
    out = np.full(n_points, NONE, dtype=np.int32)
    if len(point_index):
        order = np.lexsort((rank[feature_index], point_index))
        first = np.ones(len(order), dtype=bool)
        first[1:] = point_index[order][1:] != point_index[order][:-1]
        out[point_index[order][first]] = feature_index[order][first]
    return out


def classify(grid: Grid, geoms: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Return a flat int32 array: per cell the covering feature, ``NONE`` or ``MIXED``.

    Parameters
    ----------
    grid : the grid to classify.
    geoms : polygons in the grid's lon/lat.
    rank : per feature, its priority where features overlap (lowest wins).
    """
    labels, n_components = ndimage.label(~edge_cells(grid, geoms))
    labels = labels.ravel()
    if n_components == 0:
        return np.full(len(labels), MIXED, dtype=np.int32)
    # one representative cell per component: the first cell carrying its label
    firsts = pd.Series(labels).drop_duplicates()  # hashing, in order of appearance
    firsts = firsts[firsts > 0]
    rep = np.empty(n_components, dtype=np.int64)
    rep[firsts.to_numpy() - 1] = firsts.index.to_numpy()
    x, y = grid.centers(rep)
    tree = shapely.STRtree(shapely.points(x, y))
    feat, pt = tree.query(geoms, predicate="intersects")
    value = np.concatenate([[MIXED], pick_smallest(pt, feat, n_components, rank)])
    return value[labels]  # label 0 marks the edge cells
