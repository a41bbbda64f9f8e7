"""One hot-spot analysis: loaded requests → cells with counts (and Gi* or density) → a map.

:func:`analyze` counts the usable requests by a district layer, by H3 hexagon or by
a square metric grid clipped to the city; ``method="gistar"`` adds the Getis-Ord
Gi* z-scores, FDR-adjusted p-values and bins, ``"optimized"`` the same with the
distance band of incremental spatial autocorrelation, and ``"lisa"`` local
Moran's I clusters and outliers. By a district layer the cells also carry the
layer's rates and service levels (:func:`~geo311.hotspots.aggregate.by_district`).
:func:`hotspot_map` draws the result as a self-contained offline HTML map. The
CLI's ``geo311 hotspots`` and the planners' dashboard call these two.

Default neighbourhoods (self included for Gi*; LISA drops the diagonal):

- districts: the 5 nearest districts by centroid (fewer when the layer is small);
- hexagons: a distance band of 1.5 × the median distance between neighbouring
  cell centres, which holds the first ring of six;
- grid: a distance band of 2.5 cells (the 5 × 5 block without its corners).
"""

from __future__ import annotations

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

__all__ = ["HotspotResult", "analyze", "density", "hotspot_map", "METHODS"]

METHODS = ("counts", "gistar", "optimized", "lisa", "emerging")
_DISTRICT_NEIGHBOURS = 5


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
    neighbourhood: str
    report: dict = field(default_factory=dict)
    emerging: EmergingResult | None = None

    def as_dict(self) -> dict:
        """A JSON-ready summary: settings, load report, and one record per cell."""
        rows = self.cells.astype(object).where(self.cells.notna(), None)
        extra = {}
        if self.emerging is not None and self.emerging.steps is not None:
            extra["steps"] = [str(step.date()) for step in self.emerging.steps]
        return {"by": self.by, "method": self.method, "neighbourhood": self.neighbourhood,
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
    """The default neighbourhood of the module docstring, as sparse weights and a label."""
    centres = _metric_centres(cells["lon"].to_numpy(), cells["lat"].to_numpy(), locator)
    if by not in ("hex", "grid"):
        k = min(_DISTRICT_NEIGHBOURS, len(cells) - 1)
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
        and the steps in a space-time neighbourhood.
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
    if len(cells) < 3:
        raise InputError(f"only {len(cells)} cell(s) to analyze; widen the area or the filters")
    neighbourhood = ""
    if method == "optimized":
        centres = _metric_centres(cells["lon"].to_numpy(), cells["lat"].to_numpy(), locator)
        stats, band_m, table = optimized_gistar(centres[:, 0], centres[:, 1],
                                                cells["count"].to_numpy(dtype=float))
        neighbourhood = f"distance band {band_m:,.0f} m ({table.attrs['rule']})"
        cells = cells.assign(z=stats.z, p=stats.p, p_fdr=stats.p_fdr, bin=stats.bin.astype(int))
    elif method == "gistar":
        weights, neighbourhood = _weights(cells, by, locator, band_m, cell_m)
        stats = GiStar(cells["count"].to_numpy(dtype=float), weights)
        cells = cells.assign(z=stats.z, p=stats.p, p_fdr=stats.p_fdr, bin=stats.bin.astype(int))
    elif method == "lisa":
        weights, neighbourhood = _weights(cells, by, locator, band_m, cell_m)
        lisa = LocalMoran(cells["count"].to_numpy(dtype=float), weights,
                          permutations=permutations)
        cells = cells.assign(Is=lisa.Is, q=lisa.q.astype(int), p=lisa.p, p_fdr=lisa.p_fdr,
                             cluster=lisa.cluster)
    elif method == "emerging":
        weights, neighbourhood = _weights(cells, by, locator, band_m, cell_m)
        cube = space_time_counts(_cell_of_requests(requests, locator, by, counts),
                                 requests.valid["created"], len(cells), step=step,
                                 start=start, end=end)
        emerging = emerging_hotspots(cube, weights, time_window=time_window)
        neighbourhood += f", {cube.shape[1]} {step}s" + (
            f", time window {time_window}" if time_window > 1 else "")
        cells = cells.assign(category=emerging.category, code=emerging.code.astype(int),
                             hot_steps=emerging.hot_steps, cold_steps=emerging.cold_steps,
                             trend_z=emerging.trend.z, trend_p=emerging.trend.p,
                             last_z=emerging.z[:, -1], last_bin=emerging.bin[:, -1].astype(int))
        return HotspotResult(by, method, cells, np.asarray(geometries), neighbourhood,
                             requests.report.as_dict(), emerging)
    return HotspotResult(by, method, cells, np.asarray(geometries), neighbourhood,
                         requests.report.as_dict())


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


# district figures shown in the map's popups: column, label, scale
_DETAILS = (
    ("share", "Share of requests (%)", 100),
    ("per_1000_residents", "Per 1,000 residents", 1),
    ("per_km2", "Per km²", 1),
    ("median_days_to_close", "Median days to close", 1),
    ("pct_closed_within_sla", "Closed within SLA (%)", 1),
    ("open_backlog", "Open backlog", 1),
    ("open_past_sla", "Open past SLA", 1),
)


def _details(cells: pd.DataFrame) -> list[list[tuple[str, object]]]:
    """Popup rows of the district figures each cell has (NaN left out)."""
    columns = [(c, label, scale) for c, label, scale in _DETAILS if c in cells]
    rows = []
    for record in cells[[c for c, _, _ in columns]].itertuples(index=False):
        rows.append([(label, value * scale) for (_, label, scale), value in zip(
            columns, record, strict=True) if pd.notna(value)])
    return rows


def hotspot_map(result: HotspotResult, requests: Requests, locator: Locator, *,
                title: str = "Service requests", tiles: bool = False):
    """Return a folium map of ``result``: counts, Gi* bins, density and one layer per type.

    Every string from the data is escaped; the page works offline
    (see :mod:`geo311.hotspots.maps`).
    """
    import folium

    from geo311.hotspots import maps

    m = maps.base_map(locator.boundary.bounds, tiles=tiles)
    label = "district" if result.by not in ("hex", "grid") else result.by
    # page size: empty cells stay off the count layer, non-significant ones off the bins
    shown = (result.cells["count"] > 0).to_numpy()
    cells = result.cells[shown]
    if shown.any():
        maps.add_choropleth(m, result.geometries[shown], cells["name"].astype(str).tolist(),
                            cells["count"].tolist(), f"{title}: requests per {label}",
                            layer=f"Requests by {label}", label=label.capitalize(),
                            details=_details(cells))
    if "bin" in result.cells:
        significant = (result.cells["bin"] != 0).to_numpy()
        if significant.any():
            cells = result.cells[significant]
            maps.add_hotspot_bins(m, result.geometries[significant], cells["bin"].tolist(),
                                  cells["count"].tolist(), cells["z"].tolist(),
                                  cells["p_fdr"].tolist(), layer=f"Hot spots (Gi*, {label})")
    if "cluster" in result.cells:
        significant = (result.cells["cluster"] != "ns").to_numpy()
        if significant.any():
            cells = result.cells[significant]
            maps.add_lisa_clusters(m, result.geometries[significant], cells["cluster"].tolist(),
                                   cells["count"].tolist(), cells["Is"].tolist(),
                                   cells["p_fdr"].tolist(),
                                   layer=f"Clusters and outliers (local Moran's I, {label})")
    if "category" in result.cells:
        patterned = (result.cells["category"] != "no pattern").to_numpy()
        if patterned.any():
            cells = result.cells[patterned]
            maps.add_emerging_categories(
                m, result.geometries[patterned], cells["category"].tolist(),
                cells["count"].tolist(), cells["hot_steps"].tolist(),
                cells["cold_steps"].tolist(), cells["trend_z"].tolist(),
                steps=result.emerging.z.shape[1], layer=f"Emerging hot spots ({label})")
    usable = requests.valid
    hexes = point_hexes(requests)
    maps.add_heat(m, hexes)
    if usable["type"].nunique() > 1:
        maps.add_type_layers(m, hexes, usable["type"].astype(str).to_numpy(), resolution=7)
    folium.LayerControl(collapsed=False).add_to(m)
    return m
