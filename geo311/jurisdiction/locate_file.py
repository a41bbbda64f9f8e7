"""Locate every row of a CSV file, keeping every input row and column.

Rows are streamed in chunks through :meth:`Locator.locate_many` into ``OUT.part``,
renamed onto ``OUT`` when complete; an interrupted run resumes (:mod:`geo311.resume`).
A row with a missing, non-numeric or out-of-range coordinate, or with the wrong
number of fields, gets a message in the ``error`` column and the run goes on.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from geo311.answers import locate_csv_columns
from geo311.errors import InputError
from geo311.jurisdiction.locate import Locator
from geo311.outputs import refuse_input_as_output
from geo311.resume import part_paths, resumable_csv
from geo311.tables import open_table, parse_number

__all__ = ["BatchSummary", "find_column", "locate_csv", "row_shape_problem", "profile_fingerprint",
           "LON_NAMES", "LAT_NAMES"]

LON_NAMES = ("lon", "lng", "long", "longitude", "x")
LAT_NAMES = ("lat", "latitude", "y")


@dataclass
class BatchSummary:
    """Counts of one batch run: ``rows`` in all, of which ``resumed`` were done by an
    earlier, interrupted run; the other counts are over the rows located in this run."""

    rows: int = 0
    resumed: int = 0
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


def find_column(header: list[str], given: str | None, names: tuple[str, ...],
                what: str, field: str) -> int:
    """The position in ``header`` of column ``given``, else of the first of ``names`` (any
    case); an InputError naming the library argument ``field`` when there is none."""
    if given is not None:
        if given not in header:
            raise InputError(f"no column {given!r} for {what} (columns: {', '.join(header)})",
                             column=given, field=field)
        return header.index(given)
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    raise InputError(f"cannot tell which column holds the {what} (columns: "
                     f"{', '.join(header)}); name it with {field}", column=None, field=field)


def row_shape_problem(row: list[str], width: int) -> str:
    """The message for a CSV row whose field count differs from the header's ("" if none).

    Extra fields are quoted in the message, so nothing of the row is lost.
    """
    if len(row) == width:
        return ""
    extra = f"; extra fields: {row[width:]}" if len(row) > width else ""
    return f"row has {len(row)} fields, the header has {width}{extra}"


def _chunks(reader: Iterator[list[str]], size: int) -> Iterator[list[list[str]]]:
    chunk: list[list[str]] = []
    for row in reader:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def profile_fingerprint(locator: Locator) -> dict:
    """What of the profile shapes a batch's output, for a resume's fingerprint."""
    profile = locator.profile
    return {"id": profile.jurisdiction.id, "path": str(Path(profile.path).resolve()),
            "districts": [layer.key for layer in locator.districts],
            "near_boundary_m": profile.near_boundary_m}


def locate_csv(
    locator: Locator,
    source: str | Path,
    target: str | Path,
    *,
    lon_col: str | None = None,
    lat_col: str | None = None,
    resume: bool = True,
    encoding: str | None = None,
    chunk_size: int = 50_000,
    progress: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Locate each row of ``source`` and write ``target`` with the result columns added.

    Added columns (:func:`geo311.answers.locate_csv_columns`): ``in_jurisdiction,
    agency_id, agency_name, agency_phone, <key>_id`` per district layer,
    ``near_boundary, error``. An added name that
    the input already uses is prefixed with ``geo311_``. Coordinates are read
    strictly (:func:`geo311.tables.parse_number`): ``1_0``, non-ASCII digits and
    ``nan`` are a row's error.

    Rows go to ``target.part``, renamed onto ``target`` when complete; with
    ``resume`` (the default) the in-progress file of an interrupted run with the
    same input, options and geo311 version is continued, one of another run is
    refused (see :mod:`geo311.resume`). The summary counts the rows located in this
    run; ``resumed`` says how many an earlier run had done. ``encoding`` forces the
    input's encoding (default: detected, see :mod:`geo311.tables`).

    Raises
    ------
    InputError
        If the file cannot be decoded, has no header or a duplicated column, the
        coordinate columns cannot be found, ``target`` is the input or holds another
        table, the in-progress file belongs to another run, or the output cannot be
        written.
    """
    source, target = Path(source), Path(target)
    for written in (target, *part_paths(target)):
        refuse_input_as_output(written, source)
    keys = [layer.key for layer in locator.districts]
    added = [column for column, _ in locate_csv_columns(keys)] + ["error"]
    summary = BatchSummary()
    with open_table(source, encoding, digest=True) as table:
        header = table.header
        ilon = find_column(header, lon_col, LON_NAMES, "longitude", "lon_col")
        ilat = find_column(header, lat_col, LAT_NAMES, "latitude", "lat_col")
        out_header = header + [f"geo311_{n}" if n in header else n for n in added]
        fingerprint = {"input_sha256": table.source.sha256, "encoding": table.source.encoding,
                       "columns": out_header, "lon_col": header[ilon], "lat_col": header[ilat],
                       "profile": profile_fingerprint(locator)}
        width = len(header)
        with resumable_csv(target, out_header, fingerprint, resume=resume) as out:
            summary.resumed = out.skip
            if progress is not None and out.skip:
                progress(out.skip)
            rows = itertools.islice(table.rows, out.skip, None)
            for chunk in _chunks(rows, chunk_size):
                lons = np.array([parse_number(r[ilon]) if len(r) == width else np.nan
                                 for r in chunk])
                lats = np.array([parse_number(r[ilat]) if len(r) == width else np.nan
                                 for r in chunk])
                frame = locator.locate_many(lons, lats).to_frame()
                result = frame[added].astype(object)
                result = result.where(result.notna(), "").to_numpy()
                error_col = len(added) - 1
                for row, values in zip(chunk, result, strict=True):
                    if len(row) != width:
                        values[error_col] = row_shape_problem(row, width)
                        row = (row + [""] * width)[:width]
                    elif values[error_col]:
                        value = row[ilon] if "longitude" in values[error_col] else row[ilat]
                        values[error_col] = f"{values[error_col]}: {value!r}"
                    out.writer.writerow(row + list(values))
                out.handle.flush()
                _count(summary, frame, chunk, width)
                if progress is not None:
                    progress(len(chunk))
    summary.rows += summary.resumed
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
