"""One hot-spot analysis: loaded requests → cells with counts and statistics.

:func:`analyze` counts the usable requests by a district layer, by H3 hexagon or by
a square metric grid clipped to the city; ``method="gistar"`` adds the Getis-Ord
Gi* z-scores, FDR-adjusted p-values and bins, ``"optimized"`` the same with the
distance band of incremental spatial autocorrelation, ``"lisa"`` local
Moran's I clusters and outliers, and ``"emerging"`` emerging hot spots. Each method is one
entry of :data:`METHODS`: what it adds to the cells, its summary, and the column that
classes the cells. By a district layer the cells also carry the layer's rates and service
levels (:func:`~geo311.hotspots.aggregate.by_district`). The CLI's ``geo311 hotspots`` and
the planners' dashboard call :func:`analyze`, then draw the result with
:mod:`geo311.render.hotspot_map`.

Default neighborhoods (self included for Gi*; LISA drops the diagonal):

- districts: the 5 nearest districts by centroid (fewer when the layer is small);
- hexagons: a distance band of 1.5 × the median distance between neighboring
  cell centres, which holds the first ring of six;
- grid: a distance band of 2.5 cells (the 5 × 5 block without its corners).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

from geo311.errors import InputError
from geo311.hotspots.aggregate import by_district, by_grid, by_hex, district_of, point_hexes
from geo311.hotspots.binning import GridCounts, HexCounts, hex_polygons, project_lonlat
from geo311.hotspots.emerging import EmergingResult, emerging_hotspots, space_time_counts
from geo311.hotspots.gistar import GiStar
from geo311.hotspots.kde import Density, kde
from geo311.hotspots.moran import LocalMoran
from geo311.hotspots.optimized import optimized_gistar
from geo311.hotspots.weights import distance_band, knn
from geo311.jurisdiction import Locator
from geo311.service.requests import Requests

__all__ = ["HotspotResult", "Method", "analyze", "analyze_cells", "density", "METHODS"]

_DISTRICT_NEIGHBORS = 5


@dataclass
class HotspotResult:
    """Cells (districts, hexagons or grid squares) with their counts and statistics.

    ``cells`` has ``id, name, lon, lat, count``; for Gi* ``z, p, p_fdr, bin``; for
    LISA ``Is, q, p, p_fdr, cluster``; for emerging hot spots ``category, code,
    hot_steps, cold_steps, trend_z, trend_p, last_z, last_bin`` (the per-step
    arrays are in ``emerging``); by a district layer also the rates and service
    levels of :func:`~geo311.hotspots.aggregate.by_district`.
    ``geometries`` holds the cells' lon/lat polygons in the same order.
    """

    by: str
    method: str
    cells: pd.DataFrame
    geometries: np.ndarray
    neighborhood: str
    report: dict = field(default_factory=dict)
    emerging: EmergingResult | None = None

    @property
    def steps(self) -> list[str] | None:
        """The days the time steps of an emerging hot spot analysis start, else None."""
        if self.emerging is None or self.emerging.steps is None:
            return None
        return [str(step.date()) for step in self.emerging.steps]

    @property
    def classes(self) -> str | None:
        """The column that classes the cells (``bin``, ``cluster``, ``category``), if any."""
        return METHODS[self.method].classes

    def notable(self) -> np.ndarray:
        """Whether each cell is in a class of interest (significant, or with a pattern)."""
        spec = METHODS[self.method]
        if spec.classes is None:
            return np.zeros(len(self.cells), dtype=bool)
        return (self.cells[spec.classes] != spec.quiet).to_numpy()

    def summary(self) -> dict:
        """A JSON-ready overview: load report, cells, and the method's figures.

        ``bins`` and ``hottest`` for Gi*, ``clusters`` for LISA, ``steps``,
        ``patterns`` and ``strongest`` for emerging hot spots (as ``geo311 hotspots``
        prints it).
        """
        return {"requests": self.report, "cells": len(self.cells),
                "requests_in_cells": int(self.cells["count"].sum()),
                **METHODS[self.method].summary(self)}

    def as_dict(self) -> dict:
        """A JSON-ready summary: settings, load report, and one record per cell."""
        rows = self.cells.astype(object).where(self.cells.notna(), None)
        extra = {} if self.steps is None else {"steps": self.steps}
        return {"by": self.by, "method": self.method, "neighborhood": self.neighborhood,
                **extra, "requests": self.report,
                "cells": [{k: (v.item() if isinstance(v, np.generic) else v)
                           for k, v in r.items()} for r in rows.to_dict(orient="records")]}


def _metric_centres(lons: np.ndarray, lats: np.ndarray, locator: Locator) -> np.ndarray:
    x, y = project_lonlat(lons, lats, locator.metric_crs)
    return np.column_stack([x, y])


def _districts(requests: Requests, locator: Locator, key: str, as_of: pd.Timestamp | None,
               catalog: pd.DataFrame | None) -> tuple[pd.DataFrame, np.ndarray]:
    table = by_district(requests, locator, key, catalog=catalog, as_of=as_of)
    table = table[table["kind"] == "district"].reset_index(drop=True)
    layer = locator.district_layer(key)
    centres = shapely.centroid(layer.geoms)
    cells = pd.DataFrame({"id": table["id"], "name": table["name"],
                          "lon": shapely.get_x(centres), "lat": shapely.get_y(centres),
                          "count": table["count"].astype(int)})
    rates = table.drop(columns=["id", "name", "kind", "count"])
    return pd.concat([cells, rates], axis=1), np.asarray(layer.geoms)


def _weights(cells: pd.DataFrame, by: str, locator: Locator, band_m: float | None,
             cell_m: float) -> tuple:
    """The default neighborhood of the module docstring, as sparse weights and a label."""
    centres = _metric_centres(cells["lon"].to_numpy(), cells["lat"].to_numpy(), locator)
    if by not in ("hex", "grid"):
        k = min(_DISTRICT_NEIGHBORS, len(cells) - 1)
        return knn(centres[:, 0], centres[:, 1], k), f"{k} nearest"
    if band_m is None:
        nearest = cKDTree(centres).query(centres, k=2)[0][:, 1]
        band_m = 1.5 * float(np.median(nearest)) if by == "hex" else 2.5 * cell_m
    return (distance_band(centres[:, 0], centres[:, 1], band_m),
            f"distance band {band_m:,.0f} m")


def _cell_of_requests(requests: Requests, locator: Locator, by: str,
                      counts: HexCounts | GridCounts | None) -> np.ndarray:
    """The row of ``cells`` holding each usable request (-1: none), as ``analyze`` counted."""
    if isinstance(counts, HexCounts):
        return counts.index_of(point_hexes(requests, counts.resolution).cells(counts.resolution))
    if isinstance(counts, GridCounts):
        usable = requests.valid
        return counts.index_of(*project_lonlat(usable["lon"].to_numpy(),
                                               usable["lat"].to_numpy(),
                                               locator.metric_crs))
    return district_of(requests, locator, by)[requests.frame["valid"].to_numpy()]


@dataclass(frozen=True)
class _Job:
    """What a method gets: the counted cells and the options of :func:`analyze`."""

    requests: Requests | None
    locator: Locator
    by: str
    cells: pd.DataFrame
    counts: HexCounts | GridCounts | None
    band_m: float | None
    cell_m: float
    permutations: int
    step: str
    time_window: int
    start: object
    end: object

    def weights(self) -> tuple:
        """The default neighborhood of the cells and its label."""
        return _weights(self.cells, self.by, self.locator, self.band_m, self.cell_m)


# a method's outcome: the columns it adds to the cells, the neighborhood, the emerging result
_Outcome = tuple[dict[str, object], str, EmergingResult | None]


def _counts(job: _Job) -> _Outcome:
    return {}, "", None


def _bins(stats) -> dict[str, object]:
    return {"z": stats.z, "p": stats.p, "p_fdr": stats.p_fdr, "bin": stats.bin.astype(int)}


def _gistar(job: _Job) -> _Outcome:
    weights, neighborhood = job.weights()
    return _bins(GiStar(job.cells["count"].to_numpy(dtype=float), weights)), neighborhood, None


def _optimized(job: _Job) -> _Outcome:
    cells = job.cells
    centres = _metric_centres(cells["lon"].to_numpy(), cells["lat"].to_numpy(), job.locator)
    stats, band_m, table = optimized_gistar(centres[:, 0], centres[:, 1],
                                            cells["count"].to_numpy(dtype=float))
    return _bins(stats), f"distance band {band_m:,.0f} m ({table.attrs['rule']})", None


def _lisa(job: _Job) -> _Outcome:
    weights, neighborhood = job.weights()
    lisa = LocalMoran(job.cells["count"].to_numpy(dtype=float), weights,
                      permutations=job.permutations)
    return ({"Is": lisa.Is, "q": lisa.q.astype(int), "p": lisa.p, "p_fdr": lisa.p_fdr,
             "cluster": lisa.cluster}, neighborhood, None)


def _emerging(job: _Job) -> _Outcome:
    weights, neighborhood = job.weights()
    requests = job.requests
    cube = space_time_counts(_cell_of_requests(requests, job.locator, job.by, job.counts),
                             requests.valid["created"], len(job.cells), step=job.step,
                             start=job.start, end=job.end)
    emerging = emerging_hotspots(cube, weights, time_window=job.time_window)
    neighborhood += f", {cube.shape[1]} {job.step}s" + (
        f", time window {job.time_window}" if job.time_window > 1 else "")
    columns = {"category": emerging.category, "code": emerging.code.astype(int),
               "hot_steps": emerging.hot_steps, "cold_steps": emerging.cold_steps,
               "trend_z": emerging.trend.z, "trend_p": emerging.trend.p,
               "last_z": emerging.z[:, -1], "last_bin": emerging.bin[:, -1].astype(int)}
    return columns, neighborhood, emerging


def _counted(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in values.value_counts().items()}


def _no_summary(result: HotspotResult) -> dict:
    return {}


def _bins_summary(result: HotspotResult) -> dict:
    cells = result.cells
    hottest = cells.sort_values("z", ascending=False).head(5)
    return {"neighborhood": result.neighborhood, "bins": _counted(cells["bin"]),
            "hottest": hottest[["id", "name", "count", "z", "p_fdr", "bin"]].to_dict(
                orient="records")}


def _lisa_summary(result: HotspotResult) -> dict:
    return {"neighborhood": result.neighborhood,
            "clusters": _counted(result.cells["cluster"])}


def _emerging_summary(result: HotspotResult) -> dict:
    patterns = result.cells[result.notable()]
    strongest = patterns.sort_values("trend_z", ascending=False).head(5)
    return {"neighborhood": result.neighborhood, "steps": result.steps or [],
            "patterns": _counted(patterns["category"]),
            "strongest": strongest[["id", "name", "count", "category", "hot_steps",
                                    "trend_z"]].to_dict(orient="records")}


@dataclass(frozen=True)
class Method:
    """One analysis method of :func:`analyze`.

    ``run`` computes the columns the method adds to the cells; ``summary`` picks the
    figures worth printing from a result; ``classes`` names the column that classes
    the cells (None for plain counts) and ``quiet`` its class of no interest (not
    significant, no pattern), which maps draw faint or leave out.
    """

    run: Callable[[_Job], _Outcome]
    summary: Callable[[HotspotResult], dict]
    classes: str | None = None
    quiet: object = None


METHODS: dict[str, Method] = {
    "counts": Method(_counts, _no_summary),
    "gistar": Method(_gistar, _bins_summary, "bin", 0),
    "optimized": Method(_optimized, _bins_summary, "bin", 0),
    "lisa": Method(_lisa, _lisa_summary, "cluster", "ns"),
    "emerging": Method(_emerging, _emerging_summary, "category", "no pattern"),
}


def analyze(requests: Requests, locator: Locator, *, by: str = "hex", method: str = "gistar",
            resolution: int | None = None, cell_m: float = 150.0,
            band_m: float | None = None, as_of: pd.Timestamp | None = None,
            permutations: int = 9_999, step: str = "month", time_window: int = 1,
            start: object = None, end: object = None,
            catalog: pd.DataFrame | None = None) -> HotspotResult:
    """Count the usable requests by ``by`` and, for ``method="gistar"``, test for hot spots.

    Parameters
    ----------
    requests : from :func:`~geo311.service.requests.load_requests`.
    locator : the profile's engine (district layers, city boundary, metric CRS).
    by : a district key of the profile, ``"hex"`` or ``"grid"``.
    method : ``"counts"``, ``"gistar"``, ``"optimized"`` (Gi* with the distance band
        at the first peak of incremental spatial autocorrelation; 30 cells at least)
        ``"lisa"`` (local Moran's I, :class:`~geo311.hotspots.moran.LocalMoran`) or
        ``"emerging"`` (Gi* per time step and its trend,
        :func:`~geo311.hotspots.emerging.emerging_hotspots`).
    resolution : H3 resolution (default: chosen from the point density).
    cell_m : grid cell side in metres.
    band_m : distance band in metres for hexagons or grid (default: see the module).
    as_of : when the export was taken, for the SLA figures by district (default: the
        latest creation time).
    permutations : LISA's conditional permutations per cell; with FDR over n cells the
        smallest p must reach about 0.05 / n, hence the high default.
    step, time_window : emerging hot spots: ``"month"``, ``"week"`` or ``"day"`` steps,
        and the steps in a space-time neighborhood.
    start, end : emerging hot spots: the period the steps cover (default: the first
        and the last request; pass the filter's bounds so that empty steps count).
    catalog : the service catalog, for the SLA figures by district (default: none).

    Raises
    ------
    InputError
        For an unknown ``by`` or ``method``, or fewer than 3 cells.
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    keys = [layer.key for layer in locator.districts]
    if by in keys:
        cells, geometries = _districts(requests, locator, by, as_of, catalog)
        counts = None
    elif by == "hex":
        counts, frame = by_hex(requests, resolution, area=locator.boundary)
        cells = pd.DataFrame({"id": frame["cell"], "name": frame["cell"], "lon": frame["lon"],
                              "lat": frame["lat"], "count": frame["count"]})
        geometries = hex_polygons(counts.cells)
    elif by == "grid":
        counts, frame = by_grid(requests, locator.metric_crs, cell_m,
                                area=locator.boundary_metric)
        cells = pd.DataFrame({"id": frame["cell"], "name": frame["cell"].astype(str),
                              "lon": frame["lon"], "lat": frame["lat"], "count": frame["count"]})
        to_lonlat = Transformer.from_crs(locator.metric_crs, "EPSG:4326", always_xy=True)
        geometries = shapely.transform(counts.polygons(), to_lonlat.transform,
                                       interleaved=False)
    else:
        raise InputError(f"by must be one of {', '.join([*keys, 'hex', 'grid'])}, not {by!r}")
    return analyze_cells(cells, geometries, locator, by=by, method=method, counts=counts,
                         band_m=band_m, cell_m=cell_m, permutations=permutations,
                         report=requests.report.as_dict(), requests=requests, step=step,
                         time_window=time_window, start=start, end=end)


def analyze_cells(cells: pd.DataFrame, geometries: np.ndarray, locator: Locator, *, by: str,
                  method: str = "gistar", counts: HexCounts | GridCounts | None = None,
                  band_m: float | None = None, cell_m: float = 150.0,
                  permutations: int = 9_999, report: dict | None = None,
                  requests: Requests | None = None, step: str = "month",
                  time_window: int = 1, start: object = None,
                  end: object = None) -> HotspotResult:
    """Run ``method`` on cells already counted (``id, name, lon, lat, count``), as
    :func:`analyze` does after counting: the step a distributed run shares with it
    (:func:`geo311.scale.hotspots.analyze` adds the counts of the partitions first).

    ``counts`` is the binning of hexagon or grid cells; ``report`` the load report;
    ``requests`` are needed by ``method="emerging"`` only (the times of the requests).

    Raises
    ------
    InputError
        For an unknown ``method``, fewer than 3 cells, or emerging hot spots without
        the requests.
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if method == "emerging" and requests is None:
        raise InputError("emerging hot spots need the requests' times, not counts alone")
    if len(cells) < 3:
        raise InputError(f"only {len(cells)} cell(s) to analyze; widen the area or the filters")
    job = _Job(requests, locator, by, cells, counts, band_m, cell_m, permutations, step,
               time_window, start, end)
    columns, neighborhood, emerging = METHODS[method].run(job)
    return HotspotResult(by, method, cells.assign(**columns), np.asarray(geometries),
                         neighborhood, report or {}, emerging)


def density(requests: Requests, locator: Locator, *, cell_m: float = 50.0,
            bandwidth_m: float | None = None) -> Density:
    """Quartic kernel density of the usable requests over the city, in the metric CRS.

    The grid covers the city's bounds; the bandwidth defaults to the Silverman-type
    rule of :func:`~geo311.hotspots.kde.silverman_bandwidth`.
    """
    usable = requests.valid
    if len(usable) < 2:
        raise InputError("kernel density needs at least 2 requests with coordinates")
    x, y = project_lonlat(usable["lon"].to_numpy(), usable["lat"].to_numpy(), locator.metric_crs)
    return kde(x, y, cell_m, bandwidth_m=bandwidth_m, bounds=locator.boundary_metric.bounds)
