"""The street graph crews travel on: one-way streets, stops snapped to segments, matrices.

:meth:`StreetGraph.from_profile` reads the profile's street lines (``[routing]
streets``, default ``[addresses] centerlines``) in its metric CRS. Segment ends
closer than 1 m are one node; each segment gives a directed edge per direction
it allows (``oneway_field``: 1 along the digitized direction, -1 against it).
The graph is cached per profile (:mod:`geo311.cache`).

A stop is snapped to the nearest segment (at most ``max_snap_m`` away) and sits
at its distance along it. The stop-to-stop matrix is one
:func:`scipy.sparse.csgraph.dijkstra` from the ends of the stops' segments,
combined with numpy: leave the stop's segment by an allowed direction, travel
node to node, enter the other stop's segment by an allowed direction (or go
straight along a shared segment). ``inf`` marks a stop that cannot be reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS, Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from geo311 import cache
from geo311.cache import Digest, cache_file
from geo311.errors import ProfileError
from geo311.profile import Profile

__all__ = ["Snapped", "StreetGraph", "streets_path"]

_NODE_TOLERANCE_M = 1.0
_STORED = {"node_xy", "seg_from", "seg_to", "seg_length", "seg_oneway", "seg_geoms", "crs"}


def streets_path(profile: Profile) -> Path | None:
    """The street layer of the profile (``[routing] streets``, else ``[addresses]
    centerlines``), or None when it has none."""
    value = profile.routing.streets
    where = "[routing] streets"
    if value is None and profile.addresses is not None:
        value, where = profile.addresses.centerlines, "[addresses] centerlines"
    return None if value is None else profile.resolve_path(value, where)


@dataclass
class Snapped:
    """Stops placed on the graph: segment, distance along it (m) and offset from it (m)."""

    segment: np.ndarray
    along: np.ndarray
    offset: np.ndarray

    def take(self, rows: np.ndarray) -> Snapped:
        """The stops ``rows``, in that order."""
        return Snapped(self.segment[rows], self.along[rows], self.offset[rows])


class StreetGraph:
    """Street segments as a directed graph in a metric CRS (see the module doc).

    Attributes
    ----------
    node_xy : (N, 2) metres.
    seg_from, seg_to : node of each segment's first and last vertex.
    seg_length : metres; seg_oneway : 1 along, -1 against, 0 both ways.
    seg_geoms : metric LineStrings.
    crs : the metric CRS (WKT).
    """

    node_xy: np.ndarray
    seg_from: np.ndarray
    seg_to: np.ndarray
    seg_length: np.ndarray
    seg_oneway: np.ndarray
    seg_geoms: np.ndarray
    crs: str
    cache_hit: bool

    def __init__(self, state: dict, cache_hit: bool = False) -> None:
        for key in _STORED:
            setattr(self, key, state[key])
        self.cache_hit = cache_hit
        self._tree = shapely.STRtree(self.seg_geoms)
        self._to_lonlat = Transformer.from_crs(CRS.from_wkt(self.crs), "EPSG:4326",
                                               always_xy=True)
        self._to_metric = Transformer.from_crs("EPSG:4326", CRS.from_wkt(self.crs),
                                               always_xy=True)
        self._build_edges()

    @classmethod
    def from_profile(cls, profile: Profile, cache_dir: Path | None = None) -> StreetGraph:
        """The street graph of ``profile``, from the cache when its sources are unchanged.

        Raises
        ------
        ProfileError
            If the profile has no street layer, or it cannot be read or holds no lines.
        """
        path = streets_path(profile)
        if path is None:
            raise ProfileError(f"{profile.path}: no street layer ([routing] streets or "
                               "[addresses] centerlines)", file=str(profile.path))
        settings = profile.routing
        metric = profile.metric_crs.to_wkt()
        key = (Digest("street-graph/1", metric, str(settings.layer_name),
                      str(settings.oneway_field)).files([path])
               .sources([StreetGraph]).hexdigest())
        entry = cache_file(cache_dir or profile.root / ".geo311-cache", "streets", profile.path)
        stored = cache.load(entry, key)
        hit = isinstance(stored, dict) and set(stored) == _STORED
        if not hit:
            stored = _build(path, settings.layer_name, settings.oneway_field, metric)
            cache.save(entry, key, stored)
        return cls(stored, cache_hit=hit)

    def _build_edges(self) -> None:
        both = self.seg_oneway == 0
        along = both | (self.seg_oneway == 1)
        against = both | (self.seg_oneway == -1)
        segs = np.arange(len(self.seg_from))
        self.edge_segment = np.concatenate([segs[along], segs[against]])
        self.edge_forward = np.concatenate([np.ones(along.sum(), bool),
                                            np.zeros(against.sum(), bool)])
        self.edge_from = np.where(self.edge_forward, self.seg_from[self.edge_segment],
                                  self.seg_to[self.edge_segment])
        self.edge_to = np.where(self.edge_forward, self.seg_to[self.edge_segment],
                                self.seg_from[self.edge_segment])
        length = self.seg_length[self.edge_segment]
        n = len(self.node_xy)
        # parallel edges: keep the shortest (csr_matrix would add them up)
        order = np.lexsort((length, self.edge_to, self.edge_from))
        pair = self.edge_from[order] * n + self.edge_to[order]
        first = np.ones(len(order), bool)
        first[1:] = pair[1:] != pair[:-1]
        keep = order[first]
        self._edge_of = dict(zip((self.edge_from[keep] * n + self.edge_to[keep]).tolist(),
                                 keep.tolist(), strict=True))
        # a zero-length edge would vanish from a sparse matrix: give it a millimetre
        self.matrix = csr_matrix((np.maximum(length[keep], 1e-3),
                                  (self.edge_from[keep], self.edge_to[keep])), shape=(n, n))

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    def components(self) -> int:
        """The number of strongly connected components (1: every node reaches every node)."""
        return int(connected_components(self.matrix, directed=True, connection="strong")[0])

    def to_metric(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Lon/lat to the graph's metric CRS, as (n, 2)."""
        x, y = self._to_metric.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.column_stack([x, y])

    def snap(self, lon: np.ndarray, lat: np.ndarray) -> Snapped:
        """Each point's nearest segment, distance along it and distance off it (metres)."""
        xy = self.to_metric(lon, lat)
        points = shapely.points(xy)
        index, distance = self._tree.query_nearest(points, return_distance=True, all_matches=False)
        segment = np.full(len(points), -1)
        offset = np.full(len(points), np.inf)
        segment[index[0]] = index[1]
        offset[index[0]] = distance
        along = np.zeros(len(points))
        ok = segment >= 0
        along[ok] = shapely.line_locate_point(self.seg_geoms[segment[ok]], points[ok])
        return Snapped(segment, along, offset)

    def _ends(self, snapped: Snapped) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per stop, the two nodes it can leave to (and the cost) and enter from (and cost)."""
        seg, pos = snapped.segment, snapped.along
        length, oneway = self.seg_length[seg], self.seg_oneway[seg]
        fwd, back = oneway != -1, oneway != 1
        exit_node = np.column_stack([self.seg_to[seg], self.seg_from[seg]])
        exit_cost = np.column_stack([np.where(fwd, length - pos, np.inf),
                                     np.where(back, pos, np.inf)])
        entry_node = np.column_stack([self.seg_from[seg], self.seg_to[seg]])
        entry_cost = np.column_stack([np.where(fwd, pos, np.inf),
                                      np.where(back, length - pos, np.inf)])
        return exit_node, exit_cost, entry_node, entry_cost

    def matrix_between(self, snapped: Snapped) -> np.ndarray:
        """Shortest street distance (m) from every stop to every stop; ``inf`` unreachable."""
        exit_node, exit_cost, entry_node, entry_cost = self._ends(snapped)
        sources, row = np.unique(exit_node, return_inverse=True)
        row = row.reshape(exit_node.shape)
        node_dist = dijkstra(self.matrix, directed=True, indices=sources)
        n = len(snapped.segment)
        best = np.full((n, n), np.inf)
        for p in range(2):
            for q in range(2):
                leg = node_dist[row[:, p]][:, entry_node[:, q]]
                best = np.minimum(best, exit_cost[:, p, None] + leg + entry_cost[None, :, q])
        same = snapped.segment[:, None] == snapped.segment[None, :]
        delta = snapped.along[None, :] - snapped.along[:, None]
        oneway = self.seg_oneway[snapped.segment][:, None]
        direct = np.where((delta >= 0) & (oneway != -1), delta,
                          np.where((delta <= 0) & (oneway != 1), -delta, np.inf))
        best = np.where(same, np.minimum(best, direct), best)
        np.fill_diagonal(best, 0.0)
        return best

    def path_lonlat(self, snapped: Snapped, i: int, j: int) -> np.ndarray:
        """The street path from stop ``i`` to stop ``j`` of ``snapped`` as lon/lat vertices.

        An empty array when ``j`` cannot be reached from ``i``.
        """
        pair = snapped.take(np.array([i, j]))
        exit_node, exit_cost, entry_node, entry_cost = self._ends(pair)
        seg_i, seg_j = int(pair.segment[0]), int(pair.segment[1])
        a, b = float(pair.along[0]), float(pair.along[1])
        direct = self.matrix_between(pair)[0, 1]
        dist, pred = dijkstra(self.matrix, directed=True, indices=exit_node[0],
                              return_predecessors=True)
        options = [(exit_cost[0, p] + dist[p, entry_node[1, q]] + entry_cost[1, q], p, q)
                   for p in range(2) for q in range(2)]
        total, p, q = min(options)
        if not np.isfinite(min(total, direct)):
            return np.empty((0, 2))
        if seg_i == seg_j and direct <= total:
            pieces = [_piece(self.seg_geoms[seg_i], a, b)]
        else:
            nodes = [int(entry_node[1, q])]
            while nodes[-1] != exit_node[0, p]:
                nodes.append(int(pred[p, nodes[-1]]))
            nodes.reverse()
            start_end = self.seg_length[seg_i] if p == 0 else 0.0
            end_start = 0.0 if q == 0 else self.seg_length[seg_j]
            pieces = [_piece(self.seg_geoms[seg_i], a, start_end)]
            n = self.n_nodes
            for u, v in zip(nodes[:-1], nodes[1:], strict=True):
                edge = self._edge_of[u * n + v]
                coords = shapely.get_coordinates(self.seg_geoms[self.edge_segment[edge]])
                pieces.append(coords if self.edge_forward[edge] else coords[::-1])
            pieces.append(_piece(self.seg_geoms[seg_j], end_start, b))
        xy = np.concatenate([piece for piece in pieces if len(piece)])
        lon, lat = self._to_lonlat.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])


def _piece(line: shapely.LineString, start: float, end: float) -> np.ndarray:
    """The vertices of ``line`` from distance ``start`` to ``end`` (reversed when end < start)."""
    from shapely.ops import substring

    if start == end:
        return shapely.get_coordinates(line.interpolate(start))
    return shapely.get_coordinates(substring(line, start, end))


def _build(path: Path, layer_name: str | None, oneway_field: str | None, metric: str) -> dict:
    try:
        frame = gpd.read_file(path, layer=layer_name, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise ProfileError(f"{path}: cannot read the street layer: {exc}",
                           file=str(path)) from exc
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    if oneway_field is not None and oneway_field not in frame:
        raise ProfileError(f"{path}: no column {oneway_field!r} ([routing] oneway_field); "
                           f"the layer has: {', '.join(map(str, frame.columns))}",
                           file=str(path), field="oneway_field")
    frame = frame[~frame.geometry.isna() & ~frame.geometry.is_empty]
    frame = frame[frame.geom_type.isin(["LineString", "MultiLineString"])]
    frame = frame.to_crs(CRS.from_wkt(metric)).explode(index_parts=False)
    frame = frame[frame.geometry.length > 0]
    if frame.empty:
        raise ProfileError(f"{path}: the street layer holds no lines", file=str(path))
    geoms = np.asarray(frame.geometry.values, dtype=object)
    if oneway_field is None:
        oneway = np.zeros(len(frame), dtype=np.int8)
    else:
        values = frame[oneway_field].astype("string").str.strip()
        oneway = np.select([values.isin(["1", "1.0"]), values.isin(["-1", "-1.0"])], [1, -1],
                           0).astype(np.int8)
    first = shapely.get_coordinates(shapely.get_point(geoms, 0))
    last = shapely.get_coordinates(shapely.get_point(geoms, -1))
    ends = np.concatenate([first, last])
    # ends within the tolerance are one node (digitizing leaves sub-metre gaps)
    pairs = cKDTree(ends).query_pairs(_NODE_TOLERANCE_M, output_type="ndarray")
    link = csr_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                      shape=(len(ends), len(ends)))
    _, label = connected_components(link, directed=False)
    node_xy = np.zeros((label.max() + 1, 2))
    np.add.at(node_xy, label, ends)
    node_xy /= np.bincount(label)[:, None]
    n = len(geoms)
    return {"node_xy": node_xy, "seg_from": label[:n], "seg_to": label[n:],
            "seg_length": shapely.length(geoms), "seg_oneway": oneway,
            "seg_geoms": geoms, "crs": metric}

