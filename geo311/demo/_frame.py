"""The local metric frame of the demo region and its seeded random streams.

Geometry is built in metres in a transverse Mercator frame centred on
``(LON0, LAT0)`` (x east, y north, origin at the downtown crossing of the two
address baselines) and converted to longitude/latitude (EPSG:4326) for output.
"""

from __future__ import annotations

import zlib

import numpy as np
import shapely
from pyproj import Transformer

LON0 = -119.9
LAT0 = 36.3
LOCAL_CRS = f"+proj=tmerc +lat_0={LAT0} +lon_0={LON0} +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m"
UTM_CRS = "EPSG:32611"

_TO_LONLAT = Transformer.from_crs(LOCAL_CRS, "EPSG:4326", always_xy=True)


def stream(seed: int, name: str) -> np.random.Generator:
    """Return the random generator of one named generation stage.

    Parameters
    ----------
    seed : int
        The seed of the whole demo region.
    name : str
        The stage name; each stage draws from its own stream so that changing
        one stage leaves the others untouched.

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator seeded from ``(seed, crc32(name))``.
    """
    return np.random.Generator(np.random.PCG64([seed, zlib.crc32(name.encode())]))


def xy_to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Convert local metres to longitude and latitude (degrees)."""
    lon, lat = _TO_LONLAT.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def to_lonlat(geom: shapely.Geometry) -> shapely.Geometry:
    """Convert a geometry (or array of geometries) from local metres to EPSG:4326."""
    return shapely.transform(geom, xy_to_lonlat, interleaved=False)
