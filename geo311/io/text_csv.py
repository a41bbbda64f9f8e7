"""Read a CSV file as text columns with pyarrow's parser (about 5x pandas' own).

The file is checked first as :mod:`geo311.tables` checks every input (encoding,
header); the frame equals :func:`geo311.tables.read_frame`'s with ``dtype=str`` and
only empty fields missing. A file pyarrow's parser refuses (such as a row with
fewer fields than the header, which pandas fills with missing values) is read by
:func:`~geo311.tables.read_frame` instead, with its messages.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo311.tables import open_table, read_frame

__all__ = ["TEXT_OPTIONS", "read_text_frame"]

TEXT_OPTIONS = {"dtype": str, "keep_default_na": False, "na_values": [""]}
"""How geo311 reads a CSV as text: every column a string, only an empty field missing."""


def read_text_frame(path: str | Path, encoding: str | None = None, *,
                    usecols: list[str] | None = None) -> pd.DataFrame:
    """Read ``path`` (all columns, or ``usecols``) as text; see the module.

    Raises
    ------
    InputError
        If the file cannot be read or decoded, has no header, repeats a column name,
        or is not a readable CSV.
    """
    with open_table(path, encoding) as table:
        source = table.source
    try:
        return pd.read_csv(source.path, encoding=source.encoding, usecols=usecols,
                           engine="pyarrow", **TEXT_OPTIONS)
    except (ValueError, LookupError):  # pyarrow's ArrowInvalid is a ValueError
        return read_frame(path, encoding, usecols=usecols, keep_default_na=False,
                          na_values=[""])
