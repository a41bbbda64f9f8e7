"""Tables as Dask DataFrames: a CSV read in blocks with pyarrow, a GeoParquet table, and
writing one back, partition by partition.

A CSV file is split into blocks of ``blocksize`` bytes at line ends and each block
is parsed by pyarrow on a worker, as text (:data:`geo311.io.text_csv.TEXT_OPTIONS`):
no process holds the whole file. A field holding a line break inside quotes can
fall across a block edge: read such a file with ``blocksize=None`` (one partition)
or write it to GeoParquet first. UTF-16 and UTF-32 files are read whole for the
same reason.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from geo311.errors import InputError
from geo311.io.parquet import PARTITION_ON, read_table, with_year_month, write_part
from geo311.io.text_csv import TEXT_OPTIONS
from geo311.scale.cluster import run
from geo311.service.requests import RequestColumns, normalize_requests
from geo311.tables import open_table

__all__ = ["read_csv", "read_requests", "write_table"]

DEFAULT_BLOCKSIZE = "64MB"


def read_csv(path: str | Path, encoding: str | None = None, *,
             usecols: list[str] | None = None, blocksize: str | int | None = DEFAULT_BLOCKSIZE
             ) -> Any:
    """The CSV file at ``path`` as a Dask DataFrame of text columns (see the module).

    Raises
    ------
    InputError
        If the file cannot be read or decoded, has no header or repeats a column name.
    """
    import dask.dataframe as dd

    with open_table(path, encoding) as table:
        source, header = table.source, table.header
    missing = [c for c in usecols or () if c not in header]
    if missing:
        raise InputError(f"column {missing[0]!r} is not in {Path(path).name} (columns: "
                         f"{', '.join(header)})", column=missing[0], file=str(path))
    if source.encoding.startswith(("utf-16", "utf-32")):
        blocksize = None
    return dd.read_csv(str(source.path), encoding=source.encoding, usecols=usecols,
                       blocksize=blocksize, engine="pyarrow", **TEXT_OPTIONS)


def read_requests(path: str | Path, columns: RequestColumns, encoding: str | None = None, *,
                  blocksize: str | int | None = DEFAULT_BLOCKSIZE) -> Any:
    """A request export (CSV) or a request table (GeoParquet directory) as a Dask
    DataFrame of normalized requests (:func:`~geo311.service.requests.normalize_requests`)
    with ``year`` and ``month``.

    A GeoParquet table is taken as written by :func:`write_table` (normalized, maybe
    located: its ``<key>_id`` columns are then read, never computed again).

    Raises
    ------
    InputError
        As :func:`read_csv`, or if a mapped column is not in the file.
    """
    if Path(path).is_dir():
        return read_table(path, geometry=False)
    usecols = sorted(set(columns.mapping().values()))
    raw = read_csv(path, encoding, usecols=usecols, blocksize=blocksize)
    sample = raw.partitions[0].head(1000, compute=True) if raw.npartitions else raw._meta
    meta = with_year_month(normalize_requests(sample, columns)).iloc[:0]
    return raw.map_partitions(_normalized, columns, meta=meta)


def _normalized(raw: pd.DataFrame, columns: RequestColumns) -> pd.DataFrame:
    return with_year_month(normalize_requests(raw, columns))


def write_table(client: Any, ddf: Any, out_dir: str | Path, *, lon: str = "lon",
                lat: str = "lat", progress: bool | None = None) -> dict[str, int]:
    """Write ``ddf`` to the GeoParquet table ``out_dir`` (partitioned by year/month when it
    has those columns), one task per partition; return the counts of
    :func:`~geo311.io.parquet.write_part` added up, and the ``partitions``.

    The table is written beside ``out_dir`` and renamed onto it when every partition
    is written, so a failed run leaves no partial table.

    Raises
    ------
    InputError
        If ``out_dir`` exists (a table is never overwritten in part).
    """
    import dask

    out = Path(out_dir)
    if out.exists():
        raise InputError(f"{out} exists; remove it or choose another output directory",
                         file=str(out))
    tmp = out.with_name(f"{out.name}.part-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    partition_on = PARTITION_ON if all(c in ddf.columns for c in PARTITION_ON) else ()
    tasks = [dask.delayed(write_part)(part, str(tmp), i, lon=lon, lat=lat,
                                      partition_on=partition_on)
             for i, part in enumerate(ddf.to_delayed())]
    try:
        counts = Counter({"partitions": len(tasks)})
        for part in run(client, tasks, "write", progress):
            counts.update(part)
        tmp.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dict(counts)
