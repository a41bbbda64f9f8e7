"""Resumable CSV outputs: rows go to ``OUT.part`` and are renamed onto ``OUT`` when complete.

Beside the in-progress file, ``OUT.part.json`` keeps the fingerprint of the run
(the input's content hash, the options that shape the output and the geo311
version). A later run with the same fingerprint continues the in-progress file
where it stopped (a last row cut short is removed and written again); another
fingerprint is refused until it is started afresh (``resume=False``). A killed run
never leaves a partial file under the output's name, and the previous output stays
as it was until the new one is complete.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo311.errors import InputError
from geo311.outputs import output_error, write_text

__all__ = ["Resumed", "resumable_csv", "part_paths", "done_rows"]


def part_paths(target: str | Path) -> tuple[Path, Path]:
    """The in-progress file of ``target`` and its fingerprint file."""
    target = Path(target)
    return target.with_name(target.name + ".part"), target.with_name(target.name + ".part.json")


@dataclass
class Resumed:
    """An open resumable output: write rows with ``writer``; ``skip`` rows were done before.

    ``dropped_partial_row`` says whether a last row cut short was removed.
    """

    writer: Any
    handle: io.TextIOBase
    skip: int
    dropped_partial_row: bool


def _header_bytes(header: list[str]) -> bytes:
    line = io.StringIO()
    csv.writer(line).writerow(header)
    return line.getvalue().encode("utf-8")


def _first_record(path: Path) -> list[str] | None:
    with path.open("rb") as handle:
        lines = (line.decode("utf-8", errors="replace") for line in handle)
        try:
            return next(csv.reader(lines), None)
        except csv.Error:
            return None


def done_rows(target: Path, header: list[str]) -> tuple[int, int | None]:
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
    written = _header_bytes(header)
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

    other = InputError(f"{target} exists with other columns; remove it or use resume=False",
                       file=str(target), field="resume")
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
                                     "resume=False", file=str(target), row=done + 1,
                                     field="resume")
                return done, end
            done, end = done + 1, consumed


def _stored(meta: Path) -> dict | None:
    try:
        return json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _check_fingerprint(part: Path, meta: Path, fingerprint: dict) -> None:
    stored = _stored(meta)
    if stored == fingerprint:
        return
    if stored is None:
        why = f"its fingerprint {meta.name} is missing or unreadable"
    else:
        keys = sorted(k for k in set(stored) | set(fingerprint)
                      if stored.get(k) != fingerprint.get(k))
        why = f"it was started with another {', '.join(keys)}"
    raise InputError(f"{part} is the unfinished output of another run ({why}); "
                     "use resume=False to start afresh", file=str(part), field="resume")


@contextmanager
def resumable_csv(target: str | Path, header: list[str], fingerprint: dict[str, Any], *,
                  resume: bool = True) -> Iterator[Resumed]:
    """Open ``target``'s in-progress file for writing rows after ``header``.

    ``fingerprint`` (JSON-ready; the geo311 version is added) describes the run.
    With ``resume`` an in-progress file of the same fingerprint is continued; one
    of another fingerprint is refused. Without ``resume`` (the CLI's ``--restart``) it is
    started afresh. On success the file is renamed onto ``target``; on an
    exception it stays, to be resumed.

    Raises
    ------
    InputError
        If the in-progress file belongs to another run, ``target`` holds another
        table (with ``resume``), or the directory cannot be written.
    """
    from geo311 import __version__  # here: geo311/__init__ imports the batch modules

    target = Path(target)
    part, meta = part_paths(target)
    fingerprint = {**fingerprint, "geo311": __version__}
    skip, cut_at = 0, None
    if resume and part.exists():
        _check_fingerprint(part, meta, fingerprint)
        skip, cut_at = done_rows(part, header)
    elif (resume and target.exists() and target.stat().st_size
          and _first_record(target) != header):
        raise InputError(f"{target} exists with other columns; remove it or use resume=False",
                         file=str(target), field="resume")
    try:
        if skip and cut_at is not None:
            with part.open("r+b") as handle:
                handle.truncate(cut_at)
        if not skip:
            write_text(meta, json.dumps(fingerprint, indent=1, sort_keys=True))
        with part.open("a" if skip else "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            if not skip:
                writer.writerow(header)
            yield Resumed(writer, handle, skip, cut_at is not None)
        os.replace(part, target)
        meta.unlink(missing_ok=True)
    except OSError as exc:
        if exc.filename not in (None, str(part), str(target), str(meta)):
            raise
        raise output_error(target, exc) from None
