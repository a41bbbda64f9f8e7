"""The water of the demo region: Tamsen Reservoir and the river Riverside Dr follows.

The reservoir is the region's lake (no street or address point lies in it). The Kessler
River runs along the south side of Riverside Dr, where the drive has no lots (it "backs onto
the river on its right", :mod:`geo311.demo._addresses`): 7 to 17 m from the drive's
centreline, so it stays in the block row the drive meanders through, clear of the lots of the
north-south streets (18 m from each corner), which cross it on bridges.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo311.demo._boundaries import LAKE_NAME, Region
from geo311.demo._frame import to_lonlat
from geo311.demo._streets import StreetNetwork
from geo311.demo._writer import round_coords

RIVER_NAME = "Kessler River"
_RIVER_OFFSET_M = -12.0  # right of the drive, digitized west to east: south
_RIVER_HALF_WIDTH_M = 5.0


def river_m(network: StreetNetwork) -> shapely.Geometry:
    """The river as a polygon in metres, along the south side of Riverside Dr."""
    drive = network.segments["NAME"].eq("Riverside").to_numpy()
    centreline = shapely.line_merge(shapely.union_all(network.geoms_m[drive]))
    if not isinstance(centreline, shapely.LineString):
        raise RuntimeError("Riverside Dr is not one line")
    if centreline.coords[0][0] > centreline.coords[-1][0]:
        centreline = centreline.reverse()  # west to east, as the drive is digitized
    course = shapely.offset_curve(centreline, _RIVER_OFFSET_M)
    return shapely.buffer(course, _RIVER_HALF_WIDTH_M, cap_style="flat")


def build_water(region: Region, network: StreetNetwork) -> gpd.GeoDataFrame:
    """The water layer (EPSG:4326): the reservoir and the river, with ``name`` and ``kind``."""
    geoms = np.array([region.lake_m, river_m(network)], dtype=object)
    return gpd.GeoDataFrame({"name": [LAKE_NAME, RIVER_NAME], "kind": ["reservoir", "river"]},
                            geometry=list(round_coords(to_lonlat(geoms))), crs="EPSG:4326")
