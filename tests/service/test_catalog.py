"""The catalog's rules: one date-bound rule in both directions, one overdue rule."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from geo311.errors import InputError, ProfileError
from geo311.profile import load_profile
from geo311.service.catalog import (
    date_bound,
    load_catalog,
    load_staffing,
    past_sla,
    sla_days_of,
)
from geo311.service.requests import RequestFilter, columns_from_profile, load_requests

LA = "los_angeles/311/myla311_2017-12-27_to_2017-12-31_subset.csv"
PACIFIC = dt.timezone(dt.timedelta(hours=-8))


def _times(zone) -> pd.Series:
    stamps = [dt.datetime(2025, 1, 1, 12, 0, tzinfo=zone), dt.datetime(2025, 1, 2, tzinfo=zone)]
    return pd.Series(pd.to_datetime(stamps))


def test_a_naive_bound_is_wall_clock_time_in_the_zone_of_tz_aware_times():
    bound = date_bound("2025-01-01 12:00", _times(PACIFIC))
    assert bound.to_pydatetime() == dt.datetime(2025, 1, 1, 12, 0, tzinfo=PACIFIC)
    assert bound == _times(PACIFIC).iloc[0]


def test_a_tz_aware_bound_is_an_instant_against_tz_aware_times():
    bound = date_bound("2025-01-01T20:00:00+00:00", _times(PACIFIC))
    assert bound == _times(PACIFIC).iloc[0]  # 20:00 UTC is 12:00 at -08:00


def test_a_naive_bound_against_naive_times_is_taken_as_it_is():
    bound = date_bound("2025-01-01 12:00", _times(None))
    assert bound.tzinfo is None and bound == pd.Timestamp(dt.datetime(2025, 1, 1, 12, 0))


def test_a_tz_aware_bound_against_naive_times_is_refused_not_guessed():
    with pytest.raises(InputError, match="has a time zone but the request times do not"):
        date_bound("2025-01-01T12:00-08:00", _times(None), "start date")


@pytest.mark.parametrize("bad", ["soon", "", "NaT", "2025-13-45"])
def test_a_bound_that_is_not_a_date_is_refused_naming_it(bad):
    with pytest.raises(InputError, match=f"as_of {bad!r} is not a date"):
        date_bound(bad, _times(None), "as_of")


def test_the_loader_follows_the_rule_on_a_naive_export(shared_data):
    raw = pd.read_csv(shared_data / LA, usecols=["CreatedDate"])
    created = pd.to_datetime(raw["CreatedDate"], format="%m/%d/%Y %I:%M:%S %p")
    expected = int((created >= dt.datetime(2017, 12, 29)).sum())
    late = load_requests(shared_data / LA, "myla311", RequestFilter(start="2017-12-29"))
    assert len(late) == expected
    with pytest.raises(InputError, match="start date '2017-12-29T00:00-08:00' has a time zone"):
        load_requests(shared_data / LA, "myla311", RequestFilter(start="2017-12-29T00:00-08:00"))


def test_the_loader_follows_the_rule_on_a_tz_aware_export(demo_dir):
    profile = load_profile(demo_dir)
    raw = pd.read_csv(demo_dir / "requests.csv", usecols=["requested_datetime"])
    instants = pd.to_datetime(raw["requested_datetime"], utc=True, errors="coerce")
    cut = pd.Timestamp("2025-03-01T08:00:00Z")  # midnight at the demo's -08:00
    expected = int((instants >= cut).sum())
    for bound in ("2025-03-01", "2025-03-01T08:00:00Z", "2025-03-01T03:00:00-05:00"):
        later = load_requests(demo_dir / "requests.csv", columns_from_profile(profile),
                              RequestFilter(start=bound))
        assert len(later) == expected, bound


def test_overdue_is_open_and_older_than_the_sla_at_as_of():
    frame = pd.DataFrame({
        "created": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-01-08", "2025-01-01"]),
        "is_closed": [False, True, False, False],
        "type": ["A", "A", "A", "B"],
    })
    sla = sla_days_of(frame["type"], {"A": 5.0})  # B has no SLA: never overdue
    as_of = pd.Timestamp("2025-01-10")
    expected = [True, False, False, False]  # 9 days open; closed; 2 days open; no SLA
    assert past_sla(frame, sla, as_of).tolist() == expected


def test_catalog_and_staffing_read_as_the_files_are(demo_dir):
    profile = load_profile(demo_dir)
    catalog = load_catalog(profile)
    raw = pd.read_csv(demo_dir / "service_catalog.csv", dtype=str, keep_default_na=False)
    assert catalog["service_code"].tolist() == raw["service_code"].tolist()
    assert catalog["sla_days"].tolist() == pd.to_numeric(raw["sla_days"]).tolist()
    staffing = load_staffing(profile)
    crews = pd.read_csv(demo_dir / "staffing.csv").groupby("department")["crews"].sum()
    assert staffing.groupby("department")["crews"].sum().to_dict() == crews.to_dict()


@pytest.mark.parametrize(("name", "old", "new", "says"), [
    ("staffing.csv", "1,Code Enforcement,3", "1,Code Enforcement,three",
     "[services] staffing: crews must be a number >= 0; not in 1 row(s): 1 ('three')"),
    ("staffing.csv", "2,Code Enforcement,3", "2,Code Enforcement,-3",
     "[services] staffing: crews must be a number >= 0; not in 1 row(s): 2 ('-3')"),
    ("staffing.csv", "ward,department,crews", "ward,dept,crews",
     "[services] staffing: column(s) department missing"),
    ("service_catalog.csv", "Public Works,3,", "Public Works,soon,",
     "[services] catalog: sla_days must be a number >= 0; not in 1 row(s): GRAFFITI ('soon')"),
])
def test_a_bad_number_in_the_catalog_or_staffing_is_named(demo_dir, tmp_path, name, old, new,
                                                          says):
    copy = tmp_path / "demo"
    shutil.copytree(demo_dir, copy, ignore=shutil.ignore_patterns(".geo311-cache"))
    text = (copy / name).read_text()
    assert old in text
    (copy / name).write_text(text.replace(old, new, 1))
    profile = load_profile(copy)
    with pytest.raises(ProfileError) as caught:
        load_staffing(profile) if name == "staffing.csv" else load_catalog(profile)
    assert says in caught.value.message


def test_an_empty_sla_is_no_sla_not_an_error(demo_dir, tmp_path):
    copy = tmp_path / "demo"
    shutil.copytree(demo_dir, copy, ignore=shutil.ignore_patterns(".geo311-cache"))
    text = (copy / "service_catalog.csv").read_text()
    (copy / "service_catalog.csv").write_text(text.replace("Public Works,3,", "Public Works,,", 1))
    catalog = load_catalog(load_profile(copy)).set_index("service_code")
    assert pd.isna(catalog.loc["GRAFFITI", "sla_days"])
    assert catalog.loc["BULKY", "sla_days"] == 7
