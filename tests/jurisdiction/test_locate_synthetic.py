"""The engine's rules on a small synthetic profile whose answers are known by construction."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo311.errors import InputError
from geo311.jurisdiction import Locator
from geo311.jurisdiction.grid import MIXED

from .conftest import X0, Y0


def test_point_in_the_city_is_served_by_the_city(testville):
    answer = testville.locate(X0 + 0.005, Y0 + 0.005)
    assert answer["in_jurisdiction"] is True
    assert answer["agency"]["id"] == "testville"
    assert answer["districts"]["ward"] == {"id": "1", "name": "1"}
    assert answer["near_boundary"] is False


def test_enclave_hole_is_outside_and_served_by_the_enclave_town(testville):
    answer = testville.locate(X0 + 0.02, Y0 + 0.02)
    assert answer["in_jurisdiction"] is False
    assert answer["agency"]["id"] == "enclave"
    assert answer["agency"]["phone"] == "(555) 555-0101"
    assert answer["districts"]["ward"] is None


def test_overlapping_neighbors_the_smaller_polygon_wins(testville):
    # Southby's detached piece lies inside the county strip
    answer = testville.locate(X0 - 0.025, Y0 + 0.055)
    assert answer["agency"]["id"] == "southby"
    assert testville.locate(X0 - 0.025, Y0 + 0.03)["agency"]["id"] == "county"


def test_contacts_csv_fills_missing_phone_and_url(testville):
    agency = testville.locate(X0 + 0.02, Y0 - 0.02)["agency"]
    assert agency == {"id": "southby", "name": "Southby", "phone": "(555) 555-0104",
                      "url": "https://southby.example.gov"}


def test_where_filter_drops_features_of_other_types(testville):
    # 'lakeside' (type water-board) covers this point but is filtered out: no agency
    answer = testville.locate(X0 + 0.03, Y0 + 0.05)
    assert answer["agency"] is None
    nearest = answer["nearest_agency"]
    assert nearest["id"] == "testville"  # 1.1 km north of it; Eastport is 1.4 km away
    assert nearest["distance_m"] == pytest.approx(0.01 * 111_000, rel=0.02)


def test_point_on_the_city_limit_belongs_to_the_city(testville):
    answer = testville.locate(X0 + 0.04, Y0 + 0.01)
    assert answer["in_jurisdiction"] is True
    assert answer["boundary_distance_m"] == pytest.approx(0, abs=0.01)


def test_point_on_a_shared_ward_edge_is_decided_by_the_smaller_ward(testville):
    wards = testville.district_layer("ward")
    smaller = wards.ids[np.argmin(shapely.area(wards.metric))]
    assert testville.locate(X0 + 0.02, Y0 + 0.005)["districts"]["ward"]["id"] == smaller


def test_near_boundary_names_what_lies_on_the_other_side(testville):
    # 10 m inside the east city limit, 500 m from the ward edge
    lon = X0 + 0.04 - 10 / (111_320 * np.cos(np.radians(Y0 + 0.03)))
    answer = testville.locate(lon, Y0 + 0.03)
    assert answer["near_boundary"] is True
    assert answer["boundary_distance_m"] == pytest.approx(10, abs=0.5)
    assert [(a["layer"], a["id"]) for a in answer["alternatives"]] == [("agency", "eastport")]
    far = testville.locate(X0 + 0.03, Y0 + 0.03)
    assert far["near_boundary"] is False and far["alternatives"] == []


def test_near_a_ward_edge_lists_the_other_ward(testville):
    lon = X0 + 0.02 + 20 / (111_320 * np.cos(np.radians(Y0 + 0.005)))
    answer = testville.locate(lon, Y0 + 0.005)
    assert answer["districts"]["ward"]["id"] == "2"
    assert ("ward", "1") in [(a["layer"], a["id"]) for a in answer["alternatives"]]


def test_bad_coordinates_raise_input_error_for_one_point(testville):
    with pytest.raises(InputError, match="latitude out of range"):
        testville.locate(-100.0, 91.0)
    with pytest.raises(InputError, match="not a number"):
        testville.locate(float("nan"), 40.0)
    with pytest.raises(InputError, match="must be numbers"):
        testville.locate("east", 40.0)


def test_locate_many_reports_bad_rows_and_keeps_the_rest(testville):
    lons = np.array([X0 + 0.005, np.nan, 200.0, X0 + 0.02])
    lats = np.array([Y0 + 0.005, Y0, Y0, Y0 + 0.02])
    result = testville.locate_many(lons, lats)
    assert result.valid.tolist() == [True, False, False, True]
    assert result.error[1] == "longitude missing or not a number"
    assert result.error[2] == "longitude out of range [-180, 180]"
    frame = result.to_frame()
    assert frame["agency_id"].tolist() == ["testville", None, None, "enclave"]
    assert frame["in_jurisdiction"].tolist()[::3] == [True, False]
    assert frame["in_jurisdiction"].isna().tolist() == [False, True, True, False]


def test_grid_answers_equal_exact_answers_for_every_layer(testville):
    rng = np.random.default_rng(7)
    grid = testville.grid
    x = rng.uniform(grid.x0, grid.x0 + grid.nx * grid.dx, 50_000)
    y = rng.uniform(grid.y0, grid.y0 + grid.ny * grid.dy, 50_000)
    codes = testville._combo[grid.cells(x, y)]
    for column, layer in zip(testville._columns, testville._layers(), strict=False):
        fast = column[codes]
        pure = fast != MIXED
        assert pure.mean() > 0.9  # most points take the lookup
        np.testing.assert_array_equal(fast[pure], layer.exact(x[pure], y[pure]))


def test_cached_locator_answers_like_a_fresh_one_and_misses_after_a_change(tmp_path):
    from geo311.profile import load_profile

    from .conftest import write_synthetic

    root = write_synthetic(tmp_path)
    fresh = Locator.from_profile(load_profile(root))
    assert list((root / ".geo311-cache").glob("locator-*/manifest.json"))
    cached = Locator.from_profile(load_profile(root))
    rng = np.random.default_rng(3)
    x, y = rng.uniform(X0 - 0.05, X0 + 0.09, 5000), rng.uniform(Y0 - 0.05, Y0 + 0.09, 5000)
    pd.testing.assert_frame_equal(cached.locate_many(x, y).to_frame(),
                                  fresh.locate_many(x, y).to_frame())
    assert cached.locate(X0 + 0.02, Y0 + 0.02) == fresh.locate(X0 + 0.02, Y0 + 0.02)
    # rename a ward: the cache misses and the new name is served
    toml = root / "profile.toml"
    toml.write_text(toml.read_text().replace('id_field = "ward"', 'id_field = "ward"\n'
                                             'name_field = "ward"'))
    wards = gpd.read_file(root / "wards.gpkg")
    wards["ward"] = ["West", "East"]
    wards.to_file(root / "wards.gpkg", driver="GPKG")
    changed = Locator.from_profile(load_profile(root))
    assert changed.locate(X0 + 0.005, Y0 + 0.005)["districts"]["ward"]["id"] == "West"
