"""The service catalog, the staffing table and the rules that read them.

The catalog (the profile's ``[services] catalog`` CSV) names each request type:
``service_code, service_name, group, department, sla_days`` and, when the
catalog has them, Open311 attributes. The staffing table (``[services]
staffing``) holds ``ward, department, crews``. Two rules live here and only here:

- **the date bound** (:func:`date_bound`): a bound (``--from``, ``--to``,
  ``--as-of``) is made comparable with a column of request times. A bound
  without a time zone is wall-clock time in the zone of the times (tz-aware
  times) or as they are (naive times). A bound with a time zone is an instant:
  against tz-aware times it is compared as such; against naive times, whose
  zone the export does not say, it is refused (``InputError``) rather than
  guessed.
- **overdue** (:func:`past_sla`): a request is past its SLA when it is open and
  older than its type's ``sla_days`` at ``as_of``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from geo311.errors import InputError, ProfileError
from geo311.profile import Profile
from geo311.tables import read_frame

__all__ = [
    "SECONDS_PER_DAY",
    "age_days",
    "as_of_time",
    "catalog_lookup",
    "date_bound",
    "load_catalog",
    "load_staffing",
    "parse_bound",
    "past_sla",
    "sla_days_of",
]

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
    _require_columns(catalog, ["service_code"], "[services] catalog")
    if "sla_days" in catalog:
        catalog["sla_days"] = _numbers(catalog, "sla_days", "service_code", "[services] catalog",
                                       missing_ok=True)
    return catalog


def load_staffing(profile: Profile) -> pd.DataFrame:
    """Return the profile's ``[services] staffing`` CSV: ``ward, department, crews``."""
    if profile.services.staffing is None:
        raise InputError(f"{profile.path}: [services] needs 'staffing'", profile=str(profile.path))
    staffing = read_frame(
        profile.resolve_path(profile.services.staffing, "[services] staffing"),
        error=ProfileError)
    _require_columns(staffing, ["ward", "department", "crews"], "[services] staffing")
    staffing["crews"] = _numbers(staffing, "crews", "ward", "[services] staffing")
    return staffing


def _require_columns(table: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in table]
    if missing:
        raise ProfileError(f"{what}: column(s) {', '.join(missing)} missing (columns: "
                           f"{', '.join(map(str, table.columns))})", field=what)


def _numbers(table: pd.DataFrame, column: str, key: str, what: str,
             missing_ok: bool = False) -> pd.Series:
    """``column`` as non-negative finite numbers; a ProfileError names the rows that are not."""
    text = table[column].astype("string").str.strip()
    values = pd.to_numeric(text, errors="coerce")
    bad = ~(np.isfinite(values) & (values >= 0)).fillna(False).to_numpy(dtype=bool)
    if missing_ok:
        bad &= ~(text.isna() | (text == "")).to_numpy(dtype=bool)
    if bad.any():
        rows = ", ".join(f"{k} ({v!r})" for k, v in zip(
            table.loc[bad, key].head(5), table.loc[bad, column].head(5), strict=True))
        raise ProfileError(f"{what}: {column} must be a number >= 0; not in {bad.sum()} "
                           f"row(s): {rows}", field=f"{what} {column}")
    return values.astype(float)


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


def parse_bound(value: Any, name: str = "date bound") -> pd.Timestamp:
    """Return a date bound as a timestamp; InputError starting with ``name`` if not a date."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise InputError(f"{name} {value!r} is not a date (use e.g. 2025-01-01)",
                         bound=str(value))
    return stamp


def date_bound(value: Any, times: pd.Series, name: str = "date bound") -> pd.Timestamp:
    """Return ``value`` as a timestamp comparable with the request ``times``.

    The rule of the module docstring: a naive bound takes the zone of tz-aware
    ``times``; a tz-aware bound against naive ``times`` is refused.

    Raises
    ------
    InputError
        If ``value`` is not a date or time (an empty string included), or has a
        time zone while ``times`` have none. The message starts with ``name``.
    """
    stamp = parse_bound(value, name)
    zone = getattr(times.dt, "tz", None)
    if zone is not None and stamp.tzinfo is None:
        return stamp.tz_localize(zone)
    if zone is None and stamp.tzinfo is not None:
        raise InputError(f"{name} {value!r} has a time zone but the request times do not "
                         "(give it without an offset, in the export's local time)",
                         bound=str(value))
    return stamp


def as_of_time(as_of: Any, created: pd.Series) -> pd.Timestamp:
    """When the export was taken: ``as_of`` by :func:`date_bound`, default the latest creation."""
    return created.max() if as_of is None else date_bound(as_of, created, "as_of")


def age_days(created: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """Days from each creation time to ``as_of``."""
    return (as_of - created).dt.total_seconds() / SECONDS_PER_DAY


def past_sla(frame: pd.DataFrame, sla: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """Whether each request is open and older than its SLA (``sla`` days, NaN: never) at ``as_of``.

    ``frame`` has the request columns ``created`` and ``is_closed``.
    """
    return ~frame["is_closed"] & (age_days(frame["created"], as_of) > sla)
