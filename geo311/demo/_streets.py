"""The street centreline network in TIGER/Line style.

A 200 m grid (eight blocks to the mile) covers the city and the nearby parts
of its neighbors; every eighth line is a section-line arterial that runs on
through the county. ``Main St`` (x = 0) and ``Central Ave`` (y = 0) are the
address baselines: house numbers grow by 100 per block away from them and
the directional prefix says which side of the baseline a segment is on.
Two diagonals run through grid nodes, ``Riverside Dr`` meanders between two
rows of blocks, and short courts branch off local streets. Segments run
from intersection to intersection, digitized towards higher house numbers
with odd numbers on the left and even numbers on the right.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
import shapely

from geo311.demo._boundaries import Region
from geo311.demo._frame import stream
from geo311.demo._zips import ZipMap
from geo311.demo.names import (
    ARTERIAL_SUFFIXES,
    COURT_SUFFIXES,
    LOCAL_SUFFIXES,
    STEMS,
    ordinal,
)

BLOCK = 200.0
_ARTERIAL, _COLLECTOR = 8, 4
_GOLDEN_STATE = 400.0  # y = x + c
_CHAVEZ = -800.0  # y = -x + c; meets Golden State Blvd at a grid node
_RIVER_X = (-6000.0, 7000.0)
_RIVER_ROWS = (-9, -10, -8, -11, -7, -12, 8, 9, 7, 10, 6, 11)
_N_SUPERBLOCKS = 30
_N_COURTS = 70
_COURT_LENGTH = 90.0
MLK = "Martin Luther King Jr"

#: ``alias,street`` pairs; every target is ``NAME SUFFIX`` of a street in the network.
ALIASES = (
    ("MLK Blvd", f"{MLK} Blvd"),
    ("MLK Jr Blvd", f"{MLK} Blvd"),
    ("Martin Luther King Blvd", f"{MLK} Blvd"),
    ("M L King Jr Blvd", f"{MLK} Blvd"),
    ("Hwy 99", "Golden State Blvd"),
    ("Highway 99", "Golden State Blvd"),
    ("Old Highway 99", "Golden State Blvd"),
    ("Chavez Pkwy", "Cesar Chavez Pkwy"),
    ("Cesar E Chavez Pkwy", "Cesar Chavez Pkwy"),
    ("River Rd", "Riverside Dr"),
)


@dataclass
class _Line:
    """One named street: its runs of centreline and the points where it is cut."""

    name: str
    suffix: str
    cls: str
    mode: str  # house numbers from |y| ("y"), |x| ("x") or x - x0 ("x0")
    x0: float = 0.0
    runs: list[np.ndarray] = field(default_factory=list)
    cuts: list[tuple[float, float]] = field(default_factory=list)

    def param(self, xy: np.ndarray) -> np.ndarray:
        """Position along the line: y for north-south lines, x for the others."""
        return xy[..., 1] if self.mode == "y" else xy[..., 0]


@dataclass(frozen=True)
class StreetNetwork:
    """Street segments: TIGER attributes plus internal columns, and geometry in metres.

    ``segments`` holds ``PREDIR, NAME, SUFFIX, FULLNAME, MTFCC, LFROMADD, LTOADD,
    RFROMADD, RTOADD, ZIPL, ZIPR`` and the internal ``cls`` (arterial, collector,
    local or court), ``u0``/``u1`` (house-number scale at the two ends) and
    ``urban``.
    """

    segments: pd.DataFrame
    geoms_m: np.ndarray


class _Grid:
    """Which 200 m grid edges exist, in index space ``[line, node]``."""

    def __init__(self, region: Region, rng: np.random.Generator) -> None:
        xmin, ymin, xmax, ymax = region.extent_m
        self.k = np.arange(np.ceil(xmin / BLOCK), np.floor(xmax / BLOCK) + 1).astype(int)
        self.j = np.arange(np.ceil(ymin / BLOCK), np.floor(ymax / BLOCK) + 1).astype(int)
        self.x, self.y = self.k * BLOCK, self.j * BLOCK
        shapely.prepare(region.urban_m)
        self.region = region
        # vertical[a, b]: edge on x = x[a] from y[b] to y[b + 1]; horizontal[a, b]:
        # edge on y = y[b] from x[a] to x[a + 1].
        ymid = (self.y[:-1] + self.y[1:]) / 2.0
        xmid = (self.x[:-1] + self.x[1:]) / 2.0
        self.vertical = self._edges(rng, self.x[:, None], ymid[None, :], self.k[:, None], False)
        self.horizontal = self._edges(rng, xmid[:, None], self.y[None, :], self.j[None, :], True)
        self._clear_superblocks(rng)

    def _edges(
        self, rng: np.random.Generator, xm: np.ndarray, ym: np.ndarray, line: np.ndarray,
        horizontal: bool,
    ) -> np.ndarray:
        """Edges with midpoints ``(xm, ym)`` on grid lines numbered ``line``."""
        xm, ym = np.broadcast_arrays(xm, ym)
        line = np.broadcast_to(line, xm.shape)
        dx, dy = (BLOCK / 2.0, 0.0) if horizontal else (0.0, BLOCK / 2.0)
        ends = [(xm - dx, ym - dy), (xm + dx, ym + dy)]
        dry = ~self.in_lake(xm, ym)
        for ex, ey in ends:
            dry &= ~self.in_lake(ex, ey)
        urban = shapely.contains_xy(self.region.urban_m, xm, ym)
        local = (line % _COLLECTOR != 0) & (rng.random(xm.shape) < 0.95)
        return dry & ((line % _ARTERIAL == 0) | (urban & ((line % _COLLECTOR == 0) | local)))

    def in_lake(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether points fall in the reservoir (with a 30 m shore)."""
        return shapely.dwithin(self.region.lake_m, shapely.points(x, y), 30.0)

    def _clear_superblocks(self, rng: np.random.Generator) -> None:
        """Remove the local streets inside a few 3x3-block parks and industrial sites."""
        cx = shapely.contains_xy(
            self.region.urban_m, self.x[:-3, None] + 1.5 * BLOCK, self.y[None, :-3] + 1.5 * BLOCK
        )
        candidates = np.argwhere(cx)
        for a, b in candidates[rng.choice(len(candidates), _N_SUPERBLOCKS, replace=False)]:
            for line in (a + 1, a + 2):
                if self.k[line] % _COLLECTOR:
                    self.vertical[line, b : b + 3] = False
            for line in (b + 1, b + 2):
                if self.j[line] % _COLLECTOR:
                    self.horizontal[a : a + 3, line] = False

    def node_degree(self) -> tuple[np.ndarray, np.ndarray]:
        """Whether a horizontal / vertical edge meets each node ``[a, b]``."""
        hd = np.zeros((self.k.size, self.j.size), dtype=bool)
        hd[:-1, :] |= self.horizontal
        hd[1:, :] |= self.horizontal
        vd = np.zeros_like(hd)
        vd[:, :-1] |= self.vertical
        vd[:, 1:] |= self.vertical
        return hd, vd


def build_streets(seed: int, region: Region) -> StreetNetwork:
    """Generate the street network of the demo region.

    Parameters
    ----------
    seed : int
        Seed of the demo region.
    region : Region
        The boundaries (the urban area gets the dense grid; the reservoir none).

    Returns
    -------
    StreetNetwork
        Block segments with TIGER/Line attributes and metre geometry.
    """
    rng = stream(seed, "streets")
    grid = _Grid(region, rng)
    stems = list(rng.permutation(np.array(STEMS, dtype=object)))
    hd, vd = grid.node_degree()
    golden = _diagonal(grid, "Golden State", "Blvd", _GOLDEN_STATE, 1, urban_only=False)
    chavez = _diagonal(grid, "Cesar Chavez", "Pkwy", _CHAVEZ, -1, urban_only=True)
    on_diagonal = golden.degree | chavez.degree
    lines_v = _grid_lines(grid, rng, stems, vertical=True, cross=hd | on_diagonal)
    lines_h = _grid_lines(grid, rng, stems, vertical=False, cross=vd | on_diagonal)
    for diag, other in ((golden, chavez), (chavez, golden)):
        for a, b in diag.nodes[(hd | vd | other.degree)[diag.nodes[:, 0], diag.nodes[:, 1]]]:
            diag.line.cuts.append((grid.x[a], grid.y[b]))
    river, river_row = _river(grid, rng, lines_v, [golden.line, chavez.line])
    courts = _courts(grid, rng, stems, lines_h, river_row)
    lines = [*lines_v.values(), *lines_h.values(), golden.line, chavez.line, river, *courts]
    segments, geoms = _segments(lines)
    _address_ranges(segments, geoms, ZipMap(seed))
    mid = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
    segments["urban"] = shapely.contains(region.urban_m, mid)
    return StreetNetwork(segments, geoms)


def _pick_suffix(rng: np.random.Generator, table: tuple[tuple[str, int], ...]) -> str:
    names, weights = zip(*table, strict=True)
    p = np.asarray(weights, dtype=float)
    return str(names[rng.choice(len(names), p=p / p.sum())])


def _grid_lines(
    grid: _Grid, rng: np.random.Generator, stems: list[str], vertical: bool, cross: np.ndarray
) -> dict[int, _Line]:
    """Name the grid lines that have edges and cut them at every intersection."""
    edges = grid.vertical if vertical else grid.horizontal.T
    index = grid.k if vertical else grid.j
    coord = grid.y if vertical else grid.x
    other = grid.x if vertical else grid.y
    flags = cross if vertical else cross.T
    lines: dict[int, _Line] = {}
    for a in np.flatnonzero(edges.any(axis=1)):
        n = int(index[a])
        arterial = n % _ARTERIAL == 0
        cls = "arterial" if arterial else "collector" if n % _COLLECTOR == 0 else "local"
        if n == 0:
            name, suffix = ("Main", "St") if vertical else ("Central", "Ave")
        elif n > 0:
            name, suffix = ordinal(n), "St" if vertical else "Ave"
        elif vertical and n == -_ARTERIAL:
            name, suffix = MLK, "Blvd"
        else:
            name = stems.pop()
            suffix = _pick_suffix(rng, ARTERIAL_SUFFIXES if arterial else LOCAL_SUFFIXES)
        line = _Line(name, suffix, cls, "y" if vertical else "x")
        e = edges[a]
        starts = np.flatnonzero(e & ~np.concatenate([[False], e[:-1]]))
        ends = np.flatnonzero(e & ~np.concatenate([e[1:], [False]])) + 1
        node_cut = flags[a] | (coord == 0.0)
        for s, t in zip(starts, ends, strict=True):
            pts = np.array([[other[a], coord[s]], [other[a], coord[t]]])
            line.runs.append(pts if vertical else pts[:, ::-1])
            for b in np.flatnonzero(node_cut[s + 1 : t]) + s + 1:
                xy = (other[a], coord[b]) if vertical else (coord[b], other[a])
                line.cuts.append(xy)
        lines[n] = line
    return lines


class _Diagonal(NamedTuple):
    line: _Line
    degree: np.ndarray  # [a, b]: a segment of the diagonal ends at grid node (a, b)
    nodes: np.ndarray  # (n, 2) grid node indices the diagonal passes through


def _diagonal(
    grid: _Grid, name: str, suffix: str, c: float, slope: int, urban_only: bool
) -> _Diagonal:
    """A 45-degree street ``y = slope * x + c`` through grid nodes."""
    j_of_k = (slope * grid.k * BLOCK + c) / BLOCK
    ok = (j_of_k >= grid.j[0]) & (j_of_k <= grid.j[-1])
    a = np.flatnonzero(ok)
    b = (j_of_k[ok] - grid.j[0]).astype(int)
    x, y = grid.x[a], grid.y[b]
    xm, ym = (x[:-1] + x[1:]) / 2.0, (y[:-1] + y[1:]) / 2.0
    exists = ~grid.in_lake(xm, ym) & ~grid.in_lake(x[:-1], y[:-1]) & ~grid.in_lake(x[1:], y[1:])
    if urban_only:
        exists &= shapely.contains_xy(grid.region.urban_m, xm, ym)
    degree = np.zeros((grid.k.size, grid.j.size), dtype=bool)
    degree[a[:-1][exists], b[:-1][exists]] = True
    degree[a[1:][exists], b[1:][exists]] = True
    line = _Line(name, suffix, "arterial", "x0", x0=float(x[np.argmax(exists)]))
    starts = np.flatnonzero(exists & ~np.concatenate([[False], exists[:-1]]))
    ends = np.flatnonzero(exists & ~np.concatenate([exists[1:], [False]])) + 1
    for s, t in zip(starts, ends, strict=True):
        line.runs.append(np.array([[x[s], y[s]], [x[t], y[t]]]))
    return _Diagonal(line, degree, np.column_stack([a, b]))


def _river(
    grid: _Grid, rng: np.random.Generator, lines_v: dict[int, _Line], diagonals: list[_Line]
) -> tuple[_Line, int]:
    """Riverside Dr: meanders between two block rows, crossing only north-south streets."""
    phase = rng.uniform(0.0, 2.0 * np.pi, 2)
    xs = np.arange(_RIVER_X[0], _RIVER_X[1] + 1.0, 20.0)
    wiggle = 45.0 * np.sin(xs / 310.0 + phase[0]) + 12.0 * np.sin(xs / 115.0 + phase[1])
    for row in _RIVER_ROWS:
        coords = np.column_stack([xs, row * BLOCK + BLOCK / 2.0 + wiggle])
        if not grid.in_lake(coords[:, 0], coords[:, 1]).any():
            break
    else:
        raise RuntimeError("no dry row for Riverside Dr")
    line = _Line("Riverside", "Dr", "collector", "x0", x0=_RIVER_X[0], runs=[coords])
    b = int(np.flatnonzero(grid.j == row)[0])
    for k, vline in lines_v.items():
        a = int(np.flatnonzero(grid.k == k)[0])
        i = np.flatnonzero(xs == k * BLOCK)
        if i.size and grid.vertical[a, b]:
            xy = (float(xs[i[0]]), float(coords[i[0], 1]))
            vline.cuts.append(xy)
            if 0 < i[0] < xs.size - 1:
                line.cuts.append(xy)
    river = shapely.LineString(coords)
    for diag in diagonals:
        for run in diag.runs:
            crossing = shapely.intersection(river, shapely.LineString(run))
            for x, y in shapely.get_coordinates(crossing):
                diag.cuts.append((x, y))
                line.cuts.append((x, y))
    return line, row


def _courts(
    grid: _Grid, rng: np.random.Generator, stems: list[str], lines_h: dict[int, _Line],
    river_row: int,
) -> list[_Line]:
    """Short dead-end courts branching off the middle of local east-west blocks."""
    a, b = np.nonzero(grid.horizontal)
    local = (grid.j[b] % _COLLECTOR != 0) & (grid.j[b] != 0)
    a, b = a[local], b[local]
    order = rng.permutation(a.size)
    courts, used = [], set()
    for a_i, b_i in zip(a[order], b[order], strict=True):
        north = bool(rng.random() < 0.5)
        row = int(grid.j[b_i]) - (0 if north else 1)  # block row the court runs into
        k = int(grid.k[a_i])
        crossed = (
            row - k == _GOLDEN_STATE / BLOCK
            or row + 1 + k == _CHAVEZ / BLOCK
            or row == river_row
            or (k, row) in used
        )
        x = grid.x[a_i] + BLOCK / 2.0
        y0 = grid.y[b_i]
        y1 = y0 + (_COURT_LENGTH if north else -_COURT_LENGTH)
        if crossed or not shapely.contains_xy(grid.region.urban_m, x, y1):
            continue
        used.add((k, row))
        name = stems.pop()
        court = _Line(name, _pick_suffix(rng, COURT_SUFFIXES), "court", "y")
        court.runs.append(np.array([[x, y0], [x, y1]]))
        lines_h[int(grid.j[b_i])].cuts.append((x, y0))
        courts.append(court)
        if len(courts) == _N_COURTS:
            break
    return courts


def _segments(lines: list[_Line]) -> tuple[pd.DataFrame, np.ndarray]:
    """Cut every run at its cuts; digitize each piece towards higher house numbers."""
    rows, coords = [], []
    for line in lines:
        cuts = np.array(line.cuts, dtype=float).reshape(-1, 2)
        cut_param = line.param(cuts)
        for run in line.runs:
            if line.param(run)[0] > line.param(run)[-1]:
                run = run[::-1]
            p = line.param(run)
            lo, hi = min(p[0], p[-1]), max(p[0], p[-1])
            inside = (cut_param > lo) & (cut_param < hi)
            pts, pp = cuts[inside], cut_param[inside]
            order = np.argsort(pp)
            pts, pp = pts[order], pp[order]
            _, first = np.unique(pp, return_index=True)
            pts, pp = pts[first], pp[first]
            bounds = np.vstack([run[:1], pts, run[-1:]])
            bparam = np.concatenate([p[:1], pp, p[-1:]])
            for i in range(bounds.shape[0] - 1):
                between = (p > bparam[i]) & (p < bparam[i + 1])
                piece = np.vstack([bounds[i : i + 1], run[between], bounds[i + 1 : i + 2]])
                u = _house_scale(line, piece[[0, -1]])
                if u[0] > u[1]:
                    piece, u = piece[::-1], u[::-1]
                coords.append(piece)
                rows.append((line, piece, u))
    predir = [_predir(line, piece) for line, piece, _ in rows]
    segments = pd.DataFrame(
        {
            "PREDIR": predir,
            "NAME": [line.name for line, _, _ in rows],
            "SUFFIX": [line.suffix for line, _, _ in rows],
            "MTFCC": ["S1200" if line.cls == "arterial" else "S1400" for line, _, _ in rows],
            "cls": [line.cls for line, _, _ in rows],
            "u0": [u[0] for _, _, u in rows],
            "u1": [u[1] for _, _, u in rows],
        }
    )
    parts = [segments["PREDIR"], segments["NAME"], segments["SUFFIX"]]
    segments.insert(0, "FULLNAME", (parts[0] + " " + parts[1] + " " + parts[2]).str.strip())
    sizes = np.array([c.shape[0] for c in coords])
    geoms = shapely.linestrings(np.vstack(coords), indices=np.repeat(np.arange(sizes.size), sizes))
    return segments, geoms


def _house_scale(line: _Line, ends: np.ndarray) -> np.ndarray:
    """House-number scale (100 per 200 m block) at the given points of a line."""
    if line.mode == "y":
        return np.abs(ends[:, 1]) / 2.0
    if line.mode == "x":
        return np.abs(ends[:, 0]) / 2.0
    return (ends[:, 0] - line.x0) / 2.0


def _predir(line: _Line, piece: np.ndarray) -> str:
    mid = piece[[0, -1]].mean(axis=0)
    if line.mode == "y":
        return "N" if mid[1] > 0 else "S"
    if line.mode == "x":
        return "E" if mid[0] > 0 else "W"
    return ""


def _address_ranges(segments: pd.DataFrame, geoms: np.ndarray, zips: ZipMap) -> None:
    """Add TIGER address ranges (odd left, even right) and left/right ZIP codes."""
    lo = np.maximum(np.ceil(segments["u0"].to_numpy() - 1e-9), 1).astype(int)
    hi = np.ceil(segments["u1"].to_numpy() - 1e-9).astype(int) - 1
    segments["LFROMADD"] = lo + (lo % 2 == 0)
    segments["LTOADD"] = hi - (hi % 2 == 0)
    segments["RFROMADD"] = lo + (lo % 2 == 1)
    segments["RTOADD"] = hi - (hi % 2 == 1)
    empty = (segments["LFROMADD"] > segments["LTOADD"]) | (
        segments["RFROMADD"] > segments["RTOADD"]
    )
    if empty.any():
        raise RuntimeError("a segment is too short for an address range")
    mid = shapely.get_coordinates(shapely.line_interpolate_point(geoms, 0.5, normalized=True))
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(geoms, 0.51, normalized=True))
    direction = ahead - mid
    left = np.column_stack([-direction[:, 1], direction[:, 0]])
    left /= np.linalg.norm(left, axis=1, keepdims=True)
    for side, sign in (("ZIPL", 1.0), ("ZIPR", -1.0)):
        pts = mid + sign * 15.0 * left
        segments[side] = zips(pts[:, 0], pts[:, 1])
