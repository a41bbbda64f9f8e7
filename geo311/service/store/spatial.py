"""Spatial conditions of the store on its index, and the one distance it reports.

Candidates come from the index of each backend: the GiST index of the PostGIS
``geom`` column (``&&`` with an envelope) or SQLite's ``request_rtree``. The
exact test is the same on both: points inside the box by their stored
coordinates, and distances by the haversine formula on the mean Earth radius, so
that both backends give the same answers.
"""

from __future__ import annotations

import math

import numpy as np
from sqlalchemy import ColumnElement, and_, bindparam, text

from geo311.errors import InputError
from geo311.service.store.models import Request

__all__ = ["EARTH_RADIUS_M", "box_condition", "box_parameters", "check_point", "haversine_m",
           "radius_box"]

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), metres."""

_T = Request.__table__


def haversine_m(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Great-circle distances in metres from (lon, lat) to each point."""
    lon1, lat1 = math.radians(lon), math.radians(lat)
    lon2, lat2 = np.radians(lons), np.radians(lats)
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def check_point(lon: float, lat: float) -> tuple[float, float]:
    """``(lon, lat)`` as floats; InputError unless finite and in range."""
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise InputError(f"coordinates ({lon!r}, {lat!r}) are not numbers",
                         field="lon") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
        raise InputError(f"coordinates ({lon}, {lat}) out of range", field="lon")
    return lon, lat


def radius_box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """A lon/lat box holding every point within ``radius_m`` of (lon, lat), with a margin.

    Not wrapped across the antimeridian (a city does not straddle it).
    """
    dlat = math.degrees(radius_m / EARTH_RADIUS_M) * 1.01 + 1e-9
    cos_lat = math.cos(math.radians(min(abs(lat) + dlat, 89.999999)))
    dlon = min(dlat / cos_lat, 360.0)
    return (lon - dlon, max(lat - dlat, -90.0), lon + dlon, min(lat + dlat, 90.0))


def box_condition(dialect: str, box: tuple[float, float, float, float] | None = None
                  ) -> ColumnElement[bool]:
    """Requests whose point lies in ``box`` (edges included), through the spatial index.

    ``box`` None: the box is given when the statement runs, as the parameters
    :func:`box_parameters` makes (a statement built once and run often).
    """
    names = ("min_lon", "min_lat", "max_lon", "max_lat")
    if box is None:
        min_lon, min_lat, max_lon, max_lat = (bindparam(name) for name in names)
        params = {}
    else:
        min_lon, min_lat, max_lon, max_lat = box
        params = box_parameters(box)
    if dialect == "postgresql":
        indexed = text("requests.geom && ST_MakeEnvelope(:min_lon, :min_lat, :max_lon, "
                       ":max_lat, 4326)").bindparams(**params)
    else:
        # the R-tree keeps 32-bit boxes rounded outward: overlap is a superset, exact below
        indexed = _T.c.pk.in_(text(
            "SELECT id FROM request_rtree WHERE max_lon >= :min_lon AND min_lon <= :max_lon "
            "AND max_lat >= :min_lat AND min_lat <= :max_lat").bindparams(**params)
            .columns(id=_T.c.pk.type))
    return and_(indexed, _T.c.lon.between(min_lon, max_lon), _T.c.lat.between(min_lat, max_lat))


def box_parameters(box: tuple[float, float, float, float]) -> dict[str, float]:
    """The parameters of a :func:`box_condition` built without its box."""
    return dict(zip(("min_lon", "min_lat", "max_lon", "max_lat"), box, strict=True))
