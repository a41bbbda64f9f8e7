"""Hot spots of a request table too large for one process: counts per partition, added.

:func:`analyze` counts each partition of a Dask table of normalized requests on a
worker (filtered, located unless the table already is, binned by district, H3
hexagon or grid cell), adds the counts exactly on the client, and runs the
method on the combined cells with :func:`geo311.hotspots.analysis.analyze_cells`,
the step :func:`geo311.hotspots.analysis.analyze` runs on the same counts: the
cells and statistics are those of the single-process analysis of the whole table.

By a district layer the cells carry the additive figures (count, share, per km²,
per 1,000 residents, open backlog); the median days to close and the SLA figures
need every request at once and are left out. Emerging hot spots and the HTML map
(heat and per-type layers) need the requests themselves: use the single-process
path for them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo311.city import City
from geo311.errors import InputError
from geo311.hotspots.aggregate import by_grid
from geo311.hotspots.analysis import HotspotResult, analyze_cells
from geo311.hotspots.binning import (
    COARSEST_RESOLUTION,
    FINEST_RESOLUTION,
    GridCounts,
    HexTally,
    hex_centroids,
    hex_polygons,
    hex_tallies,
)
from geo311.profile import Profile
from geo311.scale.cluster import run
from geo311.scale.engines import EngineRef, engine_ref, engines
from geo311.scale.partitions import open_city
from geo311.service.requests import LoadReport, RequestFilter, Requests, apply_filter

__all__ = ["analyze", "PartCounts"]

_FILTERS = ("type", "date", "status", "bbox", "district")


@dataclass(frozen=True)
class _Spec:
    """What each partition counts."""

    by: str
    resolutions: tuple[int, ...] = ()
    cell_m: float = 150.0


@dataclass
class PartCounts:
    """The counts of one partition (or of several, added): small, whatever the rows."""

    report: LoadReport
    hexes: dict[int, HexTally] = field(default_factory=dict)
    grid: GridCounts | None = None
    districts: dict[str, np.ndarray] = field(default_factory=dict)


def _district_codes(frame: pd.DataFrame, valid: np.ndarray, locator, key: str,
                    found: dict) -> np.ndarray:
    """The feature index (layer order, the first of equal ids) of layer ``key`` holding each
    row, -1 for none or no usable location, as ``Requests.district_codes`` after
    ``Requests.locate``: read from the ``<key>_id`` column of a located table, else located
    here (once per partition for every layer, in ``found``)."""
    ids = list(locator.district_layer(key).ids)
    position = {value: i for i, value in reversed(list(enumerate(ids)))}
    column = f"{key}_id"
    if column in frame.columns:
        codes, values = pd.factorize(frame[column])
        lookup = np.array([*[position.get(v, -1) for v in values], -1], dtype=np.int64)
        return lookup[codes]  # code -1 (missing) picks the last, -1
    if "districts" not in found:
        found["districts"] = locator.locate_many(frame["lon"].to_numpy()[valid],
                                                 frame["lat"].to_numpy()[valid],
                                                 near_boundary=False).districts
    first = np.array([*[position[v] for v in ids], -1], dtype=np.int64)
    codes = np.full(len(frame), -1, dtype=np.int64)
    codes[valid] = first[found["districts"][key]]
    return codes


def _count_part(frame: pd.DataFrame, ref: EngineRef, rows: RequestFilter,
                spec: _Spec) -> PartCounts:
    """Filter, locate (when a count or a filter needs districts) and count one partition on
    its worker, as ``load_requests`` and the single-process analysis filter and count."""
    locator = engines(ref).locator
    report = LoadReport(rows=len(frame))
    frame = apply_filter(frame, rows, report, refuse_empty=False)
    valid = frame["valid"].to_numpy(dtype=bool)
    keep = np.ones(len(frame), dtype=bool)
    found: dict = {}
    for key, ids in rows.districts.items():
        known = [str(i) for i in locator.district_layer(key).ids]
        keep &= np.isin(_district_codes(frame, valid, locator, key, found),
                        np.flatnonzero(np.isin(known, ids)))
    if rows.districts:
        report.excluded["district"] = (report.excluded.get("district", 0)
                                       + int((~keep).sum()))
    report.invalid = {str(k): int(v)
                      for k, v in frame["reason"][keep].value_counts().items()}
    counts = PartCounts(report)
    used = keep & valid
    if spec.by == "hex":
        counts.hexes = hex_tallies(frame["lon"].to_numpy()[used],
                                   frame["lat"].to_numpy()[used], spec.resolutions)
    elif spec.by == "grid":
        requests = Requests(frame[keep].reset_index(drop=True), report, Path("."))
        counts.grid = by_grid(requests, locator.metric_crs, spec.cell_m,
                              area=locator.boundary_metric)[0]
    else:
        n = len(locator.district_layer(spec.by).ids)
        codes = _district_codes(frame, valid, locator, spec.by, found)
        group = np.where(codes >= 0, codes, np.where(valid, n, n + 1))[keep]
        is_open = ~frame["is_closed"].to_numpy(dtype=bool)[keep]
        counts.districts = {"count": np.bincount(group, minlength=n + 2),
                            "open_backlog": np.bincount(group[is_open], minlength=n + 2)}
    return counts


def _counted(frame: pd.DataFrame, ref: EngineRef, rows: RequestFilter,
             spec: _Spec) -> pd.DataFrame:
    """:func:`_count_part` as the one cell of a frame: a partition's read and count then
    run as one task (Dask fuses a table's read with ``map_partitions``)."""
    return pd.DataFrame({"counts": [_count_part(frame, ref, rows, spec)]})


def _columns(ddf: Any, spec: _Spec, rows: RequestFilter) -> list[str]:
    """The columns of ``ddf`` a partition's count reads (a table is read for those only)."""
    names = {"valid", "reason"}
    names.update(name for name, used in (("type", rows.types is not None),
                                         ("created", rows.start is not None
                                          or rows.end is not None),
                                         ("status", rows.status is not None)) if used)
    keys = [*rows.districts, *(() if spec.by in ("hex", "grid") else (spec.by,))]
    if rows.bbox is not None or spec.by in ("hex", "grid") or any(
            f"{key}_id" not in ddf.columns for key in keys):
        names.update(("lon", "lat"))
    names.update(f"{key}_id" for key in keys if f"{key}_id" in ddf.columns)
    if spec.by not in ("hex", "grid"):
        names.add("is_closed")
    return [c for c in ddf.columns if c in names]


def _merge_reports(reports: list[LoadReport]) -> LoadReport:
    excluded = {name: sum(r.excluded.get(name, 0) for r in reports) for name in _FILTERS
                if any(name in r.excluded for r in reports)}
    invalid: dict[str, int] = {}
    for report in reports:
        for reason, n in report.invalid.items():
            invalid[reason] = invalid.get(reason, 0) + n
    return LoadReport(sum(r.rows for r in reports), excluded, invalid)


def merge(parts: list[PartCounts]) -> PartCounts:
    """The counts of all ``parts`` added up (exactly: integers)."""
    merged = PartCounts(_merge_reports([p.report for p in parts]))
    for r in parts[0].hexes if parts else ():
        merged.hexes[r] = HexTally.merge(p.hexes[r] for p in parts)
    if parts and parts[0].grid is not None:
        grids = [p.grid for p in parts]
        merged.grid = dataclasses.replace(
            grids[0], counts=np.sum([g.counts for g in grids], axis=0),
            invalid=sum(g.invalid for g in grids), outside=sum(g.outside for g in grids))
    for name in parts[0].districts if parts else ():
        merged.districts[name] = np.sum([p.districts[name] for p in parts], axis=0)
    return merged


def _refuse_empty(report: LoadReport) -> None:
    """Refuse filters that left no request, naming the one that removed the last."""
    left = report.rows
    if left == 0:
        raise InputError("the request table has no rows")
    for name, removed in report.excluded.items():
        left -= removed
        if left == 0:
            raise InputError(f"no request left after the {name} filter (of the "
                             f"{report.rows:,} requests in the table)", filter=name,
                             excluded=dict(report.excluded))


def _hex_cells(merged: PartCounts, resolution: int | None, locator):
    if resolution is None:
        resolution = merged.hexes[FINEST_RESOLUTION].choose_resolution()
    counts = merged.hexes[resolution].counts_at(resolution, area=locator.boundary)
    lon, lat = hex_centroids(counts.cells)
    ids = [format(int(c), "x") for c in counts.cells]
    cells = pd.DataFrame({"id": ids, "name": ids, "lon": lon, "lat": lat,
                          "count": counts.counts})
    return cells, hex_polygons(counts.cells), counts


def _grid_cells(merged: PartCounts, locator):
    counts = merged.grid
    to_lonlat = Transformer.from_crs(locator.metric_crs, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(counts.x, counts.y)
    cells = pd.DataFrame({"id": counts.cells, "name": counts.cells.astype(str), "lon": lon,
                          "lat": lat, "count": counts.counts})
    geometries = shapely.transform(counts.polygons(), to_lonlat.transform, interleaved=False)
    return cells, geometries, counts


def _district_cells(merged: PartCounts, locator, key: str):
    layer = locator.district_layer(key)
    n = len(layer.ids)
    count = merged.districts["count"][:n]
    centres = shapely.centroid(layer.geoms)
    cells = pd.DataFrame({"id": layer.ids, "name": layer.names, "lon": shapely.get_x(centres),
                          "lat": shapely.get_y(centres), "count": count.astype(int)})
    cells["share"] = count / max(int(count.sum()), 1)
    cells["per_km2"] = count / (shapely.area(layer.metric) / 1e6)
    residents = locator.district_population(key)
    if residents is not None:
        cells["population"] = residents
        cells["per_1000_residents"] = count / residents * 1000
    cells["open_backlog"] = merged.districts["open_backlog"][:n]
    return cells, np.asarray(layer.geoms), None


def analyze(ddf: Any, city: City | Profile | str | Path, *, client: Any,
            by: str = "hex", method: str = "gistar", rows: RequestFilter | None = None,
            resolution: int | None = None, cell_m: float = 150.0,
            band_m: float | None = None, permutations: int = 9_999,
            progress: bool | None = None) -> HotspotResult:
    """Hot spots of the normalized requests in ``ddf`` (:func:`geo311.scale.tables.
    read_requests`), counted per partition on ``client``'s workers.

    ``by``, ``method``, ``resolution``, ``cell_m``, ``band_m`` and ``permutations`` as
    for :func:`geo311.hotspots.analysis.analyze` (``method`` one of counts, gistar,
    optimized, lisa); ``rows`` filters the requests as ``load_requests`` does. The
    cells and statistics equal the single-process analysis of the whole table.

    Raises
    ------
    InputError
        For an unknown ``by`` or ``method``, emerging hot spots, a district filter id
        the layer does not have, filters that leave no request, or fewer than 3 cells.
    """

    city = open_city(city)
    locator = city.locator
    rows = RequestFilter() if rows is None else rows
    keys = [layer.key for layer in locator.districts]
    if by not in (*keys, "hex", "grid"):
        raise InputError(f"by must be one of {', '.join([*keys, 'hex', 'grid'])}, not {by!r}")
    if method == "emerging":
        raise InputError("emerging hot spots need every request's time at once: run them "
                         "without Dask")
    for key, ids in rows.districts.items():
        known = [str(i) for i in locator.district_layer(key).ids]
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise InputError(f"no {key} {', '.join(map(repr, unknown))}; {key} ids: "
                             f"{', '.join(known)}", key=key, ids=unknown)
    resolutions = ((resolution,) if resolution is not None
                   else tuple(range(FINEST_RESOLUTION, COARSEST_RESOLUTION - 1, -1)))
    spec = _Spec(by, resolutions if by == "hex" else (), cell_m)
    ref = engine_ref(city)
    counted = ddf[_columns(ddf, spec, rows)].map_partitions(
        _counted, ref, rows, spec, meta=pd.DataFrame({"counts": pd.Series(dtype=object)}),
        enforce_metadata=False)
    merged = merge([frame["counts"].iloc[0]
                    for frame in run(client, counted.to_delayed(), "count", progress)])
    _refuse_empty(merged.report)
    if by == "hex":
        cells, geometries, counts = _hex_cells(merged, resolution, locator)
    elif by == "grid":
        cells, geometries, counts = _grid_cells(merged, locator)
    else:
        cells, geometries, counts = _district_cells(merged, locator, by)
    return analyze_cells(cells, geometries, locator, by=by, method=method, counts=counts,
                         band_m=band_m, cell_m=cell_m, permutations=permutations,
                         report=merged.report.as_dict())
