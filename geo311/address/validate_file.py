"""Validate every address of a CSV file, resumably, keeping every input row and column.

Rows are written to ``OUT.part`` as they are validated and flushed per chunk, and
renamed onto ``OUT`` when all are done (:mod:`geo311.resume`), so an interrupted run
continues where it stopped when started again with the same input, options and
output (a row the interruption cut short is written again). A row whose validation
fails gets its ``error`` and the run goes on.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from geo311.address.validate import Validator
from geo311.answers import AnswerPath, ValidateAnswer, validate_csv_columns, value_at
from geo311.errors import InputError
from geo311.jurisdiction.locate_file import profile_fingerprint, row_shape_problem
from geo311.outputs import refuse_input_as_output
from geo311.resume import part_paths, resumable_csv
from geo311.tables import open_table

__all__ = ["validate_csv", "output_columns"]

_CHUNK = 1000
"""Rows validated together, then written."""


def output_columns(validator: Validator) -> list[str]:
    """The columns ``validate_csv`` adds, in order (one ``<key>_id`` per district layer):
    :func:`geo311.answers.validate_csv_columns`, then ``error``."""
    keys = [layer.key for layer in validator.locator.districts]
    return [column for column, _ in validate_csv_columns(keys)] + ["error"]


def _row_values(answer: ValidateAnswer, paths: list[AnswerPath]) -> list:
    """The added columns of one answer ("" where the answer has no value), ``error`` blank."""
    values = [value_at(answer, path) for path in paths]
    return ["" if value is None else value for value in values] + [""]


def validate_csv(
    validator: Validator,
    source: str | Path,
    target: str | Path,
    *,
    address_col: str,
    zip_col: str | None = None,
    city_col: str | None = None,
    resume: bool = True,
    encoding: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Validate each row's address; write ``target`` with the result columns; return counts.

    Rows go to ``target.part``, renamed onto ``target`` when complete. With ``resume``
    (the default) the in-progress file of an interrupted run with the same input,
    options and geo311 version is continued, and one of another run refused; without,
    it is started afresh. ``target`` itself stays as it was until the run completes.
    A last row the interruption cut short is removed and written again (the summary
    then says ``"dropped_partial_row": true``). ``encoding`` forces the input's
    encoding (default: detected, see :mod:`geo311.tables`).
    ``postal_city_differs`` says whether the postal city (``city_col`` or the text)
    differs from the agency serving the address (empty without a city or a location).

    Raises
    ------
    InputError
        If the file cannot be decoded, has no header or a duplicated column, a named
        column is missing, ``target`` is the input or holds a different table, the
        in-progress file belongs to another run, or the output cannot be written.
    """
    source, target = Path(source), Path(target)
    for written in (target, *part_paths(target)):
        refuse_input_as_output(written, source)
    paths = [path for _, path in
             validate_csv_columns([layer.key for layer in validator.locator.districts])]
    with open_table(source, encoding, digest=True) as table:
        header = table.header
        columns = {}
        for field, name in (("address_col", address_col), ("zip_col", zip_col),
                            ("city_col", city_col)):
            if name is not None and name not in header:
                raise InputError(f"no column {name!r} for {field} (columns: "
                                 f"{', '.join(header)})", column=name, field=field)
            columns[field] = header.index(name) if name is not None else None
        added = output_columns(validator)
        out_header = header + [f"geo311_{n}" if n in header else n for n in added]
        fingerprint = {"input_sha256": table.source.sha256, "encoding": table.source.encoding,
                       "columns": out_header, "address_col": address_col, "zip_col": zip_col,
                       "city_col": city_col, "profile": profile_fingerprint(validator.locator)}
        statuses: Counter = Counter()
        with resumable_csv(target, out_header, fingerprint, resume=resume) as out:
            skip, cut = out.skip, out.dropped_partial_row
            if progress is not None and skip:
                progress(skip)
            rows = itertools.islice(table.rows, skip, None)
            number = skip
            while chunk := list(itertools.islice(rows, _CHUNK)):
                padded = [(row + [""] * len(header))[:len(header)] for row in chunk]
                validated = _validate_rows(validator, chunk, padded, columns, paths, statuses)
                for cells, values in zip(padded, validated, strict=True):
                    out.writer.writerow(cells + values)
                    if number % 1000 == 999:
                        out.handle.flush()
                    if progress is not None:
                        progress(1)
                    number += 1
    summary = {"rows": skip + statuses.total(), "resumed": skip, **statuses}
    if cut:
        summary["dropped_partial_row"] = True
    return summary


def _validate_rows(validator: Validator, rows: list[list[str]], padded: list[list[str]],
                   columns: dict, paths: list[AnswerPath], statuses: Counter) -> list[list]:
    """The added columns of each row (:meth:`Validator.validate_each`): a row that cannot be
    validated, or is malformed, says so in its own ``error``."""
    def cells(field: str) -> list[str] | None:
        index = columns[field]
        return None if index is None else [row[index] for row in padded]

    answers, errors = validator.validate_each(cells("address_col"), zips=cells("zip_col"),
                                              cities=cells("city_col"))
    out = []
    for row, answer, error in zip(rows, answers, errors, strict=True):
        problem = row_shape_problem(row, len(padded[0]))
        if error is not None:
            statuses["error"] += 1
            out.append([""] * len(paths) + [f"{error}; {problem}" if problem else error])
            continue
        statuses[answer["status"]] += 1
        values = _row_values(answer, paths)
        values[-1] = problem
        out.append(values)
    return out
