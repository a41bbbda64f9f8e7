"""Service requests: one table type, one filter, loaded from any CSV export and located once.

A :class:`RequestColumns` names the columns of one export (Open311 GeoReport v2,
MyLA311, NYC 311, the demo, or a profile's ``[requests]`` table);
:func:`load_requests` returns them as :class:`Requests` under one set of names
(``id, type, created, closed, status, is_closed, lon, lat``, plus ``address`` and
``district`` when mapped). A row whose coordinates or creation date cannot be
used stays in the frame with ``valid`` False and a ``reason``; the
:class:`LoadReport` counts them by reason, and counts the rows each filter of the
:class:`RequestFilter` excluded, so that no row disappears unaccounted for.

Requests are located once: :meth:`Requests.locate` (or ``load_requests(...,
locator=...)``) adds ``in_jurisdiction`` and one ``<key>_id`` column per district
layer; district counts, the district filter, emerging hot spots and crew
reallocation read those columns (:meth:`Requests.district_codes`) and never
locate again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo311.errors import InputError
from geo311.profile import Profile
from geo311.service.catalog import date_bound, parse_bound
from geo311.tables import open_table, read_frame, strict_numbers

if TYPE_CHECKING:
    from geo311.jurisdiction.locate import Locator

__all__ = [
    "PRESETS",
    "LoadReport",
    "RequestColumns",
    "RequestFilter",
    "Requests",
    "columns_from_profile",
    "filter_values",
    "in_districts",
    "load_requests",
    "parse_bbox",
    "parse_district_filters",
    "preset",
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
        Rows removed by each filter (``type``, ``date``, ``status``, ``bbox``,
        ``district``), in that order; a row without a creation date is excluded by a
        date filter, a row without a location by a bbox or district filter.
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


def parse_bbox(bbox: Iterable[Any]) -> tuple[float, float, float, float]:
    """Return ``(min_lon, min_lat, max_lon, max_lat)`` as floats; InputError if malformed."""
    try:
        box = tuple(float(v) for v in bbox)
    except (TypeError, ValueError):
        box = ()
    if len(box) != 4 or not np.isfinite(box).all() or box[0] > box[2] or box[1] > box[3]:
        raise InputError(f"bbox {bbox!r}: give min_lon, min_lat, max_lon, max_lat "
                         "with min <= max", bbox=str(bbox))
    return box  # type: ignore[return-value]


def filter_values(values: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """A filter's values as a tuple (one string is one value; None or empty: no filter)."""
    if values is None:
        return None
    items = (values,) if isinstance(values, str) else tuple(str(v) for v in values)
    return items or None


@dataclass(frozen=True)
class RequestFilter:
    """Which requests to keep: a plain value shared by every front end and store.

    Attributes
    ----------
    types : tuple of str or None
        Request types to keep (exact values of the type column).
    start, end : str or datetime-like or None
        Keep requests created at or after ``start`` and strictly before ``end``;
        compared by the date-bound rule of :mod:`geo311.service.catalog`.
    status : tuple of str or None
        Statuses to keep (compared case-insensitively).
    districts : mapping of str to tuple of str
        ``{layer key: ids}``: keep requests located in one of the ids of every
        key given (needs a locator).
    bbox : (min_lon, min_lat, max_lon, max_lat) or None
        Keep requests whose location lies in the box (edges included).

    None (or empty) means "no filter" for each field. Values are checked on
    construction: a bound that is not a date or a malformed box is an InputError.
    """

    types: tuple[str, ...] | None = None
    start: Any = None
    end: Any = None
    status: tuple[str, ...] | None = None
    districts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    bbox: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalize once, here
        set_(self, "types", filter_values(self.types))
        set_(self, "status", filter_values(self.status))
        set_(self, "districts", {str(k).strip(): filter_values(v) or () for k, v in
                                 dict(self.districts).items()})
        for value, name in ((self.start, "start date"), (self.end, "end date")):
            if value is not None:
                parse_bound(value, name)
        if self.bbox is not None:
            set_(self, "bbox", parse_bbox(self.bbox))

    def describe(self) -> str:
        """The filter in words, for messages: ``type 'A', 'B'; from 2025-01-01; ward 10``."""
        parts = []
        if self.types:
            parts.append(f"type {', '.join(map(repr, self.types))}")
        if self.start is not None:
            parts.append(f"from {self.start}")
        if self.end is not None:
            parts.append(f"before {self.end}")
        if self.status:
            parts.append(f"status {', '.join(map(repr, self.status))}")
        if self.bbox is not None:
            parts.append("in bbox " + ", ".join(f"{v:g}" for v in self.bbox))
        parts.extend(f"{key} {', '.join(map(repr, ids))}" for key, ids in self.districts.items())
        return "; ".join(parts) or "all requests"


@dataclass
class Requests:
    """Requests under normalized column names.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``id, type, created, closed, status, is_closed, lon, lat`` (and ``address``,
        ``district`` when mapped), ``valid`` and ``reason`` (None when valid);
        once located also ``in_jurisdiction`` and ``<key>_id`` per district layer
        (missing where no feature holds the point or it has no usable location).
        ``created``/``closed`` share one dtype: tz-aware when the file carries
        offsets, naive otherwise.
    report : LoadReport
    source : pathlib.Path
    layer_ids : dict of str to numpy.ndarray, or None
        The locator's district ids by layer key when the requests are located
        (their order gives :meth:`district_codes`); None before.
    cache : dict
        Per-row indexes that analyses derive once and share (such as the H3
        index of the points); keyed by their maker.

    Treat the frame as read-only once located or cached into: both describe its rows.
    """

    frame: pd.DataFrame
    report: LoadReport
    source: Path
    layer_ids: dict[str, np.ndarray] | None = None
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def valid(self) -> pd.DataFrame:
        """The rows with usable coordinates and creation date."""
        return self.frame[self.frame["valid"]]

    @property
    def located(self) -> bool:
        """Whether the district columns are there (:meth:`locate` has run)."""
        return self.layer_ids is not None

    def locate(self, locator: Locator) -> Requests:
        """Add ``in_jurisdiction`` and ``<key>_id`` columns, once; return ``self``.

        The usable rows go through one :meth:`Locator.locate_many` call; requests
        already located are returned as they are.
        """
        if self.located:
            return self
        frame = self.frame
        usable = frame["valid"].to_numpy()
        found = locator.locate_many(frame["lon"].to_numpy()[usable],
                                    frame["lat"].to_numpy()[usable], near_boundary=False)
        inside = pd.array(np.zeros(len(frame), dtype=bool), dtype="boolean")
        inside[usable] = found.in_jurisdiction
        inside[~usable] = pd.NA
        frame["in_jurisdiction"] = inside
        layer_ids = {}
        for key, codes in found.districts.items():
            ids = locator.district_layer(key).ids
            lookup = np.array([*ids, None], dtype=object)  # code -1 picks None
            column = np.full(len(frame), None, dtype=object)
            column[usable] = lookup[codes]
            frame[f"{key}_id"] = column
            layer_ids[key] = np.asarray(ids, dtype=object)
        self.layer_ids = layer_ids
        return self

    def district_codes(self, key: str) -> np.ndarray:
        """The feature index (layer order) of layer ``key`` holding each row; -1 none or invalid.

        Raises
        ------
        InputError
            If the requests are not located, or ``key`` is not a located layer.
        """
        if self.layer_ids is None:
            raise InputError("requests are not located: call Requests.locate(locator) or "
                             "load them with a locator")
        if key not in self.layer_ids:
            raise InputError(f"no district layer {key!r}; the profile's are: "
                             f"{', '.join(self.layer_ids)}", key=key)
        position = {value: i for i, value in reversed(list(enumerate(self.layer_ids[key])))}
        codes = self.frame[f"{key}_id"].map(position)
        return codes.fillna(-1).to_numpy(dtype=np.int64)

    def subset(self, keep: np.ndarray, report: LoadReport) -> Requests:
        """The rows where ``keep`` is True, with ``report``; located columns carried over."""
        return Requests(self.frame[keep].reset_index(drop=True), report, self.source,
                        self.layer_ids)


def in_districts(requests: Requests, locator: Locator, key: str,
                 ids: str | Iterable[str]) -> Requests:
    """Return the requests located in the features ``ids`` of district layer ``key``.

    The district filter of an analysis ("ward 10 only"). Rows in other
    features, outside every feature or without a usable location are left out
    and counted in ``report.excluded["district"]``. Unlocated requests are
    located first (once: :meth:`Requests.locate`).

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
    keep = np.isin(requests.locate(locator).district_codes(key), positions)
    if len(keep) and not keep.any():
        raise InputError(f"no request in {key} {', '.join(map(repr, wanted))} (of the "
                         f"{len(keep):,} requests the other filters left)", key=key, ids=wanted)
    excluded = {**requests.report.excluded,
                "district": requests.report.excluded.get("district", 0) + int((~keep).sum())}
    kept = requests.frame["reason"][keep]
    report = LoadReport(requests.report.rows, excluded,
                        {str(k): int(v) for k, v in kept.value_counts().items()})
    return requests.subset(keep, report)


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
        if not sep or not key.strip() or not value.strip():
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


def _filter_rows(frame: pd.DataFrame, keep: pd.Series, name: str, what: str, known: str,
                 report: LoadReport) -> pd.DataFrame:
    """Count the rows filter ``name`` removes, refuse removing them all, return the rest."""
    report.excluded[name] = int((~keep).sum())
    _none_left(keep, name, what, known, frame, report)
    return frame[keep]


def _apply(frame: pd.DataFrame, rows: RequestFilter, report: LoadReport) -> pd.DataFrame:
    """The rows of ``frame`` that the type, date, status and bbox filters keep."""
    if rows.types is not None:
        frame = _filter_rows(frame, frame["type"].isin(rows.types), "type",
                             f"no request of type {_listed(rows.types)}",
                             f"known types: {_listed(frame['type'])}", report)
    if rows.start is not None or rows.end is not None:
        keep = frame["created"].notna()
        if rows.start is not None:
            keep &= frame["created"] >= date_bound(rows.start, frame["created"], "start date")
        if rows.end is not None:
            keep &= frame["created"] < date_bound(rows.end, frame["created"], "end date")
        frame = _filter_rows(frame, keep, "date", _no_request_between(rows.start, rows.end),
                             _span(frame["created"]), report)
    if rows.status is not None:
        keep = frame["status"].isin([s.strip().lower() for s in rows.status])
        frame = _filter_rows(frame, keep, "status", f"no request with status "
                             f"{_listed(rows.status)}", f"statuses: {_listed(frame['status'])}",
                             report)
    if rows.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = rows.bbox
        keep = frame["lon"].between(min_lon, max_lon) & frame["lat"].between(min_lat, max_lat)
        frame = _filter_rows(frame, keep, "bbox", f"no request in the bbox "
                             f"{', '.join(f'{v:g}' for v in rows.bbox)}",
                             f"{int(frame['lon'].notna().sum()):,} have coordinates", report)
    return frame


def load_requests(
    path: str | Path,
    columns: RequestColumns | str,
    rows: RequestFilter | None = None,
    *,
    locator: Locator | None = None,
    encoding: str | None = None,
) -> Requests:
    """Return the requests of a CSV export under normalized column names.

    Parameters
    ----------
    path : str or pathlib.Path
        The CSV file.
    columns : RequestColumns or str
        The column mapping or the name of a preset (:data:`PRESETS`).
    rows : RequestFilter, optional
        Which requests to keep (default: all).
    locator : Locator, optional
        Locate the kept requests (once, :meth:`Requests.locate`); needed by a
        district filter.
    encoding : str, optional
        The file's encoding (default: detected, see :mod:`geo311.tables`).

    Returns
    -------
    Requests

    Raises
    ------
    InputError
        If the preset is unknown, the file cannot be read or decoded, is empty or
        repeats a column name, a mapped column is not in the file (the message
        names it and lists the file's columns), a filter keeps no request, or a
        district filter comes without a locator.
    """
    rows = RequestFilter() if rows is None else rows
    if isinstance(columns, str):
        columns = preset(columns)
    path = Path(path)
    if not path.exists():
        raise InputError(f"request file not found: {path}", file=str(path))
    if rows.districts and locator is None:
        raise InputError("a district filter needs a locator to place the requests")
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
    frame = _apply(frame, rows, report)
    report.invalid = {str(k): int(v) for k, v in frame["reason"].value_counts().items()}
    requests = Requests(frame.reset_index(drop=True), report, path)
    if locator is not None:
        requests.locate(locator)
    for key, ids in rows.districts.items():
        requests = in_districts(requests, locator, key, ids)
    return requests
