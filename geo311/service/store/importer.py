"""Load a historical request export into the store: idempotent and resumable.

The file is read through :func:`geo311.service.requests.load_requests` (any preset or
column mapping) and located once; each request is stored with the source
``import:<name>`` and its id in the export as ``external_id``, unique together. A
run skips the ids already stored and commits in batches, so a second run adds
nothing and a run killed mid-file (even by SIGKILL) is finished by running it again:
a batch is in the store whole or not at all.

A row is never dropped silently: rows without an id or a usable creation date (or
repeating an id of the file) are bad rows, counted with the first reasons; rows
without usable coordinates are stored without a location and counted by reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from sqlalchemy import select

from geo311.errors import InputError
from geo311.service.records import NewRequest, check_text, text_or_none
from geo311.service.requests import (
    BAD_CREATED,
    MISSING_CREATED,
    RequestColumns,
    load_requests,
    preset,
)
from geo311.service.store.models import Request
from geo311.tables import read_frame

if TYPE_CHECKING:
    from geo311.jurisdiction.locate import Locator
    from geo311.service.store.store import Store

__all__ = ["EXTRA_COLUMNS", "PRESET_ZONES", "ImportReport", "import_requests"]

EXTRA_COLUMNS: dict[str, dict[str, str]] = {
    "demo": {"service_name": "service_name", "description": "description",
             "zipcode": "zipcode"},
    "open311": {"service_name": "service_name", "description": "description",
                "zipcode": "zipcode", "agency_responsible": "agency_responsible",
                "media_url": "media_url", "address_id": "address_id"},
    "myla311": {"zipcode": "ZipCode", "agency_responsible": "Owner"},
    "nyc311": {"description": "Descriptor", "zipcode": "Incident Zip",
               "agency_responsible": "Agency Name"},
}
"""Columns of each preset's export beyond :class:`RequestColumns`, read when present."""

PRESET_ZONES = {"myla311": "America/Los_Angeles", "nyc311": "America/New_York"}
"""The time zone of the naive local times of an export (others: UTC unless given)."""

BATCH_ROWS = 2_000
FIRST_REASONS = 10


@dataclass
class ImportReport:
    """What an import did.

    Attributes
    ----------
    rows : int
        Rows in the file.
    added : int
        Requests stored by this run.
    already : int
        Rows whose id was stored before (by an earlier or interrupted run).
    bad : int
        Rows not stored; ``bad_reasons`` counts them by reason, ``first_bad`` gives the
        first ones as ``line N: reason``.
    without_location : dict of str to int
        Rows stored without a location, by reason (missing or unusable coordinates).
    """

    source: str
    rows: int
    added: int = 0
    already: int = 0
    bad: int = 0
    bad_reasons: dict[str, int] = field(default_factory=dict)
    first_bad: list[str] = field(default_factory=list)
    without_location: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        return dict(self.__dict__)

    def summary(self) -> str:
        """One line for people: what was added, skipped and refused."""
        text = f"{self.source}: added {self.added:,} of {self.rows:,} rows"
        if self.already:
            text += f"; {self.already:,} already stored"
        if self.added == 0 and self.already:
            text += " (nothing new)"
        if self.bad:
            text += f"; {self.bad:,} bad rows not stored ({'; '.join(self.first_bad[:3])})"
        return text


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {name!r} (use e.g. America/Los_Angeles)",
                         field="tz") from None


def _aware(times: pd.Series, zone: ZoneInfo) -> pd.Series:
    """Times as aware UTC; naive local times are read in ``zone`` (DST gaps shift forward)."""
    if getattr(times.dt, "tz", None) is None:
        times = times.dt.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
    return times.dt.tz_convert("UTC")


def _extras(path: Path, name: str | None, encoding: str | None) -> pd.DataFrame:
    """The preset's extra columns present in the file, by store field name."""
    wanted = EXTRA_COLUMNS.get(name or "", {})
    if not wanted:
        return pd.DataFrame()
    header = read_frame(path, encoding, nrows=0).columns
    present = {field_: column for field_, column in wanted.items() if column in header}
    if not present:
        return pd.DataFrame()
    raw = read_frame(path, encoding, usecols=list(present.values()), keep_default_na=False,
                     na_values=[""])
    return pd.DataFrame({field_: raw[column] for field_, column in present.items()})


def _nul_field(row: dict[str, Any]) -> str | None:
    """The first field of ``row`` whose text holds a NUL character (no store keeps one)."""
    for name, value in row.items():
        texts = [*value, *value.values()] if isinstance(value, dict) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            return name
    return None


def _classify(frame: pd.DataFrame, rows: list[dict[str, Any]],
              report: ImportReport) -> pd.Series:
    """Why each row cannot be stored (None: it can); counts rows stored without location."""
    reason = pd.Series(None, index=frame.index, dtype=object)
    ids = frame["id"].map(text_or_none)
    reason[ids.isna()] = "missing id"
    nul = pd.Series([_nul_field(row) for row in rows], index=frame.index, dtype=object)
    reason[nul.notna() & reason.isna()] = "a NUL character in " + nul[nul.notna()
                                                                    & reason.isna()]
    repeated = ids.notna() & ids.duplicated(keep="first")
    reason[repeated & reason.isna()] = "id repeated in the file"
    dated = frame["reason"].isin([MISSING_CREATED, BAD_CREATED])
    reason[dated & reason.isna()] = frame["reason"][dated & reason.isna()]
    reason[frame["created"].isna() & reason.isna()] = "ambiguous local creation time"
    located = reason.isna() & frame["reason"].notna()
    report.without_location = {str(k): int(v) for k, v in
                               frame["reason"][located].value_counts().items()}
    bad = reason.notna()
    report.bad = int(bad.sum())
    report.bad_reasons = {str(k): int(v) for k, v in Counter(reason[bad]).items()}
    report.first_bad = [f"line {i + 2}: {reason[i]}" for i in frame.index[bad][:FIRST_REASONS]]
    return reason


def import_requests(
    store: Store,
    path: str | Path,
    columns: RequestColumns | str = "demo",
    *,
    locator: Locator | None = None,
    name: str | None = None,
    tz: str | None = None,
    batch_rows: int = BATCH_ROWS,
    encoding: str | None = None,
    progress: Callable[[int], Any] | None = None,
) -> ImportReport:
    """Load the request export ``path`` into ``store`` (idempotent, resumable).

    Parameters
    ----------
    columns : RequestColumns or str
        The export's column mapping or a preset name (``demo``, ``open311``,
        ``myla311``, ``nyc311``).
    locator : Locator, optional
        Locate every request once and store its districts.
    name : str, optional
        The source's name: requests are stored as ``import:<name>`` (default: the
        preset name, else the file's stem). Ids are unique per source.
    tz : str, optional
        Time zone of naive local times in the export (default: the preset's,
        :data:`PRESET_ZONES`, else UTC).
    progress : callable, optional
        Called with the number of rows done after each batch.

    Raises
    ------
    InputError
        If the file cannot be read, lacks a mapped column, the time zone is unknown or
        the name holds a NUL. A row with a NUL in a text is a bad row (reported).
    """
    preset_name = columns if isinstance(columns, str) else None
    mapping = preset(columns) if isinstance(columns, str) else columns
    path = Path(path)
    source = check_text(f"import:{name or preset_name or path.stem}", "name")
    zone = _zone(tz or PRESET_ZONES.get(preset_name or ""))
    if batch_rows < 1:
        raise InputError("batch_rows must be at least 1", field="batch_rows")
    requests = load_requests(path, mapping, locator=locator, encoding=encoding)
    frame = requests.frame
    frame["created"] = _aware(frame["created"], zone)
    frame["closed"] = _aware(frame["closed"], zone)
    extras = _extras(path, preset_name, encoding)
    report = ImportReport(source=source, rows=len(frame))
    layers = list(requests.layer_ids or {})
    rows = _records(frame, extras, layers)
    reason = _classify(frame, rows, report)
    table = Request.__table__
    with store.engines.read.connect() as connection:
        stored = set(connection.execute(select(table.c.external_id).where(
            table.c.source == source)).scalars())
    refused = reason.notna().to_numpy()
    for start in range(0, len(frame), batch_rows):
        batch = []
        for i in range(start, min(start + batch_rows, len(frame))):
            if refused[i]:
                continue
            if rows[i]["external_id"] in stored:
                report.already += 1
                continue
            batch.append(_new_request(rows[i], source))
        report.added += len(store.insert_many(batch, source))
        if progress is not None:
            progress(min(batch_rows, len(frame) - start))
    return report


def _records(frame: pd.DataFrame, extras: pd.DataFrame,
             layers: list[str]) -> list[dict[str, Any]]:
    """The located export as plain dicts (one per row) of :class:`NewRequest` fields."""
    usable = frame["valid"].to_numpy(dtype=bool)
    closed = frame["is_closed"].to_numpy(dtype=bool)
    code = [text_or_none(v) or "UNKNOWN" for v in frame["type"]]
    extra = {name: [text_or_none(v) for v in extras[name]] for name in extras.columns}
    none = [None] * len(frame)
    address = ([text_or_none(v) for v in frame["address"]] if "address" in frame.columns else none)
    districts = {key: [text_or_none(v) for v in frame[f"{key}_id"]] for key in layers}
    created = frame["created"].dt.to_pydatetime()
    closed_at = frame["closed"].dt.to_pydatetime()
    lon, lat = frame["lon"].to_numpy(), frame["lat"].to_numpy()
    ids = [text_or_none(v) for v in frame["id"]]
    return [{
        "service_code": code[i],
        "service_name": extra.get("service_name", none)[i] or code[i],
        "lon": float(lon[i]) if usable[i] else None,
        "lat": float(lat[i]) if usable[i] else None,
        "address": address[i],
        "address_id": extra.get("address_id", none)[i],
        "zipcode": extra.get("zipcode", none)[i],
        "districts": {key: ids[i] for key, ids in districts.items()} if usable[i] else {},
        "description": extra.get("description", none)[i],
        "status": "closed" if closed[i] else "open",
        "requested_datetime": created[i],
        "media_url": extra.get("media_url", none)[i],
        "external_id": ids[i],
        "agency_responsible": extra.get("agency_responsible", none)[i],
        "closed_datetime": closed_at[i] if closed[i] and not pd.isna(closed_at[i]) else None,
    } for i in range(len(frame))]


def _new_request(row: dict[str, Any], source: str) -> NewRequest:
    """One row of :func:`_records` as a :class:`NewRequest` of ``source``."""
    return NewRequest(source=source, **row)
