"""Requests load from the MyLA311, NYC 311 and demo exports under one set of names."""

from __future__ import annotations

import pandas as pd
import pytest

from geo311.errors import InputError
from geo311.profile import load_profile
from geo311.service.requests import (
    PRESETS,
    RequestColumns,
    RequestFilter,
    columns_from_profile,
    load_requests,
    requests_file,
)

LA = "los_angeles/311/myla311_2017-12-27_to_2017-12-31_subset.csv"
NYC = "new_york/311/nyc311_2013-12-25.csv"


def test_myla311_preset_keeps_rows_without_coordinates_as_invalid(shared_data):
    requests = load_requests(shared_data / LA, "myla311")
    print(requests.report.as_dict())
    assert len(requests) == requests.report.rows == 9999
    assert requests.report.invalid == {"missing coordinates": 1753}
    assert requests.frame["valid"].sum() == 8246
    assert not requests.frame.loc[~requests.frame["valid"], "lat"].notna().any()
    assert requests.frame["created"].dt.tz is None  # MyLA311 dates carry no offset
    first = requests.frame.iloc[0]
    assert (first["id"], first["type"], first["district"]) == (
        "1-870704831", "Homeless Encampment", "13")
    assert first["created"] == pd.Timestamp("2017-12-31 23:59:58")
    assert first["closed"] == pd.Timestamp("2018-04-09 09:18:35")
    assert first["is_closed"]


def test_nyc311_preset_counts_its_missing_coordinates(shared_data):
    requests = load_requests(shared_data / NYC, "nyc311")
    assert len(requests) == 2386
    assert requests.report.invalid == {"missing coordinates": 82}
    assert requests.frame["created"].dt.date.astype(str).unique().tolist() == ["2013-12-25"]


def test_type_and_status_filters_report_what_they_excluded(shared_data):
    bulky = load_requests(shared_data / LA, "myla311", RequestFilter(types="Bulky Items"))
    assert len(bulky) == 4432
    assert bulky.report.excluded == {"type": 9999 - 4432}
    both = load_requests(shared_data / LA, "myla311",
                         RequestFilter(types=["Bulky Items", "Electronic Waste"]))
    assert len(both) == 4432 + 403
    still_open = load_requests(shared_data / LA, "myla311", RequestFilter(status="OPEN"))
    assert len(still_open) == 5 and not still_open.frame["is_closed"].any()


def test_demo_profile_dates_are_tz_aware_and_naive_bounds_take_their_offset(demo_dir):
    profile = load_profile(demo_dir)
    january = load_requests(requests_file(profile), columns_from_profile(profile),
                            RequestFilter(start="2025-01-01", end="2025-02-01"))
    raw = pd.read_csv(demo_dir / "requests.csv", usecols=["requested_datetime"])
    expected = raw["requested_datetime"].str.startswith("2025-01").sum()  # local dates
    print(f"demo January 2025: {len(january)} requests, {january.report.invalid}")
    assert len(january) == expected
    assert january.report.kept + january.report.excluded["date"] == 120_000
    assert str(january.frame["created"].dt.tz) == "UTC-08:00"
    assert january.frame["closed"].dtype == january.frame["created"].dtype


def test_a_missing_column_is_named_with_the_columns_of_the_file(shared_data):
    columns = RequestColumns(id="SRNumber", type="RequestType", created="CreatedDate",
                             closed=None, status=None, lon="Longitude", lat="Lat")
    with pytest.raises(InputError, match=r"'Lat' \(lat\) is not in .*Latitude"):
        load_requests(shared_data / LA, columns)


def test_an_unknown_preset_lists_the_presets(tmp_path):
    with pytest.raises(InputError, match="unknown request preset 'la'.*myla311"):
        load_requests(tmp_path / "x.csv", "la")
    assert set(PRESETS) == {"open311", "myla311", "nyc311", "demo"}


def test_each_unusable_row_gets_its_reason(tmp_path):
    path = tmp_path / "requests.csv"
    path.write_text(
        "service_request_id,service_code,requested_datetime,updated_datetime,status,long,lat,address\n"
        "1,A,2024-03-01T10:00:00-08:00,,open,-119.9,36.3,x\n"
        "2,A,2024-03-01T10:00:00-08:00,,open,,36.3,x\n"
        "3,A,2024-03-01T10:00:00-08:00,,open,abc,36.3,x\n"
        "4,A,2024-03-01T10:00:00-08:00,,open,-119.9,136.3,x\n"
        "5,A,2024-03-01T10:00:00-08:00,,open,0,0,x\n"
        "6,A,,,open,-119.9,36.3,x\n"
        "7,A,yesterday,,open,-119.9,36.3,x\n"
    )
    requests = load_requests(path, "open311")
    assert requests.frame["reason"].tolist() == [
        None, "missing coordinates", "coordinates not numeric", "coordinates out of range",
        "coordinates (0, 0)", "missing created date", "unparseable created date"]
    assert requests.frame["valid"].tolist() == [True] + [False] * 6
    assert sum(requests.report.invalid.values()) == 6


def test_offsets_that_change_with_daylight_saving_become_utc(tmp_path):
    path = tmp_path / "requests.csv"
    path.write_text("service_request_id,service_code,requested_datetime,updated_datetime,"
                    "status,long,lat,address\n"
                    "1,A,2024-01-01T10:00:00-08:00,,open,-119.9,36.3,x\n"
                    "2,A,2024-07-01T10:00:00-07:00,,open,-119.9,36.3,x\n")
    created = load_requests(path, "open311").frame["created"]
    assert str(created.dt.tz) == "UTC"
    assert created.tolist() == [pd.Timestamp("2024-01-01 18:00", tz="UTC"),
                                pd.Timestamp("2024-07-01 17:00", tz="UTC")]


def test_district_filters_parse_key_id_items_and_refuse_the_rest():
    from geo311.service.requests import parse_district_filters

    assert parse_district_filters(["ward=10", "police=7", "ward= 3"]) == {
        "ward": ["10", "3"], "police": ["7"]}
    assert parse_district_filters([]) == {}
    for bad in ("ward", "=10", "ward="):
        with pytest.raises(InputError, match="use KEY=ID") as caught:
            parse_district_filters(["ward=1", bad])
        assert caught.value.details["field"] == "districts"
