"""Locate every row of a CSV file, keeping every input row and column.

Rows are streamed in chunks through :meth:`Locator.locate_many`. A row with a
missing, non-numeric or out-of-range coordinate, or with the wrong number of
fields, gets a message in the ``error`` column and the run goes on.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from geo311.errors import InputError
from geo311.jurisdiction.locate import Locator

__all__ = ["BatchSummary", "locate_csv", "row_shape_problem", "LON_NAMES", "LAT_NAMES"]

LON_NAMES = ("lon", "lng", "long", "longitude", "x")
LAT_NAMES = ("lat", "latitude", "y")


@dataclass
class BatchSummary:
    """Counts of one batch run."""

    rows: int = 0
    in_jurisdiction: int = 0
    outside_with_agency: int = 0
    no_agency: int = 0
    errors: int = 0
    near_boundary: int = 0
    agencies: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        """Return the counts as a JSON-ready dict."""
        return {**{k: v for k, v in self.__dict__.items() if k != "agencies"},
                "outside_by_agency": dict(self.agencies.most_common())}


def _find_column(header: list[str], given: str | None, names: tuple[str, ...],
                 what: str) -> int:
    if given is not None:
        if given not in header:
            raise InputError(f"no column {given!r} for {what} (columns: {', '.join(header)})",
                             column=given)
        return header.index(given)
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    raise InputError(f"cannot tell which column holds the {what} (columns: "
                     f"{', '.join(header)}); name it with --{what[:3]}-col", column=None)


def row_shape_problem(row: list[str], width: int) -> str:
    """The message for a CSV row whose field count differs from the header's ("" if none).

    Extra fields are quoted in the message, so nothing of the row is lost.
    """
    if len(row) == width:
        return ""
    extra = f"; extra fields: {row[width:]}" if len(row) > width else ""
    return f"row has {len(row)} fields, the header has {width}{extra}"


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return np.nan


def _chunks(reader: Iterator[list[str]], size: int) -> Iterator[list[list[str]]]:
    chunk: list[list[str]] = []
    for row in reader:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def locate_csv(
    locator: Locator,
    source: str | Path,
    target: str | Path,
    *,
    lon_col: str | None = None,
    lat_col: str | None = None,
    chunk_size: int = 50_000,
    progress: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Locate each row of ``source`` and write ``target`` with the result columns added.

    Added columns: ``in_jurisdiction, agency_id, agency_name, agency_phone,
    <key>_id`` per district layer, ``near_boundary, error``. An added name that
    the input already uses is prefixed with ``geo311_``.

    Raises
    ------
    InputError
        If the file has no header or the coordinate columns cannot be found.
    """
    keys = [layer.key for layer in locator.districts]
    added = ["in_jurisdiction", "agency_id", "agency_name", "agency_phone",
             *(f"{k}_id" for k in keys), "near_boundary", "error"]
    summary = BatchSummary()
    with open(source, newline="", encoding="utf-8-sig") as src, \
            open(target, "w", newline="", encoding="utf-8") as dst:
        reader = csv.reader(src)
        header = next(reader, None)
        if not header:
            raise InputError(f"{source}: empty file, a header row is needed", file=str(source))
        ilon = _find_column(header, lon_col, LON_NAMES, "longitude")
        ilat = _find_column(header, lat_col, LAT_NAMES, "latitude")
        names = [f"geo311_{n}" if n in header else n for n in added]
        writer = csv.writer(dst)
        writer.writerow(header + names)
        width = len(header)
        for chunk in _chunks(reader, chunk_size):
            lons = np.array([_number(r[ilon]) if len(r) == width else np.nan for r in chunk])
            lats = np.array([_number(r[ilat]) if len(r) == width else np.nan for r in chunk])
            frame = locator.locate_many(lons, lats).to_frame()
            result = frame.astype(object)
            result = result.where(result.notna(), "").to_numpy()
            error_col = frame.columns.get_loc("error")
            for row, out in zip(chunk, result, strict=True):
                if len(row) != width:
                    out[error_col] = row_shape_problem(row, width)
                    row = (row + [""] * width)[:width]
                elif out[error_col]:
                    value = row[ilon] if "longitude" in out[error_col] else row[ilat]
                    out[error_col] = f"{out[error_col]}: {value!r}"
                writer.writerow(row + list(out))
            _count(summary, frame, chunk, width)
            if progress is not None:
                progress(len(chunk))
    return summary


def _count(summary: BatchSummary, frame, chunk: list[list[str]], width: int) -> None:
    inside = frame["in_jurisdiction"].fillna(False).to_numpy(dtype=bool)
    has_agency = frame["agency_id"].notna().to_numpy()
    bad = frame["error"].notna().to_numpy() | np.array([len(r) != width for r in chunk])
    summary.rows += len(frame)
    summary.in_jurisdiction += int(inside.sum())
    summary.outside_with_agency += int((~inside & has_agency).sum())
    summary.no_agency += int((~inside & ~has_agency & ~bad).sum())
    summary.errors += int(bad.sum())
    summary.near_boundary += int(frame["near_boundary"].fillna(False).to_numpy(bool).sum())
    summary.agencies.update(frame.loc[~inside & has_agency, "agency_name"].tolist())
