"""Validate every address of a CSV file, resumably, keeping every input row and column.

Rows are written as they are validated and flushed per chunk, so an interrupted
run continues where it stopped when started again with the same output file (a
row the interruption cut short is written again). A row whose validation fails
gets its ``error`` and the run goes on.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from geo311.address.validate import Validator
from geo311.errors import Geo311Error, InputError
from geo311.jurisdiction.batch import row_shape_problem

__all__ = ["validate_csv", "output_columns"]

_CHUNK = 1000
"""Rows validated together, then written."""


_BEFORE_DISTRICTS = ("status", "match_type", "address", "lon", "lat", "confidence",
                     "in_jurisdiction", "agency_id", "agency_name")
_AFTER_DISTRICTS = ("postal_city", "postal_city_differs", "suggestion_1", "error")


def output_columns(validator: Validator) -> list[str]:
    """The columns ``validate_csv`` adds, in order (one ``<key>_id`` per district layer)."""
    keys = [layer.key for layer in validator.locator.districts]
    return [*_BEFORE_DISTRICTS, *(f"{k}_id" for k in keys), *_AFTER_DISTRICTS]


def _row_values(answer: dict, keys: list[str]) -> list:
    location = answer["location"] or {}
    agency = location.get("agency") or {}
    districts = location.get("districts") or {}
    postal = answer["postal_city"] or {}
    suggestions = answer["suggestions"]
    return [answer["status"], answer["match_type"], answer["address"] or "",
            "" if answer["lon"] is None else answer["lon"],
            "" if answer["lat"] is None else answer["lat"],
            answer["confidence"],
            "" if not location else location["in_jurisdiction"],
            agency.get("id") or "", agency.get("name") or "",
            *((districts.get(k) or {}).get("id") or "" for k in keys),
            postal.get("given") or "", "" if not postal else postal["differs"],
            suggestions[0]["address"] if suggestions else "", ""]


def _done_rows(target: Path, header: list[str]) -> tuple[int, int | None]:
    """Rows already written to ``target`` by an earlier run with the same header, and the
    byte offset to cut ``target`` at when it ends in a row cut short (else None).

    A row is whole when it ends with its newline and has the header's number of fields;
    rows are read as CSV records (a quoted field may hold newlines), not as lines.

    Raises
    ------
    InputError
        If ``target`` has another header, or a malformed row before its last one.
    """
    if not target.exists() or target.stat().st_size == 0:
        return 0, None
    size = target.stat().st_size
    line = io.StringIO()
    csv.writer(line).writerow(header)
    written = line.getvalue().encode("utf-8")
    if size < len(written) and written.startswith(target.read_bytes()):
        return 0, None  # cut inside the header: start afresh
    consumed = 0  # bytes read so far
    ended = True  # whether the last line read ends with its newline

    def lines():
        nonlocal consumed, ended
        for line in handle:
            consumed += len(line)
            ended = line.endswith(b"\n")
            yield line.decode("utf-8", errors="replace")  # only a cut line has a bad byte

    other = InputError(f"{target} exists with other columns; remove it or use --restart",
                       file=str(target))
    with target.open("rb") as handle:
        reader = csv.reader(lines(), strict=True)
        try:
            if next(reader, None) != header or not ended:
                raise other
        except csv.Error:
            raise other from None
        done, end = 0, consumed
        while True:
            try:
                row = next(reader, None)
            except csv.Error:
                row = []  # a quote left open or broken: whole rows have none
            if row is None:
                return done, None
            if not ended or len(row) != len(header):
                if consumed < size:
                    raise InputError(f"{target}: row {done + 1} is malformed; fix it or use "
                                     "--restart", file=str(target), row=done + 1)
                return done, end
            done, end = done + 1, consumed


def validate_csv(
    validator: Validator,
    source: str | Path,
    target: str | Path,
    *,
    address_col: str,
    zip_col: str | None = None,
    city_col: str | None = None,
    resume: bool = True,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Validate each row's address; write ``target`` with the result columns; return counts.

    With ``resume`` (the default) an existing ``target`` from an interrupted run
    is continued; otherwise it is overwritten. A last row the interruption cut short
    is removed and written again (the summary then says ``"dropped_partial_row": true``).
    ``postal_city_differs`` says whether the postal city (``city_col`` or the text)
    differs from the agency serving the address (empty without a city or a location).

    Raises
    ------
    InputError
        If the file has no header, a named column is missing, or ``target``
        holds a different table.
    """
    source, target = Path(source), Path(target)
    keys = [layer.key for layer in validator.locator.districts]
    with source.open(newline="", encoding="utf-8-sig") as src:
        reader = csv.reader(src)
        header = next(reader, None)
        if not header:
            raise InputError(f"{source}: empty file, a header row is needed", file=str(source))
        columns = {}
        for option, name in (("--address-col", address_col), ("--zip-col", zip_col),
                             ("--city-col", city_col)):
            if name is not None and name not in header:
                raise InputError(f"no column {name!r} for {option} (columns: "
                                 f"{', '.join(header)})", column=name)
            columns[option] = header.index(name) if name is not None else None
        added = output_columns(validator)
        out_header = header + [f"geo311_{n}" if n in header else n for n in added]
        skip, cut_at = _done_rows(target, out_header) if resume else (0, None)
        if cut_at is not None and skip:
            with target.open("r+b") as handle:
                handle.truncate(cut_at)
        statuses: Counter = Counter()
        if progress is not None and skip:
            progress(skip)
        with target.open("a" if skip else "w", newline="", encoding="utf-8") as dst:
            writer = csv.writer(dst)
            if not skip:
                writer.writerow(out_header)
            rows = itertools.islice(reader, skip, None)
            number = skip
            while chunk := list(itertools.islice(rows, _CHUNK)):
                padded = [(row + [""] * len(header))[:len(header)] for row in chunk]
                validated = _validate_rows(validator, chunk, padded, columns, keys, statuses)
                for cells, values in zip(padded, validated, strict=True):
                    writer.writerow(cells + values)
                    if number % 1000 == 999:
                        dst.flush()
                    if progress is not None:
                        progress(1)
                    number += 1
    summary = {"rows": skip + statuses.total(), "resumed": skip, **statuses}
    if cut_at is not None:
        summary["dropped_partial_row"] = True
    return summary


def _validate_rows(validator: Validator, rows: list[list[str]], padded: list[list[str]],
                   columns: dict, keys: list[str], statuses: Counter) -> list[list]:
    """The added columns of each row, validated together (``Validator.validate_many``).

    Should the batch fail, each row is validated alone, so that a failure is reported
    in its own row's ``error``.
    """
    def cells(option: str) -> list[str] | None:
        index = columns[option]
        return None if index is None else [row[index] for row in padded]

    try:
        answers = validator.validate_many(cells("--address-col"), zips=cells("--zip-col"),
                                          cities=cells("--city-col"))
    except Geo311Error:
        return [_validate_row(validator, row, row_cells, columns, keys, statuses)
                for row, row_cells in zip(rows, padded, strict=True)]
    out = []
    for row, answer in zip(rows, answers, strict=True):
        statuses[answer["status"]] += 1
        values = _row_values(answer, keys)
        values[-1] = row_shape_problem(row, len(padded[0]))
        out.append(values)
    return out


def _validate_row(validator: Validator, row: list[str], padded: list[str], columns: dict,
                  keys: list[str], statuses: Counter) -> list:
    """Validate one row; a failure or a malformed row is reported in ``error``."""
    def cell(option: str) -> str | None:
        index = columns[option]
        return padded[index] if index is not None else None

    problem = row_shape_problem(row, len(padded))
    try:
        answer = validator.validate(cell("--address-col"), zip=cell("--zip-col"),
                                    city=cell("--city-col"))
    except Geo311Error as exc:
        statuses["error"] += 1
        blank = [""] * (len(_BEFORE_DISTRICTS) + len(keys) + len(_AFTER_DISTRICTS) - 1)
        return blank + [f"{exc.message}; {problem}" if problem else exc.message]
    statuses[answer["status"]] += 1
    values = _row_values(answer, keys)
    values[-1] = problem
    return values
