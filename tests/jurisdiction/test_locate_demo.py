"""The engine on the generated demo region, against the generator's own truth."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo311.jurisdiction import Locator
from geo311.profile import load_profile


@pytest.fixture(scope="module")
def demo(demo_dir) -> Locator:
    return Locator(load_profile(demo_dir))


@pytest.fixture(scope="module")
def requests(demo_dir) -> pd.DataFrame:
    frame = pd.read_csv(demo_dir / "requests.csv", dtype={"zipcode": str})
    truth = pd.read_csv(demo_dir / "requests_truth.csv")
    return frame.merge(truth, on="service_request_id")


def test_enclave_county_and_reservoir_points(demo):
    assert demo.locate(-119.9, 36.3)["agency"]["id"] == "rivergate"
    assert demo.locate(-119.92149, 36.3124)["agency"]["id"] == "millbrook"
    county = demo.locate(-119.9537592, 36.2836718)
    assert county["in_jurisdiction"] is False and county["agency"]["id"] == "kessler-county"
    reservoir = demo.locate(-119.90498, 36.33556)
    assert reservoir["agency"] is None
    assert reservoir["nearest_agency"]["distance_m"] > 0


def test_every_point_in_the_city_gets_every_district(demo, requests):
    located = demo.locate_many(requests.lon, requests.lat)
    inside = located.in_jurisdiction & located.valid
    assert inside.sum() > 100_000
    for key, codes in located.districts.items():
        assert (codes[inside] >= 0).all(), key
        assert (codes[~inside] == -1).all(), key


def test_in_city_flag_agrees_with_the_generator_truth(demo, requests):
    with_coords = requests.dropna(subset=["lon", "lat"])
    located = demo.locate_many(with_coords.lon, with_coords.lat)
    truth = with_coords["in_city"].astype(str).str.lower().eq("true").to_numpy()
    np.testing.assert_array_equal(located.in_jurisdiction, truth)


def test_requests_without_coordinates_are_reported_not_dropped(demo, requests):
    located = demo.locate_many(requests.lon, requests.lat)
    missing = requests.lon.isna().to_numpy()
    assert missing.sum() > 1000
    assert not located.valid[missing].any()
    assert located.valid[~missing].all()


def test_address_points_agencies_agree_with_their_stored_jurisdiction(demo, demo_dir):
    points = pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)
    frame = demo.locate_many(points.Longitude.astype(float),
                             points.Latitude.astype(float)).to_frame()
    stored = points["jurisdiction"].replace("", None)
    agree = frame["agency_id"].fillna("") == stored.fillna("")
    assert agree.all(), points[~agree.to_numpy()].head()


def test_points_in_two_overlapping_neighbors_go_to_the_smaller(demo, demo_dir):
    """The generator keeps the first of two overlapping neighbors; the engine the smaller.

    Points are drawn inside every overlap of two neighbor polygons and the expected agency is
    the one of smaller area, measured here with geopandas in the profile's metric CRS.
    """
    places = gpd.read_file(demo_dir / "places.geojson")
    places["area"] = places.to_crs(load_profile(demo_dir).metric_crs).area
    city = gpd.read_file(demo_dir / "city.geojson").union_all()
    rng = np.random.default_rng(8)
    checked = 0
    for i, j in itertools.combinations(range(len(places)), 2):
        overlap = places.geometry[i].intersection(places.geometry[j]).difference(city)
        if overlap.area == 0:
            continue
        minx, miny, maxx, maxy = overlap.bounds
        x, y = rng.uniform(minx, maxx, 500_000), rng.uniform(miny, maxy, 500_000)
        inside = shapely.contains_xy(overlap, x, y)
        smaller = places["slug"][i if places["area"][i] < places["area"][j] else j]
        frame = demo.locate_many(x[inside], y[inside]).to_frame()
        outside = ~frame["in_jurisdiction"].astype(bool)
        assert (frame.loc[outside, "agency_id"] == smaller).all()
        checked += int(outside.sum())
    assert checked > 1000
