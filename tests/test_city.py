"""City.open: the profile's engines and tables, built once and only when asked for."""

from __future__ import annotations

import pandas as pd
import pytest

from geo311.city import City
from geo311.errors import InputError, ProfileError
from geo311.profile import load_profile
from geo311.service.requests import RequestFilter


def test_a_city_builds_each_part_once_and_shares_the_locator(demo_dir):
    city = City.open(demo_dir)
    assert "locator" not in vars(city) and "validator" not in vars(city)  # nothing built yet
    assert city.locator is city.locator
    assert city.validator.locator is city.locator
    assert city.catalog is city.catalog and city.staffing is city.staffing
    raw = pd.read_csv(demo_dir / "staffing.csv", dtype={"ward": str})
    assert city.staffing["crews"].sum() == raw["crews"].sum()
    assert city.has_catalog
    assert city.validator.validate("1200 n main street")["status"] is not None


def test_a_city_opens_from_a_profile_object_or_a_path(demo_dir):
    profile = load_profile(demo_dir)
    assert City.open(profile).profile is profile
    assert City.open(demo_dir / "profile.toml").profile.path == profile.path
    with pytest.raises(ProfileError, match="profile not found"):
        City.open(demo_dir / "nowhere")


def test_load_requests_reads_the_profile_export_filtered_and_located(demo_dir):
    city = City.open(demo_dir)
    requests = city.load_requests(RequestFilter(types=["POTHOLE"]))
    raw = pd.read_csv(demo_dir / "requests.csv", usecols=["service_code"])
    assert len(requests) == int((raw["service_code"] == "POTHOLE").sum())
    assert requests.located and {"in_jurisdiction", "ward_id"} <= set(requests.frame)
    same = city.load_requests(RequestFilter(types=["POTHOLE"]), path=demo_dir / "requests.csv",
                              columns="demo")
    assert len(same) == len(requests)
    with pytest.raises(InputError, match="unknown request preset 'nope'"):
        city.load_requests(columns="nope")
