"""Council wards, police divisions and sanitation areas that tile the city.

Each layer is a Voronoi diagram of seeds relaxed a few times towards the
centroids of their cells (so shapes are irregular but compact), clipped to
the city polygon in EPSG:4326 so that the pieces tile it exactly and leave
the enclave out.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from geo311.demo._addresses import AddressBook
from geo311.demo._boundaries import CITY_ID, CITY_NAME, Region
from geo311.demo._frame import stream, to_lonlat
from geo311.demo._shapes import voronoi_cells
from geo311.demo.names import FIRST_NAMES, LAST_NAMES

N_WARDS = 11
N_POLICE = 4
N_SANITATION = 5
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_COMPASS = ("East", "Northeast", "North", "Northwest", "West", "Southwest", "South", "Southeast")


@dataclass(frozen=True)
class Districts:
    """The three district layers (EPSG:4326) and the ward of every address point."""

    wards: gpd.GeoDataFrame
    police: gpd.GeoDataFrame
    sanitation: gpd.GeoDataFrame
    address_ward: np.ndarray


def build_districts(seed: int, region: Region, book: AddressBook) -> Districts:
    """Build wards, police divisions and sanitation areas.

    Parameters
    ----------
    seed : int
        Seed of the demo region.
    region : Region
        The boundaries; every layer tiles ``region.city``.
    book : AddressBook
        Address points, for ward populations and police station addresses.

    Returns
    -------
    Districts
        The layers and, for each address row, its ward id ("" outside the city).
    """
    rng = stream(seed, "districts")
    wards = _tiles(rng, region, N_WARDS)
    address_ward = _ward_of(book, wards)
    people = rng.uniform(2.4, 3.4, N_WARDS)
    counts = np.array([(address_ward == str(i + 1)).sum() for i in range(N_WARDS)])
    ward_layer = gpd.GeoDataFrame(
        {
            "ward": [str(i + 1) for i in range(N_WARDS)],
            "name": [f"Ward {i + 1}" for i in range(N_WARDS)],
            "council_member": _people(rng, N_WARDS),
            "population": np.round(counts * people).astype(int),
        },
        geometry=wards,
        crs="EPSG:4326",
    )
    police = _tiles(rng, region, N_POLICE)
    police_layer = gpd.GeoDataFrame(
        {
            "division": [f"PD{i + 1}" for i in range(N_POLICE)],
            "name": _division_names(police, region),
            "phone": [f"(559) 555-015{i + 1}" for i in range(N_POLICE)],
            "address": [_station_address(book, p) for p in police],
        },
        geometry=police,
        crs="EPSG:4326",
    )
    areas = _tiles(rng, region, N_SANITATION)
    letters = [chr(65 + i) for i in range(N_SANITATION)]
    sanitation_layer = gpd.GeoDataFrame(
        {
            "area_id": [f"SAN-{c}" for c in letters],
            "name": [f"Sanitation Area {c}" for c in letters],
            "collection_day": list(_DAYS[:N_SANITATION]),
        },
        geometry=areas,
        crs="EPSG:4326",
    )
    return Districts(ward_layer, police_layer, sanitation_layer, address_ward)


def _tiles(rng: np.random.Generator, region: Region, n: int) -> list[shapely.Geometry]:
    """``n`` relaxed Voronoi cells clipped to the city, ordered by angle from the east."""
    city = region.city_m
    xmin, ymin, xmax, ymax = city.bounds
    shapely.prepare(city)
    cand = rng.uniform([xmin, ymin], [xmax, ymax], size=(40 * n, 2))
    cand = cand[shapely.contains_xy(city, cand[:, 0], cand[:, 1])]
    seeds = cand[:n]
    extent = region.city_outer_m.buffer(3000.0)
    for _ in range(4):
        cells = shapely.intersection(np.array(voronoi_cells(seeds, extent)), city)
        seeds = shapely.get_coordinates(shapely.centroid(cells))
    angle = np.arctan2(seeds[:, 1] - seeds[:, 1].mean(), seeds[:, 0] - seeds[:, 0].mean())
    seeds = seeds[np.argsort(-angle)]
    cells_ll = to_lonlat(np.array(voronoi_cells(seeds, extent)))
    tiles = _contiguous(list(shapely.intersection(cells_ll, region.city)))
    if any(t.is_empty or not shapely.is_valid(t) for t in tiles):
        raise RuntimeError("district generation produced an empty or invalid tile")
    return tiles


def _contiguous(tiles: list[shapely.Geometry]) -> list[shapely.Geometry]:
    """Hand each detached piece of a tile to the neighboring tile it shares most border with."""
    pieces: list[list[shapely.Geometry]] = [[] for _ in tiles]
    strays = []
    for i, tile in enumerate(tiles):
        parts = sorted(shapely.get_parts(tile), key=lambda p: -p.area)
        pieces[i].append(parts[0])
        strays += parts[1:]
    for stray in strays:
        shared = [shapely.intersection(stray.boundary, p[0].boundary).length for p in pieces]
        pieces[int(np.argmax(shared))].append(stray)
    return [p[0] if len(p) == 1 else shapely.coverage_union_all(p) for p in pieces]


def _ward_of(book: AddressBook, wards: list[shapely.Geometry]) -> np.ndarray:
    table = book.table
    lon, lat = table["Longitude"].to_numpy(), table["Latitude"].to_numpy()
    out = np.full(len(table), "", dtype=object)
    in_city = (table["jurisdiction"] == CITY_ID).to_numpy()
    for i, ward in enumerate(wards):
        shapely.prepare(ward)
        out[in_city & (out == "") & shapely.contains_xy(ward, lon, lat)] = str(i + 1)
    return out


def _people(rng: np.random.Generator, n: int) -> list[str]:
    first = rng.choice(len(FIRST_NAMES), n, replace=False)
    last = rng.choice(len(LAST_NAMES), n, replace=False)
    return [f"{FIRST_NAMES[f]} {LAST_NAMES[g]}" for f, g in zip(first, last, strict=True)]


def _division_names(tiles: list[shapely.Geometry], region: Region) -> list[str]:
    """Compass names from the city centroid; the division holding downtown is Central."""
    center = region.city.centroid
    names = []
    for tile in tiles:
        if tile.contains(to_lonlat(shapely.Point(0.0, 0.0))):
            names.append("Central Division")
            continue
        c = tile.centroid
        octant = int(np.round(np.arctan2(c.y - center.y, c.x - center.x) / (np.pi / 4))) % 8
        name = f"{_COMPASS[octant]} Division"
        names.append(name if name not in names else f"{_COMPASS[(octant + 1) % 8]} Division")
    return names


def _station_address(book: AddressBook, tile: shapely.Geometry) -> str:
    """The arterial address closest to the middle of a division."""
    table = book.table
    inside = shapely.contains_xy(tile, table["Longitude"], table["Latitude"]) & book.arterial
    inside &= (table["Unit"] == "").to_numpy()
    center = tile.point_on_surface()
    d = np.hypot(table["Longitude"] - center.x, table["Latitude"] - center.y).to_numpy()
    i = int(np.argmin(np.where(inside, d, np.inf)))
    row = table.iloc[i]
    street = " ".join(p for p in (row["Direction"], book.name[i], book.suffix[i]) if p)
    city = CITY_NAME.removeprefix("City of ")
    return f"{row['HouseNumber']} {street}, {city}, CA {row['ZipCode']}"
