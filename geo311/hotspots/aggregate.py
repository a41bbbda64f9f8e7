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

from geo311.errors import InputError, ProfileError
from geo311.hotspots.binning import (
    GridCounts,
    HexCounts,
    grid_counts,
    hex_centroids,
    project_lonlat,
)
from geo311.hotspots.requests import LoadReport, Requests
from geo311.jurisdiction.locate import Locator
from geo311.profile import Profile
from geo311.tables import read_frame

__all__ = [
    "INVALID",
    "OUTSIDE",
    "by_district",
    "by_grid",
    "by_hex",
    "catalog_lookup",
    "district_of",
    "in_districts",
    "load_catalog",
    "sla_days_of",
    "timestamp_like",
]

OUTSIDE = "(outside)"
INVALID = "(no location)"
SECONDS_PER_DAY = 86_400.0


def load_catalog(profile: Profile) -> pd.DataFrame:
    """Return the service catalog of the profile's ``[services] catalog`` CSV.

    Columns as in the file (the demo: ``service_code, service_name, group,
    department, sla_days, description``), read as text except ``sla_days``.
    """
    if profile.services.catalog is None:
        raise InputError(f"{profile.path}: [services] needs 'catalog'", profile=str(profile.path))
    catalog = read_frame(profile.resolve_path(profile.services.catalog, "[services] catalog"),
                         error=ProfileError)
    if "sla_days" in catalog:
        catalog["sla_days"] = pd.to_numeric(catalog["sla_days"], errors="coerce")
    return catalog


def catalog_lookup(types: pd.Series, catalog: pd.DataFrame, column: str) -> pd.Series:
    """Return ``column`` of each request type's catalog row (NaN for unknown types).

    A type is looked up by ``service_code`` first and, failing that, by
    ``service_name`` without regard to case or surrounding spaces, so that
    exports which carry the name only (MyLA311's "Bulky Items") find their row.
    """
    by_code = dict(zip(catalog["service_code"], catalog[column], strict=True))
    found = types.map(by_code)
    if "service_name" in catalog and found.isna().any():
        names = catalog["service_name"].astype(str).str.strip().str.casefold()
        by_name = dict(zip(names, catalog[column], strict=True))
        missing = found.isna()
        found[missing] = types[missing].astype(str).str.strip().str.casefold().map(by_name)
    return found


def sla_days_of(types: pd.Series, catalog: pd.DataFrame | Mapping[str, float]) -> pd.Series:
    """Return the SLA in days of each request type (NaN for types not in the catalog).

    ``catalog`` is a mapping ``{type: days}`` or a catalog frame with
    ``service_code``, ``sla_days`` and optionally ``service_name``
    (see :func:`catalog_lookup`).
    """
    if isinstance(catalog, pd.DataFrame):
        return pd.to_numeric(catalog_lookup(types, catalog, "sla_days"), errors="coerce")
    return types.map(catalog).astype(float)


def timestamp_like(value: pd.Timestamp | str, like: pd.Series) -> pd.Timestamp:
    """``value`` as a timestamp comparable with ``like``.

    A naive value takes the time zone of tz-aware ``like``; against naive times
    (an export without offsets, in local wall-clock time) a tz-aware value is read
    by its own wall-clock time.

    Raises
    ------
    InputError
        If ``value`` is not a date or time (an empty string included).
    """
    try:
        stamp = pd.Timestamp(value)
    except ValueError as error:
        raise InputError(f"as_of: not a date or time: {value!r}", as_of=str(value)) from error
    if pd.isna(stamp):
        raise InputError(f"as_of: not a date or time: {value!r}", as_of=str(value))
    zone = getattr(like.dt, "tz", None)
    if zone is not None and stamp.tzinfo is None:
        stamp = stamp.tz_localize(zone)
    elif zone is None and stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp


def district_of(requests: Requests, locator: Locator, key: str) -> np.ndarray:
    """Return the feature index of layer ``key`` holding each request (-1 none or invalid)."""
    frame = requests.frame
    usable = frame["valid"].to_numpy()
    codes = np.full(len(frame), -1, dtype=np.int64)
    if usable.any():
        found = locator.locate_many(frame["lon"].to_numpy()[usable],
                                    frame["lat"].to_numpy()[usable], near_boundary=False)
        codes[usable] = found.districts[key]
    return codes


def in_districts(requests: Requests, locator: Locator, key: str,
                 ids: str | list[str]) -> Requests:
    """Return the requests located in the features ``ids`` of district layer ``key``.

    The district filter of an analysis ("ward 10 only"). Rows in other
    features, outside every feature or without a usable location are left out
    and counted in ``report.excluded["district"]``.

    Raises
    ------
    InputError
        For an unknown layer or an id the layer does not have (the message lists
        them), or when no request lies in the features ``ids``.
    """
    layer = locator.district_layer(key)
    wanted = [ids] if isinstance(ids, str) else [str(i) for i in ids]
    known = [str(i) for i in layer.ids]
    unknown = [i for i in wanted if i not in known]
    if unknown:
        raise InputError(f"no {key} {', '.join(map(repr, unknown))}; {key} ids: "
                         f"{', '.join(known)}", key=key, ids=unknown)
    positions = np.flatnonzero(np.isin(known, wanted))
    keep = np.isin(district_of(requests, locator, key), positions)
    if len(keep) and not keep.any():
        raise InputError(f"no request in {key} {', '.join(map(repr, wanted))} (of the "
                         f"{len(keep):,} requests the other filters left)", key=key, ids=wanted)
    frame = requests.frame[keep].reset_index(drop=True)
    report = LoadReport(requests.report.rows, {**requests.report.excluded,
                                               "district": requests.report.excluded.get(
                                                   "district", 0) + int((~keep).sum())},
                        {str(k): int(v) for k, v in frame["reason"].value_counts().items()})
    return Requests(frame, report, requests.source)


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
        From :func:`~geo311.hotspots.requests.load_requests`.
    locator : Locator
        The engine of the profile that holds layer ``key``.
    key : str
        District layer key, such as ``"ward"``.
    catalog : DataFrame or mapping, optional
        SLA days by request type (see :func:`sla_days_of`).
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
    residents = locator.profile.district(key).layer.attrs.get("population")
    if residents is not None:
        numbers = pd.to_numeric(pd.Series(residents), errors="coerce").to_numpy(float)
        population = np.concatenate([numbers, [np.nan] * 2])
        table["population"] = population
        table["per_1000_residents"] = table["count"] / population * 1000
    days = _days_to_close(frame)
    table["median_days_to_close"] = days.groupby(group).median().reindex(rows).to_numpy()
    table["open_backlog"] = (~frame["is_closed"]).groupby(group).sum().reindex(
        rows, fill_value=0).to_numpy()
    if catalog is not None:
        sla = sla_days_of(frame["type"], catalog)
        as_of = frame["created"].max() if as_of is None else timestamp_like(as_of,
                                                                             frame["created"])
        age = (as_of - frame["created"]).dt.total_seconds() / SECONDS_PER_DAY
        judged = sla.notna() & (frame["is_closed"] | (age > sla))
        within = frame["is_closed"] & (days <= sla)
        table["pct_closed_within_sla"] = (
            within[judged].groupby(group[judged]).mean().reindex(rows).to_numpy() * 100)
        past = ~frame["is_closed"] & (age > sla)
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

    The points are indexed through :meth:`Requests.point_hexes
    <geo311.hotspots.requests.Requests.point_hexes>`, once per resolution.

    Returns
    -------
    counts : HexCounts
    cells : pandas.DataFrame
        ``cell`` (H3 id as hex text), ``lon, lat`` (cell centre), ``count``.
    """
    if resolution is None:
        resolution = requests.point_hexes().choose_resolution()
    # counts are exact at the index's own resolution (see PointHexes)
    counts = requests.point_hexes(resolution).counts(resolution, area)
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
