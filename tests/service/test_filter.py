"""RequestFilter: one plain value for every front end; each filter's rows are accounted for."""

from __future__ import annotations

import pandas as pd
import pytest

from geo311.errors import InputError
from geo311.jurisdiction import Locator
from geo311.profile import load_profile
from geo311.service.requests import (
    RequestFilter,
    columns_from_profile,
    load_requests,
    parse_district_filters,
)


@pytest.fixture(scope="module")
def demo(demo_dir):
    profile = load_profile(demo_dir)
    return profile, demo_dir / "requests.csv"


def test_describe_names_every_filter_and_says_when_there_is_none():
    rows = RequestFilter(types="GRAFFITI", start="2025-01-01", end="2025-07-01",
                         status=["open"], districts={"ward": ["10", "3"]},
                         bbox=(-120.5, 36.0, -120.0, 36.5))
    assert rows.types == ("GRAFFITI",) and rows.districts == {"ward": ("10", "3")}
    assert rows.describe() == ("type 'GRAFFITI'; from 2025-01-01; before 2025-07-01; "
                               "status 'open'; in bbox -120.5, 36, -120, 36.5; ward '10', '3'")
    assert RequestFilter().describe() == "all requests"
    assert RequestFilter(types=[], status=()) == RequestFilter()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"start": "notadate"}, "start date 'notadate' is not a date"),
    ({"end": ""}, "end date '' is not a date"),
    ({"bbox": (1, 2, 0, 3)}, "min <= max"),
    ({"bbox": (0, 0, float("nan"), 1)}, "min_lon, min_lat, max_lon, max_lat"),
    ({"bbox": (0, 0, 1)}, "min_lon, min_lat, max_lon, max_lat"),
])
def test_a_malformed_filter_is_refused_on_construction(kwargs, message):
    with pytest.raises(InputError, match=message):
        RequestFilter(**kwargs)


@pytest.mark.parametrize("item", ["ward", "=10", "ward=", " = "])
def test_a_district_item_needs_key_and_id(item):
    with pytest.raises(InputError, match="use KEY=ID"):
        parse_district_filters([item])
    assert parse_district_filters([" ward = 10 "]) == {"ward": ["10"]}


def test_bbox_keeps_the_located_rows_in_the_box_and_counts_the_rest(demo):
    profile, path = demo
    raw = pd.read_csv(path, usecols=["lon", "lat"])
    box = (-120.0, 36.2, -119.9, 36.3)
    inside = raw["lon"].between(box[0], box[2]) & raw["lat"].between(box[1], box[3])
    kept = load_requests(path, columns_from_profile(profile), RequestFilter(bbox=box))
    assert len(kept) == int(inside.sum()) > 0
    assert kept.report.excluded == {"bbox": len(raw) - int(inside.sum())}
    with pytest.raises(InputError, match="no request in the bbox"):
        load_requests(path, columns_from_profile(profile), RequestFilter(bbox=(0, 0, 1, 1)))


def test_a_district_filter_needs_a_locator_and_counts_what_it_removes(demo):
    profile, path = demo
    rows = RequestFilter(types=["GRAFFITI"], districts={"ward": ["10"]})
    with pytest.raises(InputError, match="district filter needs a locator"):
        load_requests(path, columns_from_profile(profile), rows)
    ten = load_requests(path, columns_from_profile(profile), rows, locator=Locator(profile))
    graffiti = (pd.read_csv(path, usecols=["service_code"])["service_code"] == "GRAFFITI").sum()
    assert (ten.frame["ward_id"] == "10").all()
    assert len(ten) + ten.report.excluded["district"] == graffiti
    assert ten.report.kept == len(ten)
