"""The locate engine: which agency and which districts serve a point.

Rules, applied the same way on the grid fast path and the exact path:

- A point on a polygon's edge belongs to it (``intersects``), so a point on the
  city limit is inside the city.
- Where features of one layer overlap, the one of smallest area wins (an
  enclave town over the county area around it); equal areas fall back to
  file order. Holes are holes: a point in an enclave hole of the city is
  outside the city and takes the enclave's agency from the neighbor layer.
- Inside the city the agency is the city itself, whatever the neighbor layer
  says there. Outside, it is the neighbor that covers the point, or none (water,
  far away); then ``nearest_agency`` names the closest one.
- ``near_boundary`` is true within ``near_boundary_m`` metres of the city limit
  or of any district edge; ``alternatives`` then lists what lies within that
  distance on the other side.

Distances are measured in the profile's metric CRS.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy import ndimage

from geo311 import cache
from geo311.answers import LocateAnswer
from geo311.cache import Digest, cache_file
from geo311.errors import InputError, ProfileError
from geo311.jurisdiction.edges import EdgeDistance, NearEdges, near_bounds, segments
from geo311.jurisdiction.grid import MIXED, NONE, Grid, classify, edge_cells, pick_smallest
from geo311.profile import Agency, Profile

__all__ = ["LocatorLayer", "Locator", "Locations"]

_FAR, _MAYBE_NEAR = 0, 1
_NEAR_BLOCK_M = 80.0  # the block side of the near-boundary index (NearEdges' default)


@dataclass
class LocatorLayer:
    """One polygon layer as the engine sees it.

    ``ids``, ``names`` and ``geoms`` (lon/lat) in the profile's feature order;
    ``metric`` the same polygons in the profile's metric CRS; ``rank`` the
    overlap order (smallest area first). Read-only.
    """

    key: str
    ids: np.ndarray
    names: np.ndarray
    geoms: np.ndarray
    rank: np.ndarray
    metric: np.ndarray
    tree: shapely.STRtree = field(init=False)
    bounds: np.ndarray = field(init=False)
    metric_tree: shapely.STRtree = field(init=False)

    def __post_init__(self) -> None:
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        self.bounds = shapely.bounds(self.geoms).T
        self.metric_tree = shapely.STRtree(self.metric)

    def exact_one(self, x: float, y: float) -> int:
        """Return the covering feature of one point (``NONE`` if none)."""
        minx, miny, maxx, maxy = self.bounds
        candidates = np.flatnonzero((minx <= x) & (x <= maxx) & (miny <= y) & (y <= maxy))
        hit = candidates[shapely.intersects_xy(self.geoms[candidates], x, y)]
        return int(hit[np.argmin(self.rank[hit])]) if len(hit) else NONE

    def exact(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Return the covering feature of each point by exact polygon tests."""
        pt, feat = self.tree.query(shapely.points(x, y))  # bounding-box candidates
        hit = shapely.intersects_xy(self.geoms[feat], x[pt], y[pt])  # prepared polygons
        return pick_smallest(pt[hit], feat[hit], len(x), self.rank)


def _layer(key: str, ids, names, geoms, to_metric: Transformer) -> LocatorLayer:
    metric = shapely.transform(geoms, to_metric.transform, interleaved=False)
    rank = np.empty(len(geoms), dtype=np.int64)  # overlaps: smallest area, then file order
    rank[np.lexsort((np.arange(len(geoms)), shapely.area(metric)))] = np.arange(len(geoms))
    return LocatorLayer(key, np.asarray(ids, dtype=object), np.asarray(names, dtype=object),
                  np.asarray(geoms), rank, metric)


@dataclass
class Locations:
    """Columnar result of :meth:`Locator.locate_many` (one entry per input point).

    ``agency`` indexes :attr:`Locator.agencies` (0 is the city, -1 none);
    ``districts[key]`` indexes that layer's features (-1 none). Rows with a bad
    coordinate have ``valid`` False and an ``error`` message.
    """

    locator: Locator
    valid: np.ndarray
    error: np.ndarray
    in_jurisdiction: np.ndarray
    agency: np.ndarray
    districts: dict[str, np.ndarray]
    near_boundary: np.ndarray | None

    def __len__(self) -> int:
        return len(self.valid)

    def to_frame(self) -> pd.DataFrame:
        """Return the result as a DataFrame of ids and names (nullable where none)."""
        loc = self.locator
        agencies = loc.agencies

        def pick(values: list, codes: np.ndarray) -> pd.Series:
            lookup = np.array([*values, None], dtype=object)  # code -1 picks None
            return pd.Series(lookup[codes], dtype=object)

        frame = pd.DataFrame({
            "in_jurisdiction": pd.array(np.where(self.valid, self.in_jurisdiction, False),
                                        dtype="boolean"),
            "agency_id": pick([a.id for a in agencies], self.agency),
            "agency_name": pick([a.name for a in agencies], self.agency),
            "agency_phone": pick([a.phone for a in agencies], self.agency),
        })
        frame.loc[~self.valid, "in_jurisdiction"] = pd.NA
        for key, codes in self.districts.items():
            frame[f"{key}_id"] = pick(list(loc.district_layer(key).ids), codes)
        if self.near_boundary is not None:
            frame["near_boundary"] = pd.array(self.near_boundary, dtype="boolean")
            frame.loc[~self.valid, "near_boundary"] = pd.NA
        frame["error"] = pd.Series(self.error, dtype=object)
        return frame


def check_coordinates(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return a mask of usable points and an object array of messages for the others."""
    valid = (lon >= -180) & (lon <= 180) & (lat >= -90) & (lat <= 90)  # False for NaN
    error = np.full(len(lon), None, dtype=object)
    if not valid.all():
        error[~((lat >= -90) & (lat <= 90))] = "latitude out of range [-90, 90]"
        error[~((lon >= -180) & (lon <= 180))] = "longitude out of range [-180, 180]"
        error[np.isnan(lat)] = "latitude missing or not a number"
        error[np.isnan(lon)] = "longitude missing or not a number"
    return valid, error


class Locator:
    """Answer *who serves this point* for one profile; build once, query often.

    Parameters
    ----------
    profile : the jurisdiction profile.

    Examples
    --------
    >>> loc = Locator(load_profile("profiles/la"))  # doctest: +SKIP
    >>> loc.locate(-118.2427, 34.0537)["districts"]["council_district"]["id"]  # doctest: +SKIP
    '14'
    """

    def __init__(self, profile: Profile) -> None:
        if profile.problems:
            raise ProfileError(f"{profile.path}: cannot locate with this profile: "
                               + "; ".join(profile.problems), problems=profile.problems)
        self.profile = profile
        self.tolerance_m = profile.near_boundary_m
        self.to_metric = Transformer.from_crs("EPSG:4326", profile.metric_crs, always_xy=True)
        self.agencies: list[Agency] = [profile.jurisdiction, *profile.neighbors]
        city = profile.jurisdiction
        self.city = _layer("jurisdiction", [city.id], [city.name],
                           np.array([profile.boundary]), self.to_metric)
        self.neighbors = None
        if profile.neighbor_layer is not None:
            nl = profile.neighbor_layer
            self.neighbors = _layer("neighbors", nl.ids, [a.name for a in profile.neighbors],
                                    nl.geoms, self.to_metric)
        self.districts = [
            _layer(d.key, d.layer.ids, d.layer.names, d.layer.geoms, self.to_metric)
            for d in profile.districts
        ]
        bounds = self._extent()
        self.grid = Grid.covering(bounds, profile.grid_cell_m, profile.grid_max_cells)
        metric_bounds = self.to_metric.transform_bounds(*bounds, densify_pts=21)
        needed = self._memory_mb(metric_bounds)
        if needed > profile.locate.max_memory_mb:
            raise ProfileError(
                f"{profile.path}: the locator would need about {needed:,.0f} MB, more than "
                f"[locate] max_memory_mb = {profile.locate.max_memory_mb:g} (grid "
                f"{self.grid.nx} x {self.grid.ny} cells, near_boundary_m = "
                f"{self.tolerance_m:g}); lower near_boundary_m or grid_max_cells, check the "
                "layers' extent, or raise max_memory_mb", field="max_memory_mb",
                needed_mb=needed)
        self._build_grid()
        self._city_edges = EdgeDistance(shapely.boundary(self.city.metric[0]), metric_bounds)
        self._build_edge_indexes(metric_bounds)

    @classmethod
    def from_profile(cls, profile: Profile, cache_dir: Path | None = None) -> Locator:
        """Return the locator of ``profile``, loaded from the disk cache when it is current.

        The cache (default ``<profile dir>/.geo311-cache``) is keyed by the profile's
        content as loaded — every layer's ids, names and geometry, the agencies, the
        metric CRS and the settings — and by this engine's code.
        """
        if profile.problems:
            return cls(profile)  # raises the ProfileError that lists them
        digest = Digest(profile.metric_crs.to_wkt(), repr((profile.near_boundary_m,
                        profile.grid_cell_m, profile.grid_max_cells)),
                        json.dumps([a.as_dict() for a in (profile.jurisdiction,
                                                          *profile.neighbors)]))
        digest.sources((Locator, Grid, EdgeDistance))
        layers = [profile.boundary_layer, profile.neighbor_layer,
                  *(d.layer for d in profile.districts)]
        for layer in layers:
            if layer is not None:
                digest.text(*map(str, layer.ids), *map(str, layer.names))
                digest.bytes(b"".join(shapely.to_wkb(layer.geoms)))
        path = cache_file(cache_dir or profile.root / ".geo311-cache", "locator", profile.path)
        state = cache.load(path, digest.hexdigest(), _CACHED_CLASSES)
        if isinstance(state, dict) and set(state) in (_CACHED, _CACHED_WITH_NEIGHBORS):
            locator = cls.__new__(cls)
            locator.__dict__.update(state, profile=profile)
            locator._attach(profile)
            return locator
        locator = cls(profile)
        cache.save(path, digest.hexdigest(),
                   {k: v for k, v in vars(locator).items() if k not in _REBUILT},
                   _CACHED_CLASSES)
        return locator

    def _attach(self, profile: Profile) -> None:
        """Restore what the cache does not store: the profile, agencies, transformer."""
        self.profile = profile
        self.to_metric = Transformer.from_crs("EPSG:4326", profile.metric_crs, always_xy=True)
        self.agencies = [profile.jurisdiction, *profile.neighbors]
        for layer in self._layers():
            shapely.prepare(layer.geoms)

    # -- construction -------------------------------------------------------------
    def _memory_mb(self, metric_bounds: tuple[float, float, float, float]) -> float:
        """A generous estimate of the peak memory the indexes take to build, in MB.

        The grid costs some 48 bytes a cell while it is classified; the near-boundary
        index a few hundred bytes per 80 m block and ~40 bytes per (block, edge
        segment) pair within reach, which grows with the square of the tolerance.
        """
        minx, miny, maxx, maxy = metric_bounds
        if not all(math.isfinite(v) for v in metric_bounds):
            return math.inf
        width, height = maxx - minx, maxy - miny
        block, reach = _NEAR_BLOCK_M, self.tolerance_m + _NEAR_BLOCK_M / math.sqrt(2)
        lines = shapely.clip_by_rect(
            shapely.boundary(np.concatenate([layer.metric for layer in self._layers()])),
            minx - reach, miny - reach, maxx + reach, maxy + reach)
        length = float(shapely.length(lines).sum())
        n_segments = float(shapely.get_num_coordinates(lines).sum())
        pairs = (2 * reach * length + n_segments * math.pi * reach**2) / block**2
        blocks = (width / block + 1) * (height / block + 1) + (width / 500 + 1) * (
            height / 500 + 1)
        cells = self.grid.nx * self.grid.ny
        return (48 * cells + 300 * blocks + 40 * pairs) / 2**20

    def _layers(self) -> list[LocatorLayer]:
        return [self.city, *([self.neighbors] if self.neighbors else []), *self.districts]

    def _extent(self) -> tuple[float, float, float, float]:
        """The lon/lat area the indexes cover: the city and its districts plus a margin.

        The margin (~2 km, and always more than the near-boundary tolerance) means a
        point off the grid is never near the city limit or a district edge.
        """
        geoms = np.concatenate([self.city.geoms, *(d.geoms for d in self.districts)])
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        margin = max(0.02, 0.05 * max(maxx - minx, maxy - miny),
                     2 * self.tolerance_m / 111_320 / max(math.cos(math.radians(maxy)), 0.01))
        return (minx - margin, miny - margin, maxx + margin, maxy + margin)

    def _build_grid(self) -> None:
        """Classify every grid cell against every layer and the near-boundary band."""
        geoms = np.concatenate([self.city.geoms, *(d.geoms for d in self.districts)])
        miny, maxy = self.grid.y0, self.grid.y0 + self.grid.ny * self.grid.dy
        # one combined code per cell for the distinct combinations of layer values; each
        # layer is folded into the key as soon as it is classified, to bound memory
        layers = self._layers()
        sizes = [len(layer.geoms) + 2 for layer in layers] + [2]  # values from MIXED = -2
        key_type = np.int32 if math.prod(sizes) < 2**31 else np.int64
        key = np.zeros(self.grid.nx * self.grid.ny, dtype=key_type)
        for layer, size in zip(layers, sizes, strict=False):
            key *= size
            key += classify(self.grid, layer.geoms, layer.rank)
            key += 2
        # near-boundary flag: cells within tolerance of the city limit or a district edge;
        # a point within the tolerance of an edge lies at most `reach` cells from an edge cell
        reach = math.floor(self.tolerance_m / self.grid.min_cell_m(max(abs(miny), abs(maxy)))) + 1
        near = ndimage.binary_dilation(edge_cells(self.grid, geoms), np.ones((3, 3), bool),
                                       iterations=reach)
        key *= 2
        key += near.ravel()  # _FAR = 0, _MAYBE_NEAR = 1
        del near
        combo, keys = pd.factorize(key)  # hashing: far faster than sorting 10^7 keys
        del key
        table = np.empty((len(keys), len(sizes)), dtype=np.int32)
        for j in range(len(sizes) - 1, -1, -1):
            keys, table[:, j] = np.divmod(keys, sizes[j])
        table[:, :-1] -= 2
        # the last code is for points off the grid (cell -1): exact tests everywhere
        off_grid = np.array([[MIXED] * (len(sizes) - 1) + [_MAYBE_NEAR]], dtype=np.int32)
        table = np.concatenate([table, off_grid])
        self._columns = [np.ascontiguousarray(table[:, j]) for j in range(len(sizes))]
        code_type = np.int16 if len(table) < 2**15 else np.int32
        self._combo = np.append(combo, len(table) - 1).astype(code_type)
        del combo
        self._rows = [tuple(row) for row in table.tolist()]

    def _build_edge_indexes(self, bounds: tuple[float, float, float, float]) -> None:
        """Index the edge segments of every layer (metric) for near-boundary questions."""
        pairs, layer, feature = [], [], []
        for i, engine_layer in enumerate(self._layers()):
            layer_pairs, layer_feature = segments(shapely.boundary(engine_layer.metric))
            pairs.append(layer_pairs)
            feature.append(layer_feature)
            layer.append(np.full(len(layer_pairs), i))
        self._near_edges = NearEdges(np.concatenate(pairs), np.concatenate(layer),
                                     np.concatenate(feature), self.tolerance_m, bounds,
                                     block_m=_NEAR_BLOCK_M)
        # near_boundary counts the city limit and district edges, not neighbor edges
        self._boundary_layers = np.ones(len(pairs), dtype=bool)
        if self.neighbors is not None:
            self._boundary_layers[1] = False
            # the nearest agency of a point served by none: near the city, by the neighbors'
            # edges (the point is outside them all); farther out, by their polygons
            self._metric_bounds = bounds
            near = near_bounds(pairs[1], bounds, 0.0)
            self._neighbor_edges = shapely.STRtree(shapely.linestrings(pairs[1][near]))
            self._neighbor_edge_feature = feature[1][near]

    # -- what the profile's layers are --------------------------------------------
    @property
    def metric_crs(self):
        """The profile's projected CRS, in which distances and areas are measured."""
        return self.profile.metric_crs

    @property
    def boundary(self) -> shapely.Geometry:
        """The city limit in lon/lat."""
        return self.profile.boundary

    @property
    def boundary_metric(self) -> shapely.Geometry:
        """The city limit in the metric CRS."""
        return self.city.metric[0]

    def district_population(self, key: str) -> np.ndarray | None:
        """Residents per feature of district layer ``key`` (layer order), or None when the
        profile names no ``population_field`` for it; a value that is not a number is NaN."""
        self.district_layer(key)  # InputError for an unknown key
        residents = self.profile.district(key).layer.attrs.get("population")
        if residents is None:
            return None
        return pd.to_numeric(pd.Series(residents), errors="coerce").to_numpy(float)

    # -- queries ---------------------------------------------------------------
    def district_layer(self, key: str) -> LocatorLayer:
        """Return the engine's layer for district ``key``.

        Raises
        ------
        InputError
            If the profile has no district layer ``key`` (the message lists the keys).
        """
        for layer in self.districts:
            if layer.key == key:
                return layer
        keys = ", ".join(layer.key for layer in self.districts)
        raise InputError(f"no district layer {key!r}; the profile's are: {keys}", key=key)

    def locate_many(self, lons, lats, *, near_boundary: bool = True) -> Locations:
        """Return agency, districts and near-boundary flags for many points.

        Parameters
        ----------
        lons, lats : array-like of WGS84 degrees (NaN or out-of-range values are
            reported per row in ``error``, never raised).
        near_boundary : compute the near-boundary flag (the costliest part);
            without it ``Locations.near_boundary`` is None.

        Notes
        -----
        Pure in its inputs, so it can run per chunk or per Dask partition.
        Points in grid cells that no edge crosses cost one lookup; the rest are
        tested exactly with prepared polygons.
        """
        x = np.asarray(lons, dtype=np.float64).ravel()
        y = np.asarray(lats, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise InputError("lons and lats must have the same length",
                             lons=len(x), lats=len(y))
        valid, error = check_coordinates(x, y)
        codes = self._combo[self.grid.cells(x, y)]
        all_valid = bool(valid.all())
        values = []
        for column, layer in zip(self._columns, self._layers(), strict=False):
            value = column[codes]
            todo = value == MIXED
            if not all_valid:
                todo &= valid
                value[~valid] = NONE
            todo = np.flatnonzero(todo)
            if len(todo):
                value[todo] = layer.exact(x[todo], y[todo])
            values.append(value)
        near = None
        if near_boundary:
            near = self._columns[-1][codes] == _MAYBE_NEAR
            near &= valid
            todo = np.flatnonzero(near)
            if len(todo):
                mx, my = self.to_metric.transform(x[todo], y[todo])
                near[todo] = self._near_edges.any_within(mx, my, self._boundary_layers)
        inside = values[0] == 0
        agency = np.where(inside, 0, NONE).astype(np.int32)
        if self.neighbors is not None:
            outside = ~inside & (values[1] >= 0)
            agency[outside] = values[1][outside] + 1
        first = 2 if self.neighbors is not None else 1
        districts = {layer.key: value
                     for layer, value in zip(self.districts, values[first:], strict=True)}
        return Locations(self, valid, error, inside, agency, districts, near)

    def locate(self, lon: float, lat: float) -> LocateAnswer:
        """Return the full answer for one point as a JSON-ready dict.

        Raises
        ------
        InputError
            If a coordinate is missing, not a number or out of range, or the point
            is so far from the city that the metric CRS cannot project it.
        """
        x, y = _one_point(lon, lat)
        cell = self.grid.cell(x, y)
        row = self._rows[self._combo[cell]]
        layers = self._layers()
        values = [layer.exact_one(x, y) if value == MIXED else value
                  for value, layer in zip(row, layers, strict=False)]
        agency = 0 if values[0] == 0 else NONE
        if agency == NONE and self.neighbors is not None and values[1] >= 0:
            agency = values[1] + 1
        point = shapely.Point(*self.to_metric.transform(x, y))
        if not (math.isfinite(point.x) and math.isfinite(point.y)):
            raise InputError(
                f"({x}, {y}) is too far from {self.profile.jurisdiction.name} to measure "
                f"distances in the profile's metric CRS ({self.profile.metric_crs})",
                lon=x, lat=y)
        nearby = self._near_edges.within(point.x, point.y) if row[-1] == _MAYBE_NEAR else {}
        city_edge = nearby.get((0, 0))
        first = 2 if self.neighbors is not None else 1
        near = any(layer == 0 or layer >= first for layer, _ in nearby)
        return {
            "lon": x,
            "lat": y,
            "in_jurisdiction": agency == 0,
            "jurisdiction": {"id": self.profile.jurisdiction.id,
                             "name": self.profile.jurisdiction.name},
            "agency": self.agencies[agency].as_dict() if agency >= 0 else None,
            "nearest_agency": None if agency >= 0 else self._nearest_agency(point),
            "districts": {layer.key: _feature(layer, value)
                          for layer, value in zip(self.districts, values[first:], strict=True)},
            "boundary_distance_m": round(
                city_edge if city_edge is not None else self._city_edges.distance(point), 2),
            "near_boundary": near,
            "alternatives": self._alternatives(nearby, values, agency) if near else [],
        }

    # -- details for one point ---------------------------------------------------
    def _nearest_agency(self, point: shapely.Point) -> dict | None:
        candidates = [(self._city_edges.distance(point), 0)]
        if self.neighbors is not None:
            minx, miny, maxx, maxy = self._metric_bounds
            # an edge left out lies beyond the bounds, so no nearer than the bounds' side
            to_side = min(point.x - minx, maxx - point.x, point.y - miny, maxy - point.y)
            index, distance = self._neighbor_edges.query_nearest(
                point, return_distance=True, all_matches=False)
            if len(index) and distance[0] <= to_side:
                feature = self._neighbor_edge_feature[index[0]]
            else:
                index, distance = self.neighbors.metric_tree.query_nearest(
                    point, return_distance=True, all_matches=False)
                feature = index[0]
            candidates.append((float(distance[0]), int(feature) + 1))
        distance, index = min(candidates)
        return {**self.agencies[index].as_dict(), "distance_m": round(distance, 2)}

    def _alternatives(self, nearby: dict[tuple[int, int], float], values: list[int],
                      agency: int) -> list[dict]:
        """What lies within the tolerance on the other side of each nearby edge.

        Agencies first (the city and the neighbors), then districts, each by distance.
        """
        out = []
        layers = self._layers()
        agency_layers = 2 if self.neighbors is not None else 1
        for (layer, feature), distance in sorted(nearby.items(), key=lambda item: item[1]):
            if layer < agency_layers:
                index = 0 if layer == 0 else feature + 1
                if index != agency:
                    out.append({"layer": "agency", **self.agencies[index].as_dict(),
                                "distance_m": round(distance, 2)})
            elif feature != values[layer]:
                out.append({"layer": layers[layer].key, **_feature(layers[layer], feature),
                            "distance_m": round(distance, 2)})
        return sorted(out, key=lambda a: a["layer"] != "agency")


_REBUILT = frozenset({"profile", "to_metric", "agencies"})
_CACHED_CLASSES = (LocatorLayer, Grid, EdgeDistance, NearEdges)
_CACHED = frozenset({"tolerance_m", "city", "neighbors", "districts", "grid", "_columns",
                     "_combo", "_rows", "_city_edges", "_near_edges", "_boundary_layers"})
_CACHED_WITH_NEIGHBORS = _CACHED | {"_metric_bounds", "_neighbor_edges",
                                    "_neighbor_edge_feature"}


def _one_point(lon, lat) -> tuple[float, float]:
    """Return ``(lon, lat)`` as floats, or raise :class:`InputError` naming the problem."""
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError) as exc:
        raise InputError(f"coordinates must be numbers: {lon!r}, {lat!r}",
                         lon=lon, lat=lat) from exc
    if not (-180 <= x <= 180 and -90 <= y <= 90):  # also False for NaN
        _, error = check_coordinates(np.array([x]), np.array([y]))
        raise InputError(error[0], lon=lon, lat=lat)
    return x, y


def _feature(layer: LocatorLayer, index: int) -> dict | None:
    if index < 0:
        return None
    return {"id": layer.ids[index], "name": layer.names[index]}
