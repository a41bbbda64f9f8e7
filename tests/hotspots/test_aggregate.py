"""Requests per ward, hexagon and grid cell agree with geopandas and with the records."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo311.errors import InputError
from geo311.hotspots.aggregate import by_district, by_grid, by_hex
from geo311.jurisdiction.locate import Locator
from geo311.profile import load_profile
from geo311.service.catalog import load_catalog
from geo311.service.requests import (
    RequestFilter,
    columns_from_profile,
    in_districts,
    load_requests,
    requests_file,
)

LA = "los_angeles/311/myla311_2017-12-27_to_2017-12-31_subset.csv"


@pytest.fixture(scope="module")
def demo(demo_dir):
    profile = load_profile(demo_dir)
    requests = load_requests(requests_file(profile), columns_from_profile(profile))
    return profile, Locator(profile), requests


@pytest.fixture(scope="module")
def wards(demo):
    profile, locator, requests = demo
    return by_district(requests, locator, "ward",
                       catalog=load_catalog(profile))


def test_every_request_is_counted_once(demo, wards):
    _, _, requests = demo
    assert wards["count"].sum() == len(requests)
    assert wards.loc[wards["kind"] == "invalid", "count"].item() == (~requests.frame.valid).sum()
    assert wards["share"].sum() == pytest.approx(1.0)


def test_ward_counts_equal_a_geopandas_sjoin(demo, wards):
    profile, locator, requests = demo
    usable = requests.valid
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(usable.lon, usable.lat), crs=4326)
    polygons = gpd.read_file(profile.district("ward").layer.path)
    joined = gpd.sjoin(points, polygons, predicate="within")
    theirs = joined["ward"].astype(str).value_counts()
    ours = wards[wards["kind"] == "district"].set_index("id")["count"]
    in_city = locator.locate_many(usable.lon, usable.lat, near_boundary=False).in_jurisdiction
    print(wards[["id", "count", "share", "per_1000_residents", "per_km2",
                 "median_days_to_close", "pct_closed_within_sla", "open_backlog"]]
          .to_string(index=False))
    assert ours.sum() == in_city.sum()  # the wards tile the city
    pd.testing.assert_series_equal(ours.sort_index(), theirs.reindex(ours.index).sort_index(),
                                   check_names=False)


def test_per_1000_and_per_km2_recomputed_by_hand_for_ward_10(demo, wards):
    profile, _, _ = demo
    polygons = gpd.read_file(profile.district("ward").layer.path)
    ward = polygons[polygons["ward"].astype(str) == "10"]
    km2 = ward.to_crs(profile.metric_crs).area.item() / 1e6
    row = wards.set_index("id").loc["10"]
    assert row["per_1000_residents"] == pytest.approx(row["count"] / ward["population"].item()
                                                      * 1000)
    assert row["per_km2"] == pytest.approx(row["count"] / km2, rel=1e-6)
    assert 0 <= row["pct_closed_within_sla"] <= 100


def test_la_bulky_items_by_council_district_match_the_records_cd(shared_data, la_profile_dir):
    profile = load_profile(la_profile_dir)
    requests = load_requests(shared_data / LA, "myla311", RequestFilter(types="Bulky Items"))
    table = by_district(requests, Locator(profile), "council_district")
    ours = table[table["kind"] == "district"].set_index("id")["count"]
    ours.index = ours.index.astype(int)  # the layer's ids are zero-padded ("04"), CD is not
    usable = requests.valid
    theirs = usable["district"].astype(int).value_counts().reindex(ours.index, fill_value=0)
    moved = int(np.abs(ours - theirs).sum()) // 2
    print(f"LA Bulky Items: {len(usable)} located, {moved} in another district than CD "
          f"({moved / len(usable):.2%}); outside {table.iloc[-2]['count']}")
    assert ours.sum() + table.iloc[-2]["count"] == len(usable)
    assert moved / len(usable) <= 0.002  # measured 1 of 4,431 (0.02 %)


def test_hex_and_grid_bins_hold_every_usable_request(demo):
    profile, _, requests = demo
    hexes, cells = by_hex(requests, resolution=8)
    assert cells["count"].sum() == hexes.counts.sum() == requests.frame.valid.sum()
    assert cells["lat"].between(36, 37).all()
    import h3

    assert list(cells["cell"]) == [h3.latlng_to_cell(lat, lon, 8)
                                   for lon, lat in zip(cells["lon"], cells["lat"], strict=True)]
    import shapely

    box = shapely.box(-119.95, 36.25, -119.85, 36.35)  # part of the city
    inside, in_box = by_hex(requests, resolution=8, area=box)
    assert 0 < len(in_box) < len(cells)
    assert shapely.contains_xy(box, in_box["lon"], in_box["lat"]).all()
    grid, squares = by_grid(requests, profile.metric_crs, 500.0)
    assert squares["count"].sum() + grid.outside == requests.frame.valid.sum()
    assert squares["lon"].between(-121, -119).all()


def test_ward_service_levels_equal_a_pandas_groupby_of_the_raw_csv(demo):
    """Median days to close, % within SLA, backlog and open past SLA, recomputed from the CSV.

    The oracle reads the export with pandas, places each request in a ward with a geopandas
    spatial join and groups; nothing of geo311 but the profile's file names is used.
    """
    profile, locator, requests = demo
    as_of = "2025-12-20T00:00:00-08:00"  # open requests on both sides of their SLA
    ours = by_district(requests, locator, "ward", catalog=load_catalog(profile),
                       as_of=as_of).set_index("id")
    ours = ours[ours["kind"] == "district"]

    raw = pd.read_csv(profile.root / "requests.csv", dtype=str)
    created = pd.to_datetime(raw["requested_datetime"], utc=True)
    closed = pd.to_datetime(raw["closed_datetime"], utc=True)
    points = gpd.GeoDataFrame(raw, geometry=gpd.points_from_xy(
        pd.to_numeric(raw["lon"]), pd.to_numeric(raw["lat"])), crs=4326)
    wards = gpd.read_file(profile.district("ward").layer.path)[["ward", "geometry"]]
    joined = gpd.sjoin(points, wards, predicate="within")
    assert not joined.index.duplicated().any()  # wards do not overlap
    sla = pd.read_csv(profile.root / "service_catalog.csv").set_index("service_code")["sla_days"]
    frame = pd.DataFrame({
        "ward": joined["ward"].astype(str),
        "days": (closed - created).dt.total_seconds()[joined.index] / 86_400,
        "age": (pd.Timestamp(as_of) - created).dt.total_seconds()[joined.index] / 86_400,
        "is_open": raw.loc[joined.index, "status"] == "open",
        "sla": raw.loc[joined.index, "service_code"].map(sla),
    })
    frame["judged"] = ~frame["is_open"] | (frame["age"] > frame["sla"])
    frame["within"] = ~frame["is_open"] & (frame["days"] <= frame["sla"])
    frame["past"] = frame["is_open"] & (frame["age"] > frame["sla"])
    grouped = frame.groupby("ward")
    theirs = pd.DataFrame({
        "median_days_to_close": grouped["days"].median(),
        "open_backlog": grouped["is_open"].sum(),
        "open_past_sla": grouped["past"].sum(),
        "pct_closed_within_sla": frame[frame["judged"]].groupby("ward")["within"].mean() * 100,
    })
    print(pd.concat([ours[theirs.columns], theirs.add_suffix("_pandas")], axis=1).to_string())
    assert set(theirs.index) == set(ours.index)
    assert 0 < theirs["open_past_sla"].sum() < theirs["open_backlog"].sum()  # both sides of SLA
    for column in theirs.columns:
        np.testing.assert_allclose(ours[column].astype(float),
                                   theirs.loc[ours.index, column].astype(float),
                                   rtol=1e-12, err_msg=column)


def test_in_districts_keeps_the_requests_of_those_wards_and_counts_the_rest(demo):
    profile, locator, requests = demo
    usable = requests.valid
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(usable.lon, usable.lat),
                              index=usable.index, crs=4326)
    wards = gpd.read_file(profile.district("ward").layer.path)
    joined = gpd.sjoin(points, wards, predicate="within")
    in_ward = joined["ward"].astype(str)
    for ids in ("10", ["10", "3"]):
        wanted = [ids] if isinstance(ids, str) else ids
        expected = requests.frame.loc[in_ward.index[in_ward.isin(wanted)], "id"]
        kept = in_districts(requests, locator, "ward", ids)
        assert sorted(kept.frame["id"]) == sorted(expected)
        assert kept.report.rows == requests.report.rows
        assert kept.report.excluded == {**requests.report.excluded,
                                        "district": len(requests.frame) - len(expected)}
        assert kept.report.invalid == {} and kept.frame["valid"].all()
    ten = in_districts(requests, locator, "ward", "10")
    again = in_districts(ten, locator, "ward", ["10"])  # exclusions add up, none new
    assert len(again.frame) == len(ten.frame)
    assert again.report.excluded["district"] == ten.report.excluded["district"]
    assert list(again.frame.columns) == list(requests.frame.columns)
    assert again.source == requests.source
    assert again.frame.index.equals(pd.RangeIndex(len(again.frame)))
    with pytest.raises(InputError) as caught:
        in_districts(requests, locator, "ward", ["10", "98", "99"])
    known = ", ".join(str(i) for i in locator.district_layer("ward").ids)
    assert caught.value.message == f"no ward '98', '99'; ward ids: {known}"
    assert caught.value.details == {"key": "ward", "ids": ["98", "99"]}
