"""Where two streets meet: the nodes of a centreline network, or the crossing of point lines.

**Centrelines.** A street network's segments end where streets meet. The node ids a layer
carries cannot always be trusted (Cambridge's FromNode/ToNode disagree with the geometry in
79 places), so the nodes are made from the geometry: segment ends within :data:`SNAP_M` of
each other are one node, and a segment end that lies on another street's line (a T drawn
without a node) is a node of that street too. Two streets meet at the nodes they share.
Nodes of one meeting closer than :data:`CLUSTER_M` (a divided road's two carriageways, a
jog) are one place; streets that meet at places farther apart meet more than once, and the
caller must say which.

**Address points only** (no centrelines, as for LA's reference of past requests): each
street's points are fitted with a straight line, and the lines' crossing is the place,
when both streets' points lie along a line near it. A long street bends: the line is
refitted on the points near the crossing found, a few times, so it is the street's local
direction that counts.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import shapely
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geo311.address.reference import AddressReference

__all__ = ["CLUSTER_M", "NODE_PRECISION_M", "SNAP_M", "Crossing", "Meeting", "StreetNetwork",
           "cross_point_lines", "fit_line"]

SNAP_M = 1.0
"""Segment ends closer than this (metres) are one node."""
CLUSTER_M = 40.0
"""Shared nodes closer than this are one meeting place."""
NODE_PRECISION_M = 15.0
"""How far a request "at" an intersection may be from its node: the corners around it."""
# A street's points make a line when they stretch at least this far each way from their
# middle, lie at most this far from it (root mean square), and the two lines cross at
# more than ~17 degrees, at most this far beyond either street's points.
LINE_MIN_HALF_M = 50.0
LINE_MAX_RMS_M = 50.0
LINE_MIN_SINE = 0.3
LINE_MAX_BEYOND_M = 400.0
LOCAL_RADIUS_M = 1000.0
"""Points farther than this from the crossing found do not shape the line refitted."""
_REFITS = 3
_PRECISION_BASE_M = 10.0
PRECISION_FACTOR = 2.0
"""The precision of a crossing of point lines is this times ``10 m + each line's rms offset
+ how far beyond the points it lies``: on LA's 2017 requests (leave one day out) the error
is within that once for 57 % of answers, within twice for 80 %."""


class Meeting(NamedTuple):
    """One place where two streets meet: lon/lat, its precision, and its nodes."""

    lon: float
    lat: float
    precision_m: float
    nodes: int


class StreetNetwork:
    """The nodes of a reference's centrelines and the nodes of each street; built once."""

    def __init__(self, reference: AddressReference) -> None:
        ref = reference
        starts = ref.segment_vertices[:-1]
        stops = ref.segment_vertices[1:] - 1
        ends = np.concatenate([starts, stops]).astype(np.int64)
        segment = np.concatenate([np.arange(len(starts))] * 2)
        xy, lonlat = ref.vertex_xy[ends], ref.vertex_lonlat[ends]
        if len(ends):
            pairs = cKDTree(xy).sparse_distance_matrix(cKDTree(xy), SNAP_M)
            count, label = connected_components(pairs, directed=False)
        else:
            count, label = 0, np.zeros(0, dtype=np.int64)
        sizes = np.maximum(np.bincount(label, minlength=count), 1)[:, None]
        self.node_xy = np.zeros((count, 2))
        self.node_lonlat = np.zeros((count, 2))
        np.add.at(self.node_xy, label, xy)
        np.add.at(self.node_lonlat, label, lonlat)
        self.node_xy /= sizes
        self.node_lonlat /= sizes
        street = ref.segment_street[segment] if len(segment) else segment
        self.street_nodes: dict[int, set[int]] = {}
        for s, node in zip(street.tolist(), label.tolist(), strict=True):
            self.street_nodes.setdefault(s, set()).add(node)
        self._tees(ref)

    def _tees(self, ref: AddressReference) -> None:
        """Add to each street the nodes that lie on its lines without ending a segment."""
        count = len(ref.segment_street)
        if not count or not len(self.node_xy):
            return
        lines = shapely.linestrings(ref.vertex_xy, indices=np.repeat(
            np.arange(count), np.diff(ref.segment_vertices)))
        nodes, segments = shapely.STRtree(lines).query(
            shapely.points(self.node_xy), predicate="dwithin", distance=SNAP_M)
        for node, j in zip(nodes.tolist(), segments.tolist(), strict=True):
            self.street_nodes.setdefault(int(ref.segment_street[j]), set()).add(node)

    def meetings(self, a: int, b: int) -> list[Meeting]:
        """The places where streets ``a`` and ``b`` meet, west to east (none: they don't)."""
        shared = sorted(self.street_nodes.get(a, set()) & self.street_nodes.get(b, set()))
        if not shared:
            return []
        xy = self.node_xy[shared]
        tree = cKDTree(xy)
        _, label = connected_components(tree.sparse_distance_matrix(tree, CLUSTER_M),
                                        directed=False)
        out = []
        for group in np.unique(label):
            members = np.flatnonzero(label == group)
            centre = xy[members].mean(axis=0)
            radius = float(np.max(np.hypot(*(xy[members] - centre).T)))
            lon, lat = self.node_lonlat[[shared[i] for i in members]].mean(axis=0)
            out.append(Meeting(float(lon), float(lat), round(NODE_PRECISION_M + radius, 1),
                               len(members)))
        return sorted(out)


class _Line(NamedTuple):
    centre: np.ndarray
    direction: np.ndarray
    half_m: float
    rms_m: float


class Crossing(NamedTuple):
    """Where two point lines cross (metric ``x, y``) and its precision in metres."""

    x: float
    y: float
    precision_m: float


def fit_line(xy: np.ndarray) -> _Line | None:
    """The straight line through points (metric): None for fewer than two distinct."""
    xy = np.unique(np.asarray(xy, dtype=float).reshape(-1, 2), axis=0)
    if len(xy) < 2:
        return None
    centre = xy.mean(axis=0)
    _, _, axes = np.linalg.svd(xy - centre, full_matrices=False)
    along, across = (xy - centre) @ axes[0], (xy - centre) @ axes[1]
    return _Line(centre, axes[0], float(np.abs(along).max()),
                 float(np.sqrt(np.mean(across ** 2))))


def _straight(line: _Line | None) -> bool:
    return line is not None and line.half_m >= LINE_MIN_HALF_M and line.rms_m <= LINE_MAX_RMS_M


def _cross(first: _Line, second: _Line) -> Crossing | None:
    (ca, da, ha, ra), (cb, db, hb, rb) = first, second
    if abs(da[0] * db[1] - da[1] * db[0]) < LINE_MIN_SINE:  # near parallel
        return None
    t, s = np.linalg.solve(np.column_stack([da, -db]), cb - ca)
    beyond = max(abs(t) - ha, 0.0) + max(abs(s) - hb, 0.0)
    if beyond > LINE_MAX_BEYOND_M:
        return None
    x, y = ca + t * da
    precision = PRECISION_FACTOR * (_PRECISION_BASE_M + ra + rb + beyond)
    return Crossing(float(x), float(y), round(precision, 1))


def _near(xy: np.ndarray, x: float, y: float) -> np.ndarray:
    return xy[np.hypot(xy[:, 0] - x, xy[:, 1] - y) <= LOCAL_RADIUS_M]


def cross_point_lines(first: np.ndarray, second: np.ndarray) -> Crossing | None:
    """Where the lines of two streets' points (metric) cross, or None when the lines are
    not straight enough, near parallel, or cross far beyond the points.

    The search starts between the closest two points of the streets: each street's line
    is fitted to its points within :data:`LOCAL_RADIUS_M` of the estimate, their crossing
    is the next estimate, until it stays put. When that fails, the lines of all the points
    are tried. The precision is :data:`PRECISION_FACTOR` times ``10 m + each line's rms
    offset + how far beyond the points the crossing lies``.
    """
    first = np.asarray(first, dtype=float).reshape(-1, 2)
    second = np.asarray(second, dtype=float).reshape(-1, 2)
    if len(first) < 2 or len(second) < 2:
        return None
    distance, nearest = cKDTree(second).query(first)
    i = int(np.argmin(distance))
    x, y = (first[i] + second[int(nearest[i])]) / 2
    found = None
    for _ in range(_REFITS + 1):
        lines = [fit_line(_near(xy, x, y)) for xy in (first, second)]
        crossing = _cross(*lines) if all(_straight(line) for line in lines) else None
        if crossing is None:
            break
        if found is not None and np.hypot(crossing.x - x, crossing.y - y) < 1.0:
            return crossing
        found, x, y = crossing, crossing.x, crossing.y
    if found is not None:
        return found
    lines = [fit_line(first), fit_line(second)]
    return _cross(*lines) if all(_straight(line) for line in lines) else None
