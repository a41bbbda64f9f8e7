"""Locate and validate a Dask table partition by partition, with the workers' engines.

:func:`locate_partitions` and :func:`validate_partitions` add the columns that
``geo311 locate --csv`` and ``validate --csv`` add, computed per partition by
:meth:`~geo311.jurisdiction.Locator.locate_many` and
:meth:`~geo311.address.validate.Validator.validate_many` on the engines each worker
loads once (:mod:`geo311.scale.engines`). A partition's rows are answered as the
single-process batch answers them, so the tables are equal row for row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo311.answers import locate_csv_columns, validate_csv_columns, value_at
from geo311.city import City
from geo311.errors import InputError
from geo311.jurisdiction.locate_file import LAT_NAMES, LON_NAMES, find_column
from geo311.profile import Profile
from geo311.scale.engines import EngineRef, engine_ref, engines
from geo311.service.requests import LoadReport, Requests
from geo311.tables import strict_numbers

__all__ = ["coordinate_columns", "coordinates", "locate_partitions", "locate_requests",
           "open_city", "validate_partitions"]

_BOOLEAN = {"in_jurisdiction", "near_boundary", "postal_city_differs"}
_FLOAT = {"lon", "lat", "confidence"}
VALIDATE_CHUNK = 20_000
"""Rows of a partition validated at a time: the answers of one chunk are turned into
column values before the next chunk is validated, so a worker's memory is bounded by
the chunk (about 3.5 KB an answer), not by the partition."""


def open_city(city: City | Profile | str | Path) -> City:
    """``city`` as a :class:`~geo311.city.City` (a profile, or its path, is opened)."""
    return city if isinstance(city, City) else City.open(city)


def coordinates(values: pd.Series) -> np.ndarray:
    """A coordinate column as floats: text read strictly (:func:`~geo311.tables.strict_numbers`),
    numbers as they are."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return strict_numbers(values).to_numpy(dtype=float)


def coordinate_columns(header: list[str], lon_col: str | None = None,
                       lat_col: str | None = None) -> tuple[str, str]:
    """The longitude and latitude columns, given or found by name as ``locate --csv`` finds
    them; an InputError naming ``lon_col``/``lat_col`` when one cannot be found."""
    return (header[find_column(header, lon_col, LON_NAMES, "longitude", "lon_col")],
            header[find_column(header, lat_col, LAT_NAMES, "latitude", "lat_col")])


def _added(names: list[str], existing: list[str]) -> dict[str, str]:
    """Each added column's name in the output (``geo311_`` before a name the input has)."""
    return {name: f"geo311_{name}" if name in existing else name for name in names}


def _dtype(name: str) -> str:
    return "boolean" if name in _BOOLEAN else "float64" if name in _FLOAT else "object"


def _meta(meta: pd.DataFrame, added: dict[str, str]) -> pd.DataFrame:
    return meta.assign(**{out: pd.Series(dtype=_dtype(name)) for name, out in added.items()})


def _columns(frame: pd.DataFrame, values: dict[str, Any], added: dict[str, str]) -> pd.DataFrame:
    return frame.assign(**{added[name]: pd.Series(column, index=frame.index,
                                                  dtype=_dtype(name))
                           for name, column in values.items()})


def locate_partitions(ddf: Any, city: City | Profile | str | Path, *,
                      lon_col: str | None = None, lat_col: str | None = None,
                      near_boundary: bool = True) -> Any:
    """``ddf`` (a Dask DataFrame) with the columns of ``locate --csv`` added per partition.

    Added: ``in_jurisdiction, agency_id, agency_name, agency_phone, <key>_id`` (one per
    district layer), ``near_boundary, error``; a name the table already has is prefixed
    ``geo311_``. Coordinates are found as ``locate --csv`` finds them (``lon_col``,
    ``lat_col`` or by name); text is read strictly. A row with an unusable coordinate
    gets its ``error`` ("longitude missing or not a number: 'abc'"), never dropped.

    Raises
    ------
    InputError
        If a coordinate column cannot be found.
    ProfileError
        If the profile cannot serve (checked here, before any task runs).
    """
    city = open_city(city)
    header = list(ddf.columns)
    lon, lat = coordinate_columns(header, lon_col, lat_col)
    ref = engine_ref(city)
    keys = [layer.key for layer in city.locator.districts]
    names = [name for name, _ in locate_csv_columns(keys)] + ["error"]
    if not near_boundary:
        names.remove("near_boundary")
    added = _added(names, header)
    return ddf.map_partitions(_locate_part, ref, lon, lat, near_boundary, added,
                              meta=_meta(ddf._meta, added))


def _locate_part(frame: pd.DataFrame, ref: EngineRef, lon: str, lat: str,
                 near_boundary: bool, added: dict[str, str]) -> pd.DataFrame:
    located = engines(ref).locator.locate_many(
        coordinates(frame[lon]), coordinates(frame[lat]),
        near_boundary=near_boundary).to_frame()
    error = located["error"].to_numpy(copy=True)
    bad = np.flatnonzero(pd.notna(error))
    for i in bad:  # the value at fault, as locate --csv says it
        raw = frame[lon if "longitude" in error[i] else lat].iloc[i]
        error[i] = f"{error[i]}: {'' if pd.isna(raw) else raw!r}"
    located["error"] = error
    return _columns(frame, {name: located[name].to_numpy() for name in added}, added)


def locate_requests(ddf: Any, city: City | Profile | str | Path) -> Any:
    """A Dask table of normalized requests with ``in_jurisdiction`` and one ``<key>_id``
    column per district layer, per partition as :meth:`~geo311.service.requests.Requests.
    locate` adds them: the located request table the analyses read without locating."""
    city = open_city(city)
    ref = engine_ref(city)
    meta = ddf._meta.assign(in_jurisdiction=pd.Series(dtype="boolean"), **{
        f"{layer.key}_id": pd.Series(dtype=object) for layer in city.locator.districts})
    return ddf.map_partitions(_locate_requests_part, ref, meta=meta)


def _locate_requests_part(frame: pd.DataFrame, ref: EngineRef) -> pd.DataFrame:
    requests = Requests(frame.copy(), LoadReport(len(frame)), Path("."))
    return requests.locate(engines(ref).locator).frame


def validate_partitions(ddf: Any, city: City | Profile | str | Path, *, address_col: str,
                        zip_col: str | None = None, city_col: str | None = None) -> Any:
    """``ddf`` with the columns of ``validate --csv`` added per partition.

    Added: ``status, match_type, address, lon, lat, confidence, in_jurisdiction,
    agency_id, agency_name, <key>_id, postal_city, postal_city_differs, suggestion_1,
    error`` (a name the table already has prefixed ``geo311_``). A partition is
    validated :data:`VALIDATE_CHUNK` rows at a time
    (:meth:`~geo311.address.validate.Validator.validate_each`): should a chunk fail, row by
    row, each failure in its own row's ``error``.

    Raises
    ------
    InputError
        If a named column is not in the table.
    ProfileError
        If the profile has no address reference or cannot serve.
    """
    city = open_city(city)
    header = list(ddf.columns)
    for field, name in (("address_col", address_col), ("zip_col", zip_col),
                        ("city_col", city_col)):
        if name is not None and name not in header:
            raise InputError(f"no column {name!r} for {field} (columns: {', '.join(header)})",
                             column=name, field=field)
    ref = engine_ref(city, validator=True)
    keys = [layer.key for layer in city.locator.districts]
    paths = dict(validate_csv_columns(keys))
    added = _added([*paths, "error"], header)
    return ddf.map_partitions(_validate_part, ref, (address_col, zip_col, city_col), paths,
                              added, meta=_meta(ddf._meta, added))


def _texts(frame: pd.DataFrame, column: str | None) -> list[str] | None:
    if column is None:
        return None
    return frame[column].astype(object).where(frame[column].notna(), "").tolist()


def _validate_part(frame: pd.DataFrame, ref: EngineRef, columns: tuple, paths: dict,
                   added: dict[str, str]) -> pd.DataFrame:
    validator = engines(ref).validator
    texts, zips, cities = (_texts(frame, column) for column in columns)
    values: dict[str, list] = {name: [] for name in [*paths, "error"]}
    for start in range(0, len(texts), VALIDATE_CHUNK):
        end = start + VALIDATE_CHUNK
        answers, errors = validator.validate_each(texts[start:end], zips=zips and zips[start:end],
                                                  cities=cities and cities[start:end])
        for name, path in paths.items():
            values[name].extend(value_at(answer, path) for answer in answers)
        values["error"].extend(errors)
    return _columns(frame, values, added)
