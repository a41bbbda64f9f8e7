"""The library's answer to the hostile inputs the CLI passes on: a clear error, never a crash.

Each expectation comes from the raw files read with pandas or csv in the test, or
from numpy/h3 directly, not from the code under test.
"""

from __future__ import annotations

import re

import h3
import numpy as np
import pandas as pd
import pytest
import shapely

from geo311.crews.reallocation import reallocate
from geo311.demo import generate_demo
from geo311.errors import InputError
from geo311.hotspots.binning import MAX_HEX_CELLS, check_hex_count
from geo311.jurisdiction import Locator
from geo311.profile import load_profile
from geo311.service.catalog import load_catalog, load_staffing
from geo311.service.requests import (
    RequestFilter,
    columns_from_profile,
    in_districts,
    load_requests,
    requests_file,
)


@pytest.fixture(scope="module")
def demo(demo_dir):
    profile = load_profile(demo_dir)
    return profile, Locator(profile)


@pytest.fixture(scope="module")
def raw(demo_dir) -> pd.DataFrame:
    return pd.read_csv(demo_dir / "requests.csv", dtype=str)


def _load(profile, **filters):
    return load_requests(requests_file(profile), columns_from_profile(profile),
                         RequestFilter(**filters))


# -- locate -------------------------------------------------------------------------------
def test_a_point_the_metric_crs_cannot_project_is_refused_not_an_overflow(demo):
    _, locator = demo
    with pytest.raises(InputError, match="too far from City of Rivergate"):
        locator.locate(-25, 1.5)


HOSTILE_LONS = [-25, 1e300, np.nan, np.inf, -np.inf, 5e-324, -180, 180, -119.9, -1e-320, 0.0]
HOSTILE_LATS = [1.5, 1, 1, 1, 1, 5e-324, -90, 90, 36.3, np.nan, 1e308]


def test_locate_many_flags_every_unusable_row_and_answers_the_rest(demo):
    _, locator = demo
    lons, lats = np.array(HOSTILE_LONS), np.array(HOSTILE_LATS)
    with np.errstate(all="raise"):
        result = locator.locate_many(lons, lats)
    usable = [bool(np.isfinite(x) and np.isfinite(y) and abs(x) <= 180 and abs(y) <= 90)
              for x, y in zip(lons, lats, strict=True)]
    assert result.valid.tolist() == usable
    assert [e is None for e in result.error] == usable


# -- requests ------------------------------------------------------------------------------
@pytest.mark.parametrize(("filters", "message"), [
    ({"start": "notadate"}, "start date 'notadate' is not a date"),
    ({"end": "2025-13-45"}, "end date '2025-13-45' is not a date"),
])
def test_a_bound_that_is_not_a_date_is_refused(demo, filters, message):
    with pytest.raises(InputError, match=re.escape(message)):
        _load(demo[0], **filters)


def test_an_empty_or_header_only_file_is_refused(demo, demo_dir, tmp_path):
    profile, _ = demo
    columns = columns_from_profile(profile)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty.csv: empty file, a header row is needed"):
        load_requests(empty, columns)
    header = tmp_path / "header.csv"
    header.write_text((demo_dir / "requests.csv").read_text().splitlines()[0] + "\n")
    with pytest.raises(InputError, match="header.csv has a header but no rows"):
        load_requests(header, columns)


def test_a_type_that_matches_nothing_names_the_known_types(demo, raw):
    with pytest.raises(InputError) as caught:
        _load(demo[0], types=["GRAFITI"])
    known = sorted(raw["service_code"].unique())
    assert caught.value.message.startswith("no request of type 'GRAFITI'")
    assert ", ".join(repr(t) for t in known) in caught.value.message
    assert caught.value.details["filter"] == "type"


def test_dates_that_match_nothing_name_the_span_of_the_data(demo, raw):
    with pytest.raises(InputError) as caught:
        _load(demo[0], start="2030-01-01", end="2030-02-01")
    message = caught.value.message
    assert message.startswith("no request between 2030-01-01 and 2030-02-01")
    first = min(raw["requested_datetime"])[:10]
    last = max(raw["requested_datetime"])[:10]
    assert f"spanning {first}" in message and f"to {last}" in message
    assert f"{len(raw):,} requests in the file" in message


def test_a_status_after_a_type_filter_says_which_filter_came_first(demo, raw):
    with pytest.raises(InputError) as caught:
        _load(demo[0], types=["GRAFFITI"], status=["nosuch"])
    left = int((raw["service_code"] == "GRAFFITI").sum())
    assert caught.value.message.startswith("no request with status 'nosuch'")
    assert f"{left:,} requests the type filter left" in caught.value.message


def test_a_district_filter_that_keeps_nothing_is_refused(demo):
    profile, locator = demo
    # one day of graffiti leaves a few requests; a ward none of them lies in keeps nothing
    few = _load(profile, types=["GRAFFITI"], start="2024-01-01", end="2024-01-02")
    layer = locator.district_layer("ward")
    points = shapely.points(few.frame["lon"], few.frame["lat"])
    held = {str(i) for i, geom in zip(layer.ids, layer.geoms, strict=True)
            if shapely.intersects(geom, points).any()}
    empty_ward = sorted({str(i) for i in layer.ids} - held)[0]
    with pytest.raises(InputError, match=f"no request in ward '{empty_ward}'"):
        in_districts(few, locator, "ward", [empty_ward])


# -- hexagons ------------------------------------------------------------------------------
def test_a_resolution_too_fine_for_the_area_is_refused_before_any_cell_is_made(demo):
    profile, _ = demo
    # the oracle: the area as h3 itself cuts it at a coarse resolution
    area = len(h3.geo_to_cells(profile.boundary, 9)) * h3.average_hexagon_area(9, unit="m^2")
    hexes = {r: area / h3.average_hexagon_area(r, unit="m^2") for r in range(16)}
    fits = max(r for r in range(16) if hexes[r] <= MAX_HEX_CELLS * 0.9)
    check_hex_count(profile.boundary, fits)
    too_fine = min(r for r in range(16) if hexes[r] > MAX_HEX_CELLS * 1.1)
    with pytest.raises(InputError, match=f"H3 resolution {too_fine} would cut the area"):
        check_hex_count(profile.boundary, too_fine)
    with pytest.raises(InputError, match=r"use resolution \d+ or coarser") as caught:
        check_hex_count(profile.boundary, 15)
    named = int(re.search(r"use resolution (\d+)", caught.value.message).group(1))
    assert fits <= named < too_fine


# -- reallocation --------------------------------------------------------------------------
def test_staffing_keyed_by_another_layer_is_refused_naming_the_key_and_ids(demo, demo_dir):
    profile, locator = demo
    requests = _load(profile)
    with pytest.raises(InputError) as caught:
        reallocate(requests, locator, "Code Enforcement", catalog=load_catalog(profile),
                   staffing=load_staffing(profile), key="police_division")
    staffing = pd.read_csv(demo_dir / "staffing.csv", dtype=str)
    ids = staffing.loc[staffing["department"] == "Code Enforcement", "ward"]
    message = caught.value.message
    assert "district key 'ward'" in message and "not police_division ids" in message
    assert set(caught.value.details["unmatched"]) == set(ids)


# -- demo ----------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [-5, 1.5, True])
def test_a_negative_or_non_integer_seed_is_refused_before_writing(tmp_path, seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        generate_demo(tmp_path / "out", seed=seed)
    assert not (tmp_path / "out").exists()
