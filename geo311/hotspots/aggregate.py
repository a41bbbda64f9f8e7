"""Aggregate requests by district, H3 hexagon or metric grid cell.

:func:`by_district` gives one row per feature of a district layer, empty ones
included, with counts, rates and service-level figures; the requests that no
feature holds and those without usable coordinates get rows of their own, so
the ``count`` column always sums to the number of requests. :func:`by_hex` and
:func:`by_grid` bin the usable requests with :mod:`~geo311.hotspots.binning`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geo311.hotspots.binning import (
    FINEST_RESOLUTION,
    GridCounts,
    HexCounts,
    PointHexes,
    grid_counts,
    hex_centroids,
    project_lonlat,
)
from geo311.jurisdiction.locate import Locator
from geo311.service.catalog import SECONDS_PER_DAY, as_of_time, past_sla, sla_days_of
from geo311.service.requests import Requests

__all__ = [
    "INVALID",
    "OUTSIDE",
    "by_district",
    "by_grid",
    "by_hex",
    "district_of",
    "point_hexes",
]

OUTSIDE = "(outside)"
INVALID = "(no location)"


def district_of(requests: Requests, locator: Locator, key: str) -> np.ndarray:
    """Return the feature index of layer ``key`` holding each request (-1 none or invalid).

    Read from the requests' district columns; unlocated requests are located
    first, once (:meth:`~geo311.service.requests.Requests.locate`).
    """
    return requests.locate(locator).district_codes(key)


def point_hexes(requests: Requests, resolution: int = FINEST_RESOLUTION) -> PointHexes:
    """The H3 index of the usable rows' points (``requests.valid`` order), built once.

    Kept in ``requests.cache`` per resolution: every hexagon binning of one
    analysis (choosing a resolution, counting, the map's heat and type layers)
    shares it.
    """
    key = ("point_hexes", resolution)
    if key not in requests.cache:
        usable = requests.valid
        requests.cache[key] = PointHexes(usable["lon"].to_numpy(), usable["lat"].to_numpy(),
                                         resolution)
    return requests.cache[key]


def _days_to_close(frame: pd.DataFrame) -> pd.Series:
    return (frame["closed"] - frame["created"]).dt.total_seconds() / SECONDS_PER_DAY


def by_district(
    requests: Requests,
    locator: Locator,
    key: str,
    *,
    catalog: pd.DataFrame | Mapping[str, float] | None = None,
    as_of: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """Return counts, rates and service levels per feature of a district layer.

    Parameters
    ----------
    requests : Requests
        From :func:`~geo311.service.requests.load_requests`.
    locator : Locator
        The engine of the profile that holds layer ``key``.
    key : str
        District layer key, such as ``"ward"``.
    catalog : DataFrame or mapping, optional
        SLA days by request type (see :func:`~geo311.service.catalog.sla_days_of`).
    as_of : pandas.Timestamp, optional
        When the export was taken, to judge open requests against their SLA;
        default: the latest creation time in the requests.

    Returns
    -------
    pandas.DataFrame
        One row per feature in layer order, then ``(outside)`` (usable points
        in no feature) and ``(no location)`` (rows with ``valid`` False).
        Columns: ``id, name, kind`` (``district``, ``outside`` or ``invalid``),
        ``count``, ``share`` (of the requests in a feature), ``per_km2``,
        ``per_1000_residents`` (when the profile's ``[[districts]]`` table names a
        ``population_field``), ``median_days_to_close``,
        ``open_backlog`` (requests not closed) and, with a catalog,
        ``pct_closed_within_sla`` and ``open_past_sla``.

    Notes
    -----
    ``pct_closed_within_sla`` is the share of requests whose SLA has run out by
    ``as_of`` or that are closed, closed within ``sla_days`` of creation; a
    request still open inside its SLA window is not yet judged. Requests of a
    type without an SLA are left out of it.
    """
    frame = requests.frame
    layer = locator.district_layer(key)
    n = len(layer.ids)
    codes = district_of(requests, locator, key)
    group = np.where(codes >= 0, codes, np.where(frame["valid"].to_numpy(), n, n + 1))
    group = pd.Series(group, index=frame.index)
    rows = pd.RangeIndex(n + 2)

    count = group.value_counts().reindex(rows, fill_value=0)
    table = pd.DataFrame({
        "id": [*layer.ids, OUTSIDE, INVALID],
        "name": [*layer.names, OUTSIDE, INVALID],
        "kind": ["district"] * n + ["outside", "invalid"],
        "count": count.to_numpy(),
    })
    located = table["count"].iloc[:n].sum()
    area_km2 = np.append(shapely.area(layer.metric) / 1e6, [np.nan, np.nan])
    table["share"] = np.where(table["kind"] == "district", table["count"] / max(located, 1),
                              np.nan)
    table["per_km2"] = table["count"] / area_km2
    residents = locator.district_population(key)
    if residents is not None:
        population = np.concatenate([residents, [np.nan] * 2])
        table["population"] = population
        table["per_1000_residents"] = table["count"] / population * 1000
    days = _days_to_close(frame)
    table["median_days_to_close"] = days.groupby(group).median().reindex(rows).to_numpy()
    table["open_backlog"] = (~frame["is_closed"]).groupby(group).sum().reindex(
        rows, fill_value=0).to_numpy()
    if catalog is not None:
        sla = sla_days_of(frame["type"], catalog)
        past = past_sla(frame, sla, as_of_time(as_of, frame["created"]))
        judged = sla.notna() & (frame["is_closed"] | past)
        within = frame["is_closed"] & (days <= sla)
        table["pct_closed_within_sla"] = (
            within[judged].groupby(group[judged]).mean().reindex(rows).to_numpy() * 100)
        table["open_past_sla"] = past.groupby(group).sum().reindex(rows, fill_value=0).to_numpy()
    return table


def _usable(requests: Requests) -> tuple[np.ndarray, np.ndarray]:
    rows = requests.frame[requests.frame["valid"]]
    return rows["lon"].to_numpy(), rows["lat"].to_numpy()


def by_hex(
    requests: Requests,
    resolution: int | None = None,
    area: shapely.Geometry | None = None,
) -> tuple[HexCounts, pd.DataFrame]:
    """Return the usable requests counted into H3 cells, and the counts as a frame.

    Parameters
    ----------
    requests : Requests
        Only rows with ``valid`` True are binned (the others are in
        ``requests.report``).
    resolution : int, optional
        H3 resolution; default :func:`~geo311.hotspots.binning.choose_resolution`.
    area : shapely geometry, optional
        Study area in lon/lat (see :func:`~geo311.hotspots.binning.hex_counts`).

    The points are indexed through :func:`point_hexes`, once per resolution.

    Returns
    -------
    counts : HexCounts
    cells : pandas.DataFrame
        ``cell`` (H3 id as hex text), ``lon, lat`` (cell centre), ``count``.
    """
    if resolution is None:
        resolution = point_hexes(requests).choose_resolution()
    # counts are exact at the index's own resolution (see PointHexes)
    counts = point_hexes(requests, resolution).counts(resolution, area)
    centre_lon, centre_lat = hex_centroids(counts.cells)
    cells = pd.DataFrame({
        "cell": [format(int(c), "x") for c in counts.cells],
        "lon": centre_lon,
        "lat": centre_lat,
        "count": counts.counts,
    })
    return counts, cells


def by_grid(
    requests: Requests,
    crs: CRS | str,
    cell_m: float,
    area: shapely.Geometry | None = None,
    bounds: tuple[float, float, float, float] | None = None,
) -> tuple[GridCounts, pd.DataFrame]:
    """Return the usable requests counted into a square metric grid, and the counts as a frame.

    Parameters
    ----------
    requests : Requests
        Only rows with ``valid`` True are binned.
    crs : pyproj.CRS or str
        Projected CRS of the grid, such as ``Profile.metric_crs``.
    cell_m : float
        Side of a cell in metres.
    area, bounds
        As for :func:`~geo311.hotspots.binning.grid_counts` (``area`` in ``crs``).

    Returns
    -------
    counts : GridCounts
    cells : pandas.DataFrame
        ``cell`` (row-major id), ``x, y`` (centre in ``crs``), ``lon, lat``, ``count``.
    """
    x, y = project_lonlat(*_usable(requests), crs)
    counts = grid_counts(x, y, cell_m, bounds=bounds, area=area)
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(counts.x, counts.y)
    cells = pd.DataFrame({"cell": counts.cells, "x": counts.x, "y": counts.y,
                          "lon": lon, "lat": lat, "count": counts.counts})
    return counts, cells
