"""Fixtures for the address tests: the demo's reference, and LA address-point profiles."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo311.address.reference import AddressReference
from geo311.profile import Profile, load_profile

REPO = Path(__file__).resolve().parents[2]
LA_POINT_COLUMNS = ["HouseNumber", "Direction", "StreetName", "Suffix", "ZipCode", "Latitude",
                    "Longitude"]


@pytest.fixture(scope="module")
def profile(demo_dir: Path) -> Profile:
    """The demo profile."""
    return load_profile(demo_dir)


@pytest.fixture(scope="module")
def reference(profile: Profile, tmp_path_factory: pytest.TempPathFactory) -> AddressReference:
    """The demo's address reference, cached in a temporary directory."""
    return AddressReference.from_profile(profile, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def la_requests_text(shared_data: Path) -> pd.DataFrame:
    """The 2017 MyLA311 requests as text, with the day of the month in ``day``."""
    path = shared_data / "los_angeles/311/myla311_2017-12-27_to_2017-12-31_subset.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["day"] = pd.to_datetime(frame.CreatedDate, format="%m/%d/%Y %I:%M:%S %p").dt.day
    return frame


def write_la_address_profile(shared_data: Path, root: Path, points: pd.DataFrame) -> Path:
    """Write a Los Angeles profile whose address reference is ``points`` (311 columns)."""
    points[LA_POINT_COLUMNS].to_csv(root / "points.csv", index=False)
    shipped = (REPO / "profiles/la/profile.toml").read_text()
    profile = shipped[:shipped.index("\n[addresses]")].replace(  # our own reference instead
        "${GEO311_SHARED:-../../../shared}", str(shared_data.parent))
    (root / "profile.toml").write_text(profile + """
[addresses]
points = "points.csv"
number_field = "HouseNumber"
predir_field = "Direction"
street_field = "StreetName"
suffix_field = "Suffix"
zip_field = "ZipCode"
lon_field = "Longitude"
lat_field = "Latitude"
""")
    return root
