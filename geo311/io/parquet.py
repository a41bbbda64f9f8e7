"""Request tables on disk as GeoParquet, partitioned by year and month.

:func:`write_part` writes one part of a table (a Dask partition) as GeoParquet
files under ``year=YYYY/month=M/`` (Hive-style directories, which Dask, pandas,
GeoPandas, DuckDB and Spark read as columns); a row without a creation date goes
under ``year=0/month=0``. Each row gets a point geometry from its coordinates
(none where they are unusable). :func:`read_table` reads a table back as a Dask
GeoDataFrame, one partition per file, so memory is bounded by the file size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo311.errors import InputError
from geo311.tables import strict_numbers

__all__ = ["PARTITION_ON", "read_table", "with_year_month", "write_part"]

PARTITION_ON = ("year", "month")


def with_year_month(frame: pd.DataFrame, created: str = "created") -> pd.DataFrame:
    """``frame`` with ``year`` and ``month`` of its ``created`` time (wall-clock time of
    its own zone; 0 without a date)."""
    when = frame[created]
    return frame.assign(year=when.dt.year.fillna(0).astype("int32"),
                        month=when.dt.month.fillna(0).astype("int32"))


def _numbers(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return strict_numbers(values).to_numpy(dtype=float)


def _points(frame: pd.DataFrame, lon: str, lat: str) -> np.ndarray:
    x, y = _numbers(frame[lon]), _numbers(frame[lat])
    usable = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90)
    points = np.full(len(frame), None, dtype=object)
    points[usable] = shapely.points(x[usable], y[usable])
    return points


def write_part(frame: pd.DataFrame, out_dir: str | Path, part: int, *, lon: str, lat: str,
               partition_on: tuple[str, ...] = ()) -> dict[str, int]:
    """Write one part of a table as GeoParquet under ``out_dir``; return its ``rows`` and,
    when it has an ``error`` column, the rows with an ``errors``.

    The file of each (year, month) group is ``part-<part>.parquet``, so the parts of
    one table never overwrite each other; with ``partition_on`` empty, one file.
    """
    table = gpd.GeoDataFrame(frame.reset_index(drop=True),
                             geometry=_points(frame, lon, lat), crs="EPSG:4326")
    name = f"part-{part:06d}.parquet"
    groups = table.groupby(list(partition_on), sort=True) if partition_on else [((), table)]
    for values, group in groups:
        folder = Path(out_dir).joinpath(*(f"{k}={v}" for k, v in
                                          zip(partition_on, values, strict=True)))
        folder.mkdir(parents=True, exist_ok=True)
        group.drop(columns=list(partition_on)).to_parquet(folder / name, index=False)
    counts = {"rows": len(table)}
    if "error" in table.columns:
        counts["errors"] = int(table["error"].notna().sum())
    return counts


def read_table(path: str | Path, *, geometry: bool = True) -> Any:
    """The GeoParquet table in directory ``path`` as a Dask GeoDataFrame (one partition per
    file; ``year``/``month`` as columns when the table is partitioned by them); with
    ``geometry=False`` a Dask DataFrame without the geometry column, which is not read.

    Raises
    ------
    InputError
        If ``path`` holds no Parquet file.
    """
    import dask.dataframe as dd
    import dask_geopandas

    path = Path(path)
    if not path.is_dir() or not any(path.rglob("*.parquet")):
        raise InputError(f"no GeoParquet table in {path}", file=str(path))
    if geometry:
        table = dask_geopandas.read_parquet(str(path))
    else:
        table = dd.read_parquet(str(path))
        table = table.drop(columns=[c for c in ("geometry",) if c in table.columns])
    for column in PARTITION_ON:
        if column in table.columns:
            table[column] = table[column].astype("int32")
    return table
