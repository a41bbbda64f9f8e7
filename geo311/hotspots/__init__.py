"""Hot-spot statistics of service requests: binning, spatial weights and Getis-Ord Gi*.

Points are counted into H3 hexagons or a square metric grid
(:mod:`~geo311.hotspots.binning`), cells are linked by a distance band or
k nearest neighbors (:mod:`~geo311.hotspots.weights`) and
:class:`~geo311.hotspots.gistar.GiStar` gives z-scores, p-values, FDR-adjusted
p-values and the -3..+3 bins. Requests come from :mod:`geo311.service.requests`;
:mod:`~geo311.hotspots.aggregate` counts them by district, hexagon or grid cell.
:mod:`~geo311.hotspots.moran` gives global and local Moran's I (LISA clusters) and
:mod:`~geo311.hotspots.optimized` picks a Gi* distance band from incremental
spatial autocorrelation.
:mod:`~geo311.hotspots.emerging` finds emerging hot spots (Gi* per time step,
Mann-Kendall trends, ESRI's patterns);
:mod:`~geo311.hotspots.kde` estimates quartic kernel density (arrays).
:mod:`~geo311.hotspots.analysis` runs one analysis end to end, its methods
dispatched through one registry. Maps, images and reports of the results are in
:mod:`geo311.render`.
"""

from geo311.hotspots.aggregate import by_district, by_grid, by_hex
from geo311.hotspots.binning import (
    GridCounts,
    HexCounts,
    PointHexes,
    choose_resolution,
    grid_counts,
    hex_centroids,
    hex_counts,
    hex_polygons,
    project_lonlat,
)
from geo311.hotspots.emerging import (
    CATEGORIES,
    EmergingResult,
    SpaceTimeCube,
    emerging_hotspots,
    mann_kendall,
    space_time_counts,
    space_time_gi_star,
)
from geo311.hotspots.gistar import GiStar, bins, fdr_bh, gi_star_z, p_two_sided
from geo311.hotspots.kde import Density, kde, quartic, silverman_bandwidth
from geo311.hotspots.moran import LocalMoran, global_moran, lisa_weights
from geo311.hotspots.optimized import (
    incremental_autocorrelation,
    optimized_band,
    optimized_gistar,
)
from geo311.hotspots.weights import distance_band, knn

__all__ = [
    "CATEGORIES",
    "Density",
    "EmergingResult",
    "GiStar",
    "GridCounts",
    "HexCounts",
    "LocalMoran",
    "PointHexes",
    "SpaceTimeCube",
    "bins",
    "by_district",
    "by_grid",
    "by_hex",
    "choose_resolution",
    "distance_band",
    "emerging_hotspots",
    "fdr_bh",
    "gi_star_z",
    "global_moran",
    "grid_counts",
    "hex_centroids",
    "hex_counts",
    "hex_polygons",
    "incremental_autocorrelation",
    "kde",
    "knn",
    "lisa_weights",
    "mann_kendall",
    "optimized_band",
    "optimized_gistar",
    "p_two_sided",
    "project_lonlat",
    "quartic",
    "silverman_bandwidth",
    "space_time_counts",
    "space_time_gi_star",
]
