"""The command line's Dask jobs: a file in, a GeoParquet table out, a summary back.

Each job reads its input in partitions, adds its columns on the workers and writes
the table partition by partition (:func:`~geo311.scale.tables.write_table`), so
neither the client nor a worker ever holds the whole file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geo311.city import City
from geo311.scale.partitions import (
    coordinate_columns,
    locate_partitions,
    locate_requests,
    validate_partitions,
)
from geo311.scale.tables import DEFAULT_BLOCKSIZE, read_csv, read_requests, write_table
from geo311.service.requests import RequestColumns

__all__ = ["locate_file", "validate_file", "import_requests"]


def locate_file(client: Any, city: City, source: str | Path, out_dir: str | Path, *,
                lon_col: str | None = None, lat_col: str | None = None,
                encoding: str | None = None, blocksize: str | int | None = DEFAULT_BLOCKSIZE,
                progress: bool | None = None) -> dict:
    """``locate --csv`` on Dask: every row of ``source`` with the located columns, written
    to the GeoParquet table ``out_dir``; returns ``rows, errors, partitions, table``."""
    ddf = read_csv(source, encoding, blocksize=blocksize)
    lon, lat = coordinate_columns(list(ddf.columns), lon_col, lat_col)
    located = locate_partitions(ddf, city, lon_col=lon, lat_col=lat)
    counts = write_table(client, located, out_dir, lon=lon, lat=lat, progress=progress)
    return {**counts, "table": str(out_dir)}


def validate_file(client: Any, city: City, source: str | Path, out_dir: str | Path, *,
                  address_col: str, zip_col: str | None = None, city_col: str | None = None,
                  encoding: str | None = None,
                  blocksize: str | int | None = DEFAULT_BLOCKSIZE,
                  progress: bool | None = None) -> dict:
    """``validate --csv`` on Dask: every row of ``source`` with the validation columns,
    written to the GeoParquet table ``out_dir`` (points at the validated addresses)."""
    ddf = read_csv(source, encoding, blocksize=blocksize)
    prefix = "geo311_" if "lon" in ddf.columns or "lat" in ddf.columns else ""
    validated = validate_partitions(ddf, city, address_col=address_col, zip_col=zip_col,
                                    city_col=city_col)
    counts = write_table(client, validated, out_dir, lon=f"{prefix}lon", lat=f"{prefix}lat",
                         progress=progress)
    return {**counts, "table": str(out_dir)}


def import_requests(client: Any, city: City | None, source: str | Path,
                    columns: RequestColumns, out_dir: str | Path, *,
                    encoding: str | None = None,
                    blocksize: str | int | None = DEFAULT_BLOCKSIZE,
                    progress: bool | None = None) -> dict:
    """A request export, normalized and located (unless ``city`` is None), written as the
    GeoParquet request table ``out_dir`` partitioned by year/month (the analyses then never
    locate again). ``client`` None runs it in this process, a partition at a time."""
    table = read_requests(source, columns, encoding, blocksize=blocksize)
    if city is not None:
        table = locate_requests(table, city)
    return {**write_table(client, table, out_dir, progress=progress), "table": str(out_dir)}
