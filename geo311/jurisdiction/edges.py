"""Exact point-to-edge distances with per-block candidate lists.

A nearest-neighbor search in a tree of segments costs more the farther the
point lies from the edges. Here the plane is cut into square blocks; for each
block centre ``c`` at distance ``d(c)`` from the edges, every segment that can
be nearest to a point of the block lies within ``d(c) + B·√2`` of ``c`` (B is
the block side: ``d(p) ≤ d(c) + B/√2`` and ``|p − c| ≤ B/√2``). Those
candidates are stored once; a query measures only them, in numpy.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

__all__ = ["EdgeDistance", "NearEdges", "near_bounds", "segments"]


def segments(lines: shapely.Geometry | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the two-point segments of (multi)lines and the input index of each.

    Returns an (n, 2, 2) coordinate array and, per segment, the index of the
    geometry in ``lines`` it came from. Zero-length segments are dropped.
    """
    parts, source = shapely.get_parts(lines, return_index=True)
    coords, part = shapely.get_coordinates(parts, return_index=True)
    same = part[1:] == part[:-1]
    pairs = np.stack([coords[:-1][same], coords[1:][same]], axis=1)
    source = source[part[:-1][same]]
    keep = (pairs[:, 0] != pairs[:, 1]).any(axis=1)
    return pairs[keep], source[keep]


def near_bounds(pairs: np.ndarray, bounds: tuple[float, float, float, float],
                margin: float) -> np.ndarray:
    """Return a mask of the segments whose bounding box meets ``bounds`` grown by ``margin``."""
    minx, miny, maxx, maxy = bounds
    return ((pairs[:, :, 0].max(axis=1) >= minx - margin)
            & (pairs[:, :, 0].min(axis=1) <= maxx + margin)
            & (pairs[:, :, 1].max(axis=1) >= miny - margin)
            & (pairs[:, :, 1].min(axis=1) <= maxy + margin))


def _block_centers(bounds: tuple[float, float, float, float], block_m: float):
    """Return (nx, ny, centre points) of square blocks covering ``bounds``."""
    minx, miny, maxx, maxy = bounds
    nx = max(1, math.ceil((maxx - minx) / block_m))
    ny = max(1, math.ceil((maxy - miny) / block_m))
    col, row = np.meshgrid(np.arange(nx), np.arange(ny))
    return nx, ny, shapely.points(minx + (col.ravel() + 0.5) * block_m,
                                  miny + (row.ravel() + 0.5) * block_m)


class EdgeDistance:
    """Distance in metres from points to a set of lines (e.g. the city limit).

    Parameters
    ----------
    lines : (multi)lines in a metric CRS.
    bounds : (minx, miny, maxx, maxy) of the metric area to accelerate; points
        outside it fall back to a tree search.
    block_m : block side in metres.
    """

    def __init__(self, lines: shapely.Geometry, bounds: tuple[float, float, float, float],
                 block_m: float = 500.0) -> None:
        pairs, _ = segments(lines)
        self._tree = shapely.STRtree(shapely.linestrings(pairs))
        self._x0, self._y0, self._block = bounds[0], bounds[1], block_m
        self._nx, self._ny, centers = _block_centers(bounds, block_m)
        _, nearest = self._tree.query_nearest(centers, return_distance=True, all_matches=False)
        block, candidate = self._tree.query(centers, predicate="dwithin",
                                            distance=nearest + block_m * math.sqrt(2))
        order = np.lexsort((candidate, block))
        self._lines = _chain(pairs, block[order], candidate[order], len(centers))

    def distance(self, point: shapely.Point) -> float:
        """Return the distance from one metric point to the nearest line."""
        col = math.floor((point.x - self._x0) / self._block)
        row = math.floor((point.y - self._y0) / self._block)
        if 0 <= col < self._nx and 0 <= row < self._ny:
            return float(shapely.distance(self._lines[row * self._nx + col], point))
        _, found = self._tree.query_nearest(point, return_distance=True)
        return float(found[0])


class NearEdges:
    """Which edge segments lie within ``distance_m`` of points; exact, vectorized.

    Each block of side ``B`` stores the segments within ``distance_m + B/√2``
    of its centre: every segment within ``distance_m`` of a point of the block
    is among them. A query measures point-to-segment distances for those
    candidates only, in numpy, for one point or a million.

    Parameters
    ----------
    pairs : (n, 2, 2) segment coordinates in a metric CRS.
    layer, feature : per segment, the layer and the feature it bounds.
    distance_m : the fixed query distance.
    bounds : metric area served; a point outside it is taken to be far from every
        edge (the caller makes the bounds cover all edges plus the distance).
    block_m : block side in metres.
    """

    def __init__(self, pairs: np.ndarray, layer: np.ndarray, feature: np.ndarray,
                 distance_m: float, bounds: tuple[float, float, float, float],
                 block_m: float = 80.0) -> None:
        minx, miny, maxx, maxy = bounds
        keep = near_bounds(pairs, bounds, distance_m + block_m)
        pairs = pairs[keep]
        self.distance_m = distance_m
        self._layer, self._feature = layer[keep], feature[keep]
        self._ax, self._ay = pairs[:, 0, 0], pairs[:, 0, 1]
        self._dx, self._dy = pairs[:, 1, 0] - self._ax, pairs[:, 1, 1] - self._ay
        self._inv_len2 = 1.0 / (self._dx**2 + self._dy**2)
        self._x0, self._y0, self._block = minx, miny, block_m
        self._nx, self._ny, centers = _block_centers(bounds, block_m)
        tree = shapely.STRtree(shapely.linestrings(pairs))
        block, candidate = tree.query(
            centers, predicate="dwithin", distance=distance_m + block_m / math.sqrt(2))
        del tree
        order = np.argsort(block, kind="stable")
        self._candidates = candidate[order]
        self._starts = np.searchsorted(block[order], np.arange(len(centers) + 1))

    def _squared(self, x: np.ndarray, y: np.ndarray, segment: np.ndarray) -> np.ndarray:
        """Squared distances from points (x[i], y[i]) to segments ``segment[i]``."""
        ax, ay = self._ax[segment], self._ay[segment]
        dx, dy = self._dx[segment], self._dy[segment]
        ux, uy = x - ax, y - ay
        t = np.clip((ux * dx + uy * dy) * self._inv_len2[segment], 0.0, 1.0)
        return (ux - t * dx) ** 2 + (uy - t * dy) ** 2

    def _blocks(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        col = np.floor((x - self._x0) / self._block)
        row = np.floor((y - self._y0) / self._block)
        inside = (col >= 0) & (col < self._nx) & (row >= 0) & (row < self._ny)
        return np.where(inside, row * self._nx + col, -1).astype(np.int64)

    def any_within(self, x: np.ndarray, y: np.ndarray, layers: np.ndarray) -> np.ndarray:
        """Return, per metric point, whether an edge of one of ``layers`` is within reach.

        ``layers`` is a boolean mask over layer numbers.
        """
        out = np.zeros(len(x), dtype=bool)
        block = self._blocks(x, y)
        on = np.flatnonzero(block >= 0)
        starts, ends = self._starts[block[on]], self._starts[block[on] + 1]
        counts = ends - starts
        point = np.repeat(on, counts)
        offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        segment = self._candidates[np.repeat(starts, counts) + offsets]
        keep = layers[self._layer[segment]]
        point, segment = point[keep], segment[keep]
        hit = self._squared(x[point], y[point], segment) <= self.distance_m**2
        out[point[hit]] = True
        return out

    def within(self, x: float, y: float) -> dict[tuple[int, int], float]:
        """Return ``{(layer, feature): distance}`` for the edges within reach of one point."""
        col = math.floor((x - self._x0) / self._block)
        row = math.floor((y - self._y0) / self._block)
        if not (0 <= col < self._nx and 0 <= row < self._ny):
            return {}
        block = row * self._nx + col
        segment = self._candidates[self._starts[block]:self._starts[block + 1]]
        squared = self._squared(x, y, segment)
        hit = np.flatnonzero(squared <= self.distance_m**2)
        out: dict[tuple[int, int], float] = {}
        for layer, feature, d2 in zip(self._layer[segment[hit]].tolist(),
                                      self._feature[segment[hit]].tolist(),
                                      squared[hit].tolist(), strict=True):
            distance = math.sqrt(d2)
            if distance < out.get((layer, feature), math.inf):
                out[(layer, feature)] = distance
        return out


def _chain(pairs: np.ndarray, block: np.ndarray, segment: np.ndarray,
           n_blocks: int) -> np.ndarray:
    """Return per block one MultiLineString of its candidate segments.

    Consecutive segments of one ring are joined into one line, which keeps the
    geometries small: a block's candidates are mostly a few runs of a ring.
    """
    start, end = pairs[segment, 0], pairs[segment, 1]
    new_run = np.ones(len(segment), dtype=bool)
    new_run[1:] = ((block[1:] != block[:-1]) | (segment[1:] != segment[:-1] + 1)
                   | (start[1:] != end[:-1]).any(axis=1))
    run = np.cumsum(new_run) - 1
    last = np.flatnonzero(np.append(new_run[1:], True))  # last segment of each run
    coords = np.concatenate([start, end[last]])
    line_of = np.concatenate([run, run[last]])
    order = np.argsort(line_of, kind="stable")  # each run: its starts, then its end
    lines = shapely.linestrings(coords[order], indices=line_of[order])
    return shapely.multilinestrings(lines, indices=block[new_run])
