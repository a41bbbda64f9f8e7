"""Load service requests from any CSV export through a column mapping.

A :class:`RequestColumns` names the columns of one export (Open311 GeoReport v2,
MyLA311, NYC 311, the demo, or a profile's ``[requests]`` table);
:func:`load_requests` returns them under one set of names
(``id, type, created, closed, status, is_closed, lon, lat``, plus ``address`` and
``district`` when mapped). A row whose coordinates or creation date cannot be
used stays in the frame with ``valid`` False and a ``reason``; the
:class:`LoadReport` counts them by reason, and counts the rows each filter
excluded, so that no row disappears unaccounted for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo311.errors import InputError
from geo311.hotspots.binning import FINEST_RESOLUTION, PointHexes
from geo311.profile import Profile
from geo311.tables import open_table, read_frame, strict_numbers

__all__ = [
    "PRESETS",
    "LoadReport",
    "RequestColumns",
    "Requests",
    "columns_from_profile",
    "load_requests",
    "parse_district_filters",
    "requests_file",
]

SOCRATA_DATE_FORMAT = "%m/%d/%Y %I:%M:%S %p"

MISSING_COORDINATES = "missing coordinates"
BAD_COORDINATES = "coordinates not numeric"
OUT_OF_RANGE = "coordinates out of range"
NULL_ISLAND = "coordinates (0, 0)"
MISSING_CREATED = "missing created date"
BAD_CREATED = "unparseable created date"


@dataclass(frozen=True)
class RequestColumns:
    """Names of the columns of one request export.

    Attributes
    ----------
    id, type, created, lon, lat : str
        Request id, request type (service code or name), creation time and
        WGS84 coordinates.
    closed, status : str or None
        Closing time and status; a request is closed when its status is
        ``closed`` (any case), or, without a status column, when it has a
        closing time.
    address, district : str or None
        Optional address and the export's own district id (such as MyLA311 ``CD``).
    date_format : str or None
        ``strftime`` format of the dates; None parses ISO 8601.
    """

    id: str
    type: str
    created: str
    closed: str | None
    status: str | None
    lon: str
    lat: str
    address: str | None = None
    district: str | None = None
    date_format: str | None = None

    def mapping(self) -> dict[str, str]:
        """Return ``{normalized name: source column}`` for the mapped columns."""
        names = ("id", "type", "created", "closed", "status", "lon", "lat", "address", "district")
        return {name: getattr(self, name) for name in names if getattr(self, name)}


PRESETS: dict[str, RequestColumns] = {
    # GeoReport v2 has no closing time: updated_datetime is the last change, which
    # for a closed request is its closing.
    "open311": RequestColumns(
        id="service_request_id", type="service_code", created="requested_datetime",
        closed="updated_datetime", status="status", lon="long", lat="lat",
        address="address",
    ),
    "myla311": RequestColumns(
        id="SRNumber", type="RequestType", created="CreatedDate", closed="ClosedDate",
        status="Status", lon="Longitude", lat="Latitude", address="Address", district="CD",
        date_format=SOCRATA_DATE_FORMAT,
    ),
    "nyc311": RequestColumns(
        id="Unique Key", type="Complaint Type", created="Created Date", closed="Closed Date",
        status="Status", lon="Longitude", lat="Latitude", address="Incident Address",
        date_format=SOCRATA_DATE_FORMAT,
    ),
    "demo": RequestColumns(
        id="service_request_id", type="service_code", created="requested_datetime",
        closed="closed_datetime", status="status", lon="lon", lat="lat", address="address",
    ),
}

_PROFILE_KEYS = {
    "id": "id_field", "type": "type_field", "created": "time_field",
    "closed": "closed_field", "status": "status_field", "lon": "lon_field",
    "lat": "lat_field", "address": "address_field", "district": "district_field",
    "date_format": "date_format",
}


@dataclass
class LoadReport:
    """What happened to the rows of one export.

    Attributes
    ----------
    rows : int
        Rows read from the file.
    excluded : dict of str to int
        Rows removed by each filter (``type``, ``date``, ``status``), in that order;
        a row without a creation date is excluded by a date filter.
    invalid : dict of str to int
        Kept rows with ``valid`` False, by reason.
    """

    rows: int
    excluded: dict[str, int] = field(default_factory=dict)
    invalid: dict[str, int] = field(default_factory=dict)

    @property
    def kept(self) -> int:
        """Rows left after the filters."""
        return self.rows - sum(self.excluded.values())

    def as_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict."""
        return {"rows": self.rows, "kept": self.kept, "excluded": dict(self.excluded),
                "invalid": dict(self.invalid)}


@dataclass
class Requests:
    """Requests under normalized column names.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``id, type, created, closed, status, is_closed, lon, lat`` (and ``address``,
        ``district`` when mapped), ``valid`` and ``reason`` (None when valid).
        ``created``/``closed`` share one dtype: tz-aware when the file carries
        offsets, naive otherwise.
    report : LoadReport
    source : pathlib.Path

    Treat the frame as read-only once :meth:`point_hexes` has been called: the
    index is kept with the object.
    """

    frame: pd.DataFrame
    report: LoadReport
    source: Path
    _hexes: dict[int, PointHexes] = field(default_factory=dict, init=False, repr=False,
                                          compare=False)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def valid(self) -> pd.DataFrame:
        """The rows with usable coordinates and creation date."""
        return self.frame[self.frame["valid"]]

    def point_hexes(self, resolution: int = FINEST_RESOLUTION) -> PointHexes:
        """The H3 index of the usable rows' points (:attr:`valid` order), built once per resolution.

        Every hexagon binning of one analysis (choosing a resolution, counting,
        the map's heat and type layers) shares it.
        """
        if resolution not in self._hexes:
            usable = self.valid
            self._hexes[resolution] = PointHexes(usable["lon"].to_numpy(),
                                                 usable["lat"].to_numpy(), resolution)
        return self._hexes[resolution]


def columns_from_profile(profile: Profile) -> RequestColumns:
    """Return the column mapping of a profile's ``[requests]`` table.

    Keys: ``id_field, type_field, time_field, lon_field, lat_field`` (required),
    ``closed_field, status_field, address_field, district_field, date_format``.
    ``preset = "myla311"`` starts from a preset that the other keys override.

    Raises
    ------
    InputError
        If the profile has no ``[requests]`` table, a required key is missing or
        the preset is unknown.
    """
    settings = profile.requests
    if settings is None:
        raise InputError(f"{profile.path}: no [requests] table", profile=str(profile.path))
    base: dict[str, Any] = {}
    if settings.preset is not None:
        base = preset(settings.preset).__dict__.copy()
    base.update({name: getattr(settings, key) for name, key in _PROFILE_KEYS.items()
                 if getattr(settings, key) is not None})
    missing = [_PROFILE_KEYS[n] for n in ("id", "type", "created", "lon", "lat") if n not in base]
    if missing:
        raise InputError(f"[requests] needs {', '.join(missing)}", missing=missing)
    base.setdefault("closed", None)
    base.setdefault("status", None)
    return RequestColumns(**base)


def requests_file(profile: Profile) -> Path:
    """Return the path of the profile's request file (``[requests] file``)."""
    if profile.requests is None or profile.requests.file is None:
        raise InputError(f"{profile.path}: [requests] needs 'file'", profile=str(profile.path))
    return profile.resolve_path(profile.requests.file, "[requests] file")


def preset(name: str) -> RequestColumns:
    """Return the preset column mapping ``name``; InputError naming the presets if unknown."""
    if name not in PRESETS:
        raise InputError(f"unknown request preset {name!r} (known: {', '.join(PRESETS)})",
                         preset=name)
    return PRESETS[name]


def parse_district_filters(items: Iterable[str]) -> dict[str, list[str]]:
    """Return ``KEY=ID`` district filters as the ids wanted per district key, in order.

    >>> parse_district_filters(["ward=10", "ward=3", " police = 7"])
    {'ward': ['10', '3'], 'police': ['7']}

    Raises
    ------
    InputError
        For an item without a key, an ``=`` or an id (``field="districts"``).
    """
    wanted: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise InputError(f"{item!r}: use KEY=ID, e.g. ward=10", field="districts",
                             item=item)
        wanted.setdefault(key.strip(), []).append(value.strip())
    return wanted


def _parse_dates(values: pd.Series, date_format: str | None) -> pd.Series:
    """Parse dates to one dtype: tz-aware (UTC when offsets differ) or naive."""
    fmt = date_format or "ISO8601"
    try:
        return pd.to_datetime(values, format=fmt, errors="coerce")
    except ValueError:  # mixed UTC offsets (daylight saving): one tz-aware UTC column
        return pd.to_datetime(values, format=fmt, errors="coerce", utc=True)


def _like(dates: pd.Series, reference: pd.Series) -> pd.Series:
    """Return ``dates`` in the time zone (or naivety) of ``reference``."""
    if dates.isna().all():
        return pd.Series(pd.NaT, index=dates.index, dtype=reference.dtype)
    tz = getattr(reference.dt, "tz", None)
    if (dates.dt.tz is None) != (tz is None):
        raise InputError("closing and creation dates differ in carrying a time zone")
    return dates if tz is None else dates.dt.tz_convert(tz)


def _bound(value: Any, dates: pd.Series) -> pd.Timestamp:
    """Return a date bound comparable with ``dates`` (naive bounds take their zone)."""
    bound = pd.Timestamp(value)
    tz = getattr(dates.dt, "tz", None)
    if tz is not None and bound.tzinfo is None:
        return bound.tz_localize(tz)
    if tz is None and bound.tzinfo is not None:
        raise InputError(f"date bound {value!r} has a time zone but the dates do not",
                         bound=str(value))
    return bound


def _check_date(value: Any, name: str) -> None:
    """Raise InputError when a date bound (None: no bound) is not a date."""
    if value is None:
        return
    try:
        bound = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        bound = pd.NaT
    if pd.isna(bound):
        raise InputError(f"{name} date {value!r} is not a date (use e.g. 2025-01-01)",
                         bound=str(value))


def _listed(values: Any, limit: int = 30) -> str:
    """Distinct values as ``'a', 'b', ...`` (sorted, at most ``limit``)."""
    distinct = sorted({str(v) for v in pd.Series(list(values)).dropna()})
    shown = ", ".join(repr(v) for v in distinct[:limit])
    more = f" and {len(distinct) - limit} more" if len(distinct) > limit else ""
    return (shown + more) or "none"


def _no_request_between(start: Any, end: Any) -> str:
    if start is not None and end is not None:
        return f"no request between {start} and {end}"
    return f"no request from {start} on" if start is not None else f"no request before {end}"


def _span(created: pd.Series) -> str:
    if created.notna().any():
        return f"spanning {created.min()} to {created.max()}"
    return "none with a creation date"


def _none_left(keep: pd.Series, name: str, what: str, known: str, frame: pd.DataFrame,
               report: LoadReport) -> None:
    """Raise InputError naming filter ``name`` when it removes every remaining row."""
    if keep.any():
        return
    earlier = [other for other, n in report.excluded.items() if n and other != name]
    among = (f"of the {len(frame):,} requests the {' and '.join(earlier)} filter left"
             if earlier else f"of the {len(frame):,} requests in the file")
    raise InputError(f"{what} ({among}; {known})", filter=name,
                     excluded=dict(report.excluded))


def _reasons(lon_raw: pd.Series, lat_raw: pd.Series, lon: pd.Series, lat: pd.Series,
             created_raw: pd.Series, created: pd.Series) -> pd.Series:
    """Return why each row is unusable (None when usable); the first reason wins."""
    checks = [  # the last matching check wins: the most basic reason comes last
        (created.isna() & created_raw.notna(), BAD_CREATED),
        (created_raw.isna(), MISSING_CREATED),
        ((lon == 0) & (lat == 0), NULL_ISLAND),
        ((lon.abs() > 180) | (lat.abs() > 90), OUT_OF_RANGE),
        ((lon.isna() & lon_raw.notna()) | (lat.isna() & lat_raw.notna()), BAD_COORDINATES),
        (lon_raw.isna() | lat_raw.isna(), MISSING_COORDINATES),
    ]
    reason = np.full(len(lon), None, dtype=object)
    for mask, text in checks:
        reason[mask.to_numpy()] = text
    return pd.Series(reason, index=lon.index, dtype=object)


def load_requests(
    path: str | Path,
    columns: RequestColumns | str,
    *,
    types: str | list[str] | None = None,
    start: Any = None,
    end: Any = None,
    status: str | list[str] | None = None,
    encoding: str | None = None,
) -> Requests:
    """Return the requests of a CSV export under normalized column names.

    Parameters
    ----------
    path : str or pathlib.Path
        The CSV file.
    columns : RequestColumns or str
        The column mapping or the name of a preset (:data:`PRESETS`).
    types : str or list of str, optional
        Keep only these request types (exact values of the type column).
    start, end : str or datetime-like, optional
        Keep requests created at or after ``start`` and strictly before ``end``.
        A naive bound takes the time zone of tz-aware dates.
    status : str or list of str, optional
        Keep only these statuses (compared case-insensitively).
    encoding : str, optional
        The file's encoding (default: detected, see :mod:`geo311.tables`).

    Returns
    -------
    Requests

    Raises
    ------
    InputError
        If the preset is unknown, the file cannot be read or decoded, is empty or
        repeats a column name, or a mapped column is not in the file (the message
        names it and lists the file's columns).
    """
    if isinstance(columns, str):
        columns = preset(columns)
    path = Path(path)
    if not path.exists():
        raise InputError(f"request file not found: {path}", file=str(path))
    _check_date(start, "start")
    _check_date(end, "end")
    with open_table(path, encoding) as table:
        header = table.header
    mapping = columns.mapping()
    for name, column in mapping.items():
        if column not in header:
            raise InputError(
                f"column {column!r} ({name}) is not in {path.name} (columns: {', '.join(header)})",
                column=column, file=str(path),
            )
    raw = read_frame(path, encoding, usecols=list(set(mapping.values())),
                     keep_default_na=False, na_values=[""])
    if raw.empty:
        raise InputError(f"request file {path.name} has a header but no rows", file=str(path))
    report = LoadReport(rows=len(raw))
    frame = pd.DataFrame({name: raw[column] for name, column in mapping.items()})
    frame["created"] = _parse_dates(raw[columns.created], columns.date_format)
    closed = (_parse_dates(raw[columns.closed], columns.date_format) if columns.closed
              else pd.Series(pd.NaT, index=raw.index))
    frame["closed"] = _like(closed, frame["created"])
    frame["status"] = (raw[columns.status].str.strip().str.lower() if columns.status
                       else pd.Series(None, index=raw.index, dtype=object))
    frame["is_closed"] = (frame["status"].eq("closed").fillna(False).astype(bool)
                          if columns.status else frame["closed"].notna())
    frame["lon"] = strict_numbers(raw[columns.lon])
    frame["lat"] = strict_numbers(raw[columns.lat])
    frame["reason"] = _reasons(raw[columns.lon], raw[columns.lat], frame["lon"], frame["lat"],
                               raw[columns.created], frame["created"])
    frame["valid"] = frame["reason"].isna()

    if types is not None:
        wanted = [types] if isinstance(types, str) else list(types)
        keep = frame["type"].isin(wanted)
        report.excluded["type"] = int((~keep).sum())
        _none_left(keep, "type", f"no request of type {_listed(wanted)}",
                   f"known types: {_listed(frame['type'])}", frame, report)
        frame = frame[keep]
    if start is not None or end is not None:
        keep = frame["created"].notna()
        if start is not None:
            keep &= frame["created"] >= _bound(start, frame["created"])
        if end is not None:
            keep &= frame["created"] < _bound(end, frame["created"])
        report.excluded["date"] = int((~keep).sum())
        _none_left(keep, "date", _no_request_between(start, end), _span(frame["created"]), frame,
                   report)
        frame = frame[keep]
    if status is not None:
        wanted = [status] if isinstance(status, str) else list(status)
        keep = frame["status"].isin([s.strip().lower() for s in wanted])
        report.excluded["status"] = int((~keep).sum())
        _none_left(keep, "status", f"no request with status {_listed(wanted)}",
                   f"statuses: {_listed(frame['status'])}", frame, report)
        frame = frame[keep]
    report.invalid = {str(k): int(v) for k, v in frame["reason"].value_counts().items()}
    return Requests(frame.reset_index(drop=True), report, path)
