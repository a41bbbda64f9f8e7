"""Fixtures for the address tests: the demo's reference, and LA address-point profiles."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo311.address.reference import AddressReference
from geo311.profile import Profile, load_profile

REPO = Path(__file__).resolve().parents[2]

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
