"""Fixtures for the jurisdiction tests: the LA profile and a small synthetic one."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from geo311.jurisdiction import Locator
from geo311.profile import load_profile

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def la_profile(la_profile_dir):
    """The Los Angeles profile shipped in ``profiles/la`` (reads ../shared)."""
    return load_profile(la_profile_dir)


@pytest.fixture(scope="session")
def la(la_profile) -> Locator:
    """A locator for Los Angeles."""
    return Locator(la_profile)


@pytest.fixture(scope="session")
def la_requests(shared_data):
    """MyLA311 requests (Dec 2017) that carry coordinates."""
    import pandas as pd

    path = shared_data / "los_angeles/311/myla311_2017-12-27_to_2017-12-31_subset.csv"
    frame = pd.read_csv(path, low_memory=False)
    return frame.dropna(subset=["Latitude", "Longitude"]).reset_index(drop=True)


# The synthetic town, in degrees around (-100, 40); 0.01 degree is ~850 m east-west.
X0, Y0 = -100.0, 40.0
CITY = Polygon(
    [(X0, Y0), (X0 + 0.04, Y0), (X0 + 0.04, Y0 + 0.04), (X0, Y0 + 0.04)],
    holes=[[(X0 + 0.015, Y0 + 0.015), (X0 + 0.025, Y0 + 0.015), (X0 + 0.025, Y0 + 0.025),
            (X0 + 0.015, Y0 + 0.025)]],
)


def write_synthetic(root: Path) -> Path:
    """Write a small profile with an enclave, an overlap, a multipolygon and a gap."""
    crs = "EPSG:4326"
    gpd.GeoDataFrame({"name": ["Testville"]}, geometry=[CITY], crs=crs).to_file(
        root / "city.geojson")
    enclave = box(X0 + 0.015, Y0 + 0.015, X0 + 0.025, Y0 + 0.025)
    east = box(X0 + 0.04, Y0, X0 + 0.08, Y0 + 0.04)
    county = box(X0 - 0.04, Y0 - 0.04, X0, Y0 + 0.08)  # west side, a strip
    # Southby: a town south of the city with a detached piece inside the county strip
    south = box(X0, Y0 - 0.04, X0 + 0.04, Y0).union(box(X0 - 0.03, Y0 + 0.05, X0 - 0.02,
                                                         Y0 + 0.06))
    neighbors = gpd.GeoDataFrame(
        {
            "slug": ["enclave", "eastport", "county", "southby", "lakeside"],
            "name": ["Enclave Town", "Eastport", "Kessler County", "Southby", "Lakeside"],
            "type": ["city", "city", "county-area", "city", "water-board"],
            "phone": ["(555) 555-0101", "(555) 555-0102", "(555) 555-0103", None, "x"],
        },
        geometry=[enclave, east, county, south, box(X0, Y0 + 0.04, X0 + 0.04, Y0 + 0.08)],
        crs=crs,
    )
    neighbors.to_file(root / "places.geojson")
    (root / "contacts.csv").write_text(
        "id,name,phone,url\nsouthby,,(555) 555-0104,https://southby.example.gov\n")
    wards = gpd.GeoDataFrame(
        {"ward": ["1", "2"]},
        geometry=[box(X0, Y0, X0 + 0.02, Y0 + 0.04).difference(enclave),
                  box(X0 + 0.02, Y0, X0 + 0.04, Y0 + 0.04).difference(enclave)],
        crs=crs,
    )
    wards.to_crs("EPSG:32614").to_file(root / "wards.gpkg", driver="GPKG")
    (root / "profile.toml").write_text(
        """
[jurisdiction]
id = "testville"
name = "City of Testville"
boundary = "city.geojson"
phone = "311"
url = "https://testville.example.gov"

[neighbors]
layer = "places.geojson"
id_field = "slug"
name_field = "name"
phone_field = "phone"
where = { type = ["city", "county-area"] }
contacts = "contacts.csv"

[[districts]]
key = "ward"
label = "Ward"
layer = "wards.gpkg"
id_field = "ward"
""")
    return root


@pytest.fixture(scope="session")
def testville(tmp_path_factory) -> Locator:
    """A locator over the synthetic profile."""
    return Locator(load_profile(write_synthetic(tmp_path_factory.mktemp("testville"))))
