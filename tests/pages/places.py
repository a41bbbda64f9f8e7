"""Addresses of the demo region for the page tests, classified by an oracle independent of
geo311: geopandas spatial joins of the address points with the generated layer files, and
distances to the edges in a metric CRS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

_METRIC = "EPSG:32611"  # UTM 11N: the demo region is near 120° W


@dataclass(frozen=True)
class Place:
    """One address point and what the oracle says about it."""

    address: str
    lon: float
    lat: float
    ward: str | None           # ward name, inside the city
    other_ward: str | None     # the nearest other ward
    agency: str | None         # serving neighbor's name, outside the city
    phone: str | None
    url: str | None


def _points(demo: Path) -> gpd.GeoDataFrame:
    table = pd.read_csv(demo / "address_points.csv", dtype=str)
    table = table[table["Unit"].isna()].drop_duplicates("Address")
    return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(
        table["Longitude"].astype(float), table["Latitude"].astype(float)), crs="EPSG:4326")


def classified(demo: Path) -> gpd.GeoDataFrame:
    """Every address point (without a unit) with ``in_city``, ``ward``, ``place`` (the
    smallest neighbor polygon holding it), its ``phone``/``url`` (contacts.csv over the
    layer), and the distances in metres to the city limit and to the nearest ward edge."""
    points = _points(demo)
    city = gpd.read_file(demo / "city.geojson").to_crs("EPSG:4326")
    wards = gpd.read_file(demo / "wards.geojson").to_crs("EPSG:4326")
    places = gpd.read_file(demo / "places.geojson").to_crs("EPSG:4326")
    places = places[places["type"].isin(["city", "county-area"])].copy()
    contacts = pd.read_csv(demo / "contacts.csv", dtype=str).set_index("id")
    for column in ("name", "phone", "url"):
        override = places["slug"].map(contacts[column]) if column in contacts else None
        if override is not None:
            places[column] = override.fillna(places[column])
    places["area"] = places.to_crs(_METRIC).area
    city_shape = city.union_all()
    points["in_city"] = points.intersects(city_shape)
    joined = gpd.sjoin(points, wards[["name", "geometry"]], predicate="within", how="left")
    points["ward"] = joined.groupby(level=0)["name"].first()
    smallest = gpd.sjoin(points[["geometry"]], places[["name", "phone", "url", "area",
                                                       "geometry"]], predicate="within")
    smallest = smallest.sort_values("area").groupby(level=0).first()
    points["place"] = smallest["name"]
    points["phone"] = smallest["phone"]
    points["url"] = smallest["url"]
    metric = points.to_crs(_METRIC)
    points["city_edge_m"] = metric.distance(city.to_crs(_METRIC).boundary.union_all())
    points["ward_edge_m"] = metric.distance(wards.to_crs(_METRIC).boundary.union_all())
    edges = [gpd.read_file(demo / name).to_crs(_METRIC).boundary.union_all()
             for name in ("police.geojson", "sanitation.gpkg")]
    points["edge_m"] = np.minimum.reduce([points["ward_edge_m"].to_numpy(),
                                          points["city_edge_m"].to_numpy(),
                                          *(metric.distance(e).to_numpy() for e in edges)])
    points["other_ward"] = _second_ward(metric, wards.to_crs(_METRIC))
    return points


def _second_ward(metric: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> pd.Series:
    """The name of the nearest ward not holding each point."""
    distances = pd.DataFrame({name: metric.distance(shape) for name, shape
                              in zip(wards["name"], wards.geometry, strict=True)})
    return distances.where(distances > 0).idxmin(axis=1)


def place(row) -> Place:
    """A :class:`Place` from a row of :func:`classified`."""
    def text(value):
        return None if pd.isna(value) else str(value)
    return Place(address=row["Address"], lon=row.geometry.x, lat=row.geometry.y,
                 ward=text(row["ward"]) if row["in_city"] else None,
                 other_ward=text(row["other_ward"]),
                 agency=None if row["in_city"] else text(row["place"]),
                 phone=text(row["phone"]), url=text(row["url"]))


def inside(points: gpd.GeoDataFrame, n: int = 0) -> Place:
    """The n-th address well inside the city and a ward (200 m from every edge of every
    layer)."""
    rows = points[points["in_city"] & points["ward"].notna() & (points["edge_m"] > 200)]
    return place(rows.iloc[n])


def outside(points: gpd.GeoDataFrame) -> Place:
    """An address well outside the city, in a neighbor with a phone and a web site."""
    rows = points[~points["in_city"] & points["phone"].notna() & points["url"].notna()
                  & (points["city_edge_m"] > 200)]
    return place(rows.iloc[0])


def near_ward_edge(points: gpd.GeoDataFrame) -> Place:
    """An address inside the city within 10 m of a ward edge (200 m from the city limit)."""
    rows = points[points["in_city"] & points["ward"].notna() & (points["ward_edge_m"] < 10)
                  & (points["city_edge_m"] > 200)]
    return place(rows.iloc[0])


def typo(address: str) -> str:
    """The address with two letters of its street name swapped (``1200 N MAIN ST`` →
    ``1200 N MIAN ST``)."""
    words = address.split()
    i = max(range(1, len(words)), key=lambda k: len(words[k]))
    word = words[i]
    words[i] = word[0] + word[2] + word[1] + word[3:]
    return " ".join(words).lower()
