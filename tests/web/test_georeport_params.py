"""GeoReport argument rules: empty = absent, jurisdiction, dates, lists, attributes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from geo311.errors import InputError, NotFoundError
from geo311.web.georeport_params import (
    comma_list,
    date_window,
    optional,
    parse_attributes,
    parse_bracketed,
    parse_datetime,
    resolve_jurisdiction,
)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_an_empty_optional_argument_is_absent(value):
    assert optional(value) is None


def test_a_single_jurisdiction_accepts_no_id_and_its_own():
    city = object()
    known = {"rivergate": city, "rivergate.gov": city}    # an id and its alias
    assert resolve_jurisdiction(None, known) is city
    assert resolve_jurisdiction("", known) is city
    assert resolve_jurisdiction("rivergate.gov", known) is city
    with pytest.raises(NotFoundError, match="'ashford' was not found"):
        resolve_jurisdiction("ashford", known)


def test_several_jurisdictions_need_the_id():
    known = {"rivergate": object(), "ashford": object()}
    with pytest.raises(InputError, match="not provided.*ashford, rivergate"):
        resolve_jurisdiction(None, known)
    assert resolve_jurisdiction("ashford", known) is known["ashford"]
    with pytest.raises(NotFoundError):
        resolve_jurisdiction("Ashford", known)


@pytest.mark.parametrize(("text", "expected"), [
    ("2010-01-01T00:00:00Z", datetime(2010, 1, 1, tzinfo=UTC)),
    ("2010-04-14T06:37:38-08:00",
     datetime(2010, 4, 14, 6, 37, 38, tzinfo=timezone(timedelta(hours=-8)))),
    ("2010-04-14T06:37-08:00", datetime(2010, 4, 14, 14, 37, tzinfo=UTC)),
    ("2010-04-14T06:37:38.5+02:00", datetime(2010, 4, 14, 4, 37, 38, 500000, tzinfo=UTC)),
    ("2010-01-01", datetime(2010, 1, 1, tzinfo=UTC)),
])
def test_w3c_datetimes(text, expected):
    moment = parse_datetime(text, "start_date")
    assert moment == expected and moment.utcoffset() is not None


@pytest.mark.parametrize("text", [
    "2010-01-01T00:00:00",            # no time zone
    "2010-01-01 00:00:00Z",           # space, not T
    "01/02/2010", "yesterday", "2010-02-30", "2010-01-01T25:00:00Z",
    "2010-01-01T00:00:00+25:00", "0001-01-01T00:00:00Z", "99999-01-01",
    "2010-01-01T00:00:00Z\x00", "١٢٣٤-01-01",
])
def test_other_dates_are_400_naming_the_argument(text):
    with pytest.raises(InputError, match="^end_date") as info:
        parse_datetime(text, "end_date")
    assert info.value.details["field"] == "end_date"


NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def test_the_default_window_is_the_last_90_days():
    assert date_window(None, None, now=NOW) == (NOW - 90 * DAY, NOW)


def test_one_bound_gives_a_90_day_window():
    start = datetime(2025, 1, 1, tzinfo=UTC)
    assert date_window(start, None) == (start, start + 90 * DAY)
    assert date_window(None, start) == (start - 90 * DAY, start)


def test_windows_of_at_most_90_days():
    start = datetime(2025, 1, 1, tzinfo=UTC)
    assert date_window(start, start + 90 * DAY) == (start, start + 90 * DAY)
    with pytest.raises(InputError, match="spans 91 days; the most is 90"):
        date_window(start, start + 91 * DAY)
    with pytest.raises(InputError, match="90"):
        date_window(start, start + 90 * DAY + timedelta(seconds=1))
    with pytest.raises(InputError, match="before"):
        date_window(start, start - DAY)


def test_comma_lists():
    assert comma_list(None, "status") is None
    assert comma_list(" , ", "status") is None
    assert comma_list("open, closed,open", "status", allowed=["open", "closed"]) == [
        "open", "closed"]
    with pytest.raises(InputError, match="'pending' is not one of open, closed"):
        comma_list("open,pending", "status", allowed=["open", "closed"])
    with pytest.raises(InputError, match="lists 3 values; the most is 2"):
        comma_list("a,b,c", "service_request_id", limit=2)


def test_attributes_single_and_multivalue():
    pairs = [("api_key", "k"), ("attribute[WHISPAWN]", "123456"),
             ("attribute[colors][]", "red"), ("attribute[colors][]", "blue"),
             ("attribute[blank]", ""), ("attribute[note]", "<script>")]
    assert parse_attributes(pairs) == {"WHISPAWN": ["123456"], "colors": ["red", "blue"],
                                       "note": ["<script>"]}


@pytest.mark.parametrize("arg", ["attribute", "attribute[]", "attribute[a][b]",
                                 "attribute[a", "attribute[ ]"])
def test_malformed_attribute_arguments_are_400(arg):
    with pytest.raises(InputError, match="attribute\\[code\\]"):
        parse_attributes([(arg, "x")])


def test_district_filter():
    pairs = [("district[ward]", "10"), ("district[ward]", "3"), ("district[police]", "7"),
             ("attribute[x]", "y")]
    assert parse_bracketed(pairs, "district") == {"ward": ["10", "3"], "police": ["7"]}
