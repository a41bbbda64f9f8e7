"""Reading tabular input: every CSV file geo311 reads goes through this module.

- **Encoding.** UTF-8 with or without a byte-order mark, UTF-16 with one, else a
  legacy encoding: Windows-1252 (what US spreadsheets save) when it reads the file
  without mess, otherwise charset-normalizer's guess. ``encoding=`` forces one. A
  file that cannot be decoded is an :class:`InputError` naming the file and the
  byte offset.
- **Size.** No CSV field size limit below the size of the input.
- **Header.** An empty file or a duplicated column name is refused with a message.
- **Numbers.** :func:`parse_number` and :func:`strict_numbers` read plain decimal
  numbers only: no ``1_0``, no non-ASCII digits, no ``nan`` or ``inf``.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd
from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

from geo311.errors import Geo311Error, InputError

__all__ = ["Source", "Table", "inspect", "open_table", "read_frame", "parse_number",
           "strict_numbers", "check_header"]

_BLOCK = 1 << 20
"""Bytes read at a time when checking and hashing a file."""
_SAMPLE = 1 << 16
"""Bytes of non-ASCII lines judged when guessing a legacy encoding."""
_MESS_LIMIT = 0.2
"""Highest mess ratio (charset-normalizer's) of a Windows-1252 reading taken as right."""
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class Source:
    """An input file checked to decode: its path, encoding, size and content hash."""

    path: Path
    encoding: str
    size: int
    sha256: str | None = None


def _decode_error(path: Path, encoding: str, offset: int, reason: str) -> InputError:
    return InputError(f"{path}: cannot decode byte offset {offset} as {encoding} ({reason}); "
                      "give the file's encoding with encoding=...", file=str(path), offset=offset,
                      encoding=encoding, field="encoding")


def _first_error(path: Path, encoding: str) -> tuple[int, str] | None:
    """The byte offset and reason of the first byte ``encoding`` cannot decode (None if all)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    base = 0
    with path.open("rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                return base - pending + exc.start, exc.reason
            if not block:
                return None
            base += len(block)


def _scan(path: Path, digest: bool) -> tuple[int, str | None, tuple[int, str] | None, bytes]:
    """One pass: size, sha256 (with ``digest``), the first non-UTF-8 byte and the head."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    hasher = hashlib.sha256() if digest else None
    size, bad, head = 0, None, b""
    with path.open("rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            if hasher is not None:
                hasher.update(block)
            if not head:
                head = block[:4]
            if bad is None:
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(block, final=not block)
                except UnicodeDecodeError as exc:
                    bad = (size - pending + exc.start, exc.reason)
            if not block:
                break
            size += len(block)
    return size, hasher.hexdigest() if hasher else None, bad, head


def _legacy(path: Path) -> str | None:
    """The legacy encoding of a file that is not UTF-8 (None when none reads it).

    Windows-1252 when it decodes the non-ASCII lines without mess, else the best
    guess of charset-normalizer.
    """
    sample, taken = [], 0
    with path.open("rb") as handle:
        for line in handle:
            if not line.isascii():
                sample.append(line)
                taken += len(line)
                if taken >= _SAMPLE:
                    break
    data = b"".join(sample)
    try:
        if mess_ratio(data.decode("cp1252"), _MESS_LIMIT) < _MESS_LIMIT:
            return "cp1252"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    return None if best is None else best.encoding


def inspect(path: str | Path, encoding: str | None = None, *, digest: bool = False) -> Source:
    """Check that ``path`` decodes, in ``encoding`` or the one detected; return its :class:`Source`.

    Raises
    ------
    InputError
        If the file is missing or unreadable, the encoding is unknown, or a byte
        does not decode (the message names the file and the byte offset).
    """
    path = Path(path)
    try:
        size, sha256, bad, head = _scan(path, digest)
        if encoding is not None:
            try:
                name = codecs.lookup(encoding).name
            except LookupError:
                raise InputError(f"unknown encoding {encoding!r}", encoding=encoding) from None
            bom = name == "utf-8" and head.startswith(codecs.BOM_UTF8)
            chosen = "utf-8-sig" if bom else encoding
        else:
            chosen = next((name for bom, name in _BOMS if head.startswith(bom)), "utf-8")
            if chosen == "utf-8-sig" or (chosen == "utf-8" and bad is None):
                return Source(path, chosen, size, sha256)
            if chosen == "utf-8":
                chosen = _legacy(path) or "utf-8"
        error = _first_error(path, chosen)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", file=str(path)) from None
    if error is not None:
        raise _decode_error(path, chosen, *error)
    return Source(path, chosen, size, sha256)


def check_header(header: list[str], path: str | Path) -> None:
    """Refuse an empty header or a column name given more than once.

    Raises
    ------
    InputError
        Naming the file and the duplicated column.
    """
    if not header:
        raise InputError(f"{path}: empty file, a header row is needed", file=str(path))
    twice = [name for name, count in Counter(header).items() if count > 1]
    if twice:
        raise InputError(f"{path}: column {twice[0]!r} appears "
                         f"{Counter(header)[twice[0]]} times in the header; "
                         "rename the copies", file=str(path), column=twice[0])


@dataclass
class Table:
    """An open CSV table: its :class:`Source`, header and the reader of its rows."""

    source: Source
    header: list[str]
    rows: Iterator[list[str]]


def _rows(reader: Iterator[list[str]], path: Path) -> Iterator[list[str]]:
    try:
        yield from reader
    except csv.Error as exc:
        raise InputError(f"{path}: unreadable CSV at line {reader.line_num}: {exc}",
                         file=str(path), line=reader.line_num) from None


def _text(source: Source) -> TextIO:
    csv.field_size_limit(max(csv.field_size_limit(), source.size + 1))
    return source.path.open(newline="", encoding=source.encoding, errors="strict")


@contextmanager
def open_table(path: str | Path, encoding: str | None = None, *,
               digest: bool = False) -> Iterator[Table]:
    """Open a CSV file for reading: yields a :class:`Table` (header checked, rows lazy).

    Raises
    ------
    InputError
        If the file cannot be read or decoded, has no header or a duplicated column.
    """
    source = inspect(path, encoding, digest=digest)
    with _text(source) as handle:
        reader = csv.reader(handle)
        rows = _rows(reader, source.path)
        header = next(rows, None) or []
        check_header(header, source.path)
        yield Table(source, header, rows)


def read_frame(path: str | Path, encoding: str | None = None, *,
               error: type[Geo311Error] = InputError, **read_csv: Any) -> pd.DataFrame:
    """Read a whole CSV file with pandas (text columns unless ``dtype`` is given).

    ``read_csv`` is passed to :func:`pandas.read_csv`. Errors are ``error``
    (:class:`InputError` by default; the profile's tables use ``ProfileError``).
    """
    try:
        with open_table(path, encoding) as table:
            source, header = table.source, table.header
        read_csv.setdefault("dtype", str)
        return pd.read_csv(source.path, encoding=source.encoding, **read_csv)
    except InputError as exc:
        raise error(exc.message, **exc.details) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise error(f"{path}: unreadable CSV: {exc} (columns: {', '.join(header)})",
                    file=str(path)) from None


def parse_number(text: str) -> float:
    """A plain decimal number (signs, a point and an exponent allowed; NaN if not one).

    Unlike :class:`float`, refuses underscores (``1_0``), non-ASCII digits and
    ``nan``/``inf``: such text is NaN, as is a number too large to be finite.
    """
    try:
        value = float(text)
    except ValueError:
        return math.nan
    if not text.isascii() or "_" in text or not math.isfinite(value):
        return math.nan
    return value


def strict_numbers(values: pd.Series) -> pd.Series:
    """:func:`parse_number` over a text column (missing values stay NaN)."""
    text = values.astype("string")
    numbers = pd.to_numeric(text, errors="coerce").astype(float)
    plain = (text.str.isascii() & ~text.str.contains("_", regex=False)).fillna(False)
    return numbers.where(plain.to_numpy(dtype=bool) & np.isfinite(numbers.to_numpy()))
