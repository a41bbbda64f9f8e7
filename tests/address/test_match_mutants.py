"""The matcher's scores, reasons and suggestions on a hand-made town whose answers are known.

Written against the mutants of ``address/match.py``: every number below follows from the
rules in the module's docstring and the town's layout (no centrelines, so a number that
is not an address point is placed between points or is street-only); the nearest-number
suggestions are checked against a pandas sort written here. A second town has centrelines
(ranges, gaps, potential ranges, streets meeting once, twice or not at all) and streets known
by their points only, whose lines cross: its places are computed here in the metric CRS.
"""

from __future__ import annotations

import dataclasses
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer

from geo311.address.match import Matcher, MatchType, is_swap
from geo311.address.parse import parse
from geo311.address.reference import AddressReference
from geo311.address.validate import Validator
from geo311.errors import NotFoundError
from geo311.profile import AddressSettings, Profile

LON0, LAT0 = -119.9, 36.3


def town_points() -> pd.DataFrame:
    """The address points: two Main Sts by directional, Main Ave, numbered streets, units."""
    rows = []
    for n in range(100, 122):  # N MAIN ST 100..121, odd on the west side
        rows.append((f"{n} N MAIN ST", "93690", LON0 + (-1e-4 if n % 2 else 1e-4),
                     LAT0 + 1e-4 + (n - 100) * 1e-5))
    for n in range(100, 111, 2):  # S MAIN ST 100..110, even only
        rows.append((f"{n} S MAIN ST", "93691", LON0 + 1e-4, LAT0 - 1e-4 - (n - 100) * 1e-5))
    rows += [("200 MAIN AVE", "93692", LON0 + 0.01, LAT0),
             ("202 MAIN AVE", "93692", LON0 + 0.01, LAT0 + 1e-4),
             ("50 5TH ST", "93693", LON0 + 0.02, LAT0),
             ("50 15TH ST", "93693", LON0 + 0.03, LAT0),
             ("5 BROADWAY", "93693", LON0 + 0.04, LAT0),
             ("10 ELM ST APT 1", "93694", LON0 + 0.05, LAT0),
             ("10 ELM ST APT 2", "93694", LON0 + 0.05, LAT0 + 1e-5),
             ("12 ELM ST", "93694", LON0 + 0.05, LAT0 + 1e-4),
             ("20 OAK ST", "93695", LON0 + 0.06, LAT0),
             ("24 OAK ST", "93696", LON0 + 0.06, LAT0 + 4e-4),
             ("30 OAK ST", "93697", LON0 + 0.06, LAT0 + 0.01)]
    return pd.DataFrame(rows, columns=["address", "zip", "x", "y"])


@pytest.fixture(scope="module")
def town(profile: Profile, tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    root = tmp_path_factory.mktemp("town")
    town_points().to_csv(root / "points.csv", index=False)
    table = {"points": "points.csv", "full_address_field": "address", "zip_field": "zip",
             "lon_field": "x", "lat_field": "y"}
    tiny = dataclasses.replace(profile, path=root / "profile.toml",
                               addresses=AddressSettings(**table))
    return Matcher(AddressReference.from_profile(tiny, cache_dir=root / "cache"))


def point(address: str) -> tuple[float, float]:
    frame = town_points()
    row = frame[frame["address"] == address].iloc[0]
    return float(row["x"]), float(row["y"])


def street_points(street: str) -> list[tuple[float, float]]:
    frame = town_points()
    on = frame[frame["address"].str.split(" ", n=1).str[1] == street]
    return list(zip(on["x"].astype(float), on["y"].astype(float), strict=True))


def metres(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Oracle: the geodesic distance (pyproj), not the matcher's flat approximation."""
    return float(Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)[2])


def gap_weight(gap: int) -> float:
    """The street-only weight by the difference to the nearest number (match._GAP_WEIGHTS)."""
    return 2.9 if gap < 10 else 0.5 if gap < 100 else 0.03


def best(town: Matcher, text: str):
    return town.match(parse(text)).best


def test_an_address_point_is_exact_with_its_place_and_zip(town: Matcher) -> None:
    result = town.match(parse("104 N Main St"))
    assert result.match_type is MatchType.EXACT and result.notes == []
    c = result.best
    assert (c.address, c.number, c.zip, c.score, c.reason) == (
        "104 N MAIN ST", 104, "93690", 1.0, None)
    assert (c.lon, c.lat) == point("104 N MAIN ST")
    assert result.suggestions == [c]


@pytest.mark.parametrize(("text", "address", "score", "reason"), [
    ("116 Main St", "116 N MAIN ST", 0.95, "directional missing"),
    ("116 Main St N", "116 N MAIN ST", 0.98, "directional moved"),
    ("116 E Main St", "116 N MAIN ST", 0.8, "directional differs"),
    ("200 N Main Ave", "200 MAIN AVE", 0.9, "directional not on this street"),
    ("116 N Main", "116 N MAIN ST", 0.95, "suffix missing"),
    ("5 Broadway St", "5 BROADWAY", 0.9, "suffix not on this street"),
    ("116 N Main Ave", "116 N MAIN ST", 0.85, "suffix differs"),
    ("116 Main", "116 N MAIN ST", 0.9, "directional missing; suffix missing"),
    ("116 N Main St, 93699", "116 N MAIN ST", 0.6, "ZIP differs"),  # sharply lower
])
def test_each_difference_costs_its_score_and_names_its_reason(town, text, address, score,
                                                               reason) -> None:
    c = best(town, text)
    assert (c.address, c.reason) == (address, reason)
    assert c.score == pytest.approx(score, abs=1e-9)
    assert c.match_type is MatchType.EXACT


def test_the_zip_decides_between_streets_of_one_name(town: Matcher) -> None:
    result = town.match(parse("104 Main St"))
    assert [(c.address, c.score) for c in result.suggestions[:2]] == [
        ("104 N MAIN ST", 0.95), ("104 S MAIN ST", 0.95)]  # equal scores: by address
    result = town.match(parse("104 Main St, 93691"))
    assert [(c.address, c.reason) for c in result.suggestions[:2]] == [
        ("104 S MAIN ST", "directional missing"),
        ("104 N MAIN ST", "directional missing; ZIP differs")]
    assert result.suggestions[1].score == pytest.approx(0.95 * 0.6)
    assert town.match(parse("104 Main St"), limit=1).suggestions[0].address == "104 N MAIN ST"
    assert len(town.match(parse("104 Main St"), limit=1).suggestions) == 1


def test_units_pick_the_row_or_say_why_not(town: Matcher) -> None:
    cases = {
        "10 Elm St Apt 2": ("10 ELM ST APT 2", MatchType.EXACT, 1.0, None),
        "10 Elm St #2": ("10 ELM ST APT 2", MatchType.EXACT, 1.0, "unit designator differs"),
        "10 Elm St Apt 9": ("10 ELM ST", MatchType.EXACT_IGNORING_UNIT, 0.97, "unit not found"),
        "12 Elm St Apt 3": ("12 ELM ST APT 3", MatchType.EXACT, 1.0, "unit not in reference"),
        "10 Elm St": ("10 ELM ST", MatchType.EXACT, 1.0, None),
    }
    for text, (address, kind, score, reason) in cases.items():
        result = town.match(parse(text))
        c = result.best
        assert (c.address, result.match_type, c.match_type, c.reason) == (
            address, kind, kind, reason), text
        assert c.score == pytest.approx(score), text
    assert (best(town, "10 Elm St Apt 2").lon, best(town, "10 Elm St Apt 2").lat) == point(
        "10 ELM ST APT 2")
    # the unit reason comes last, after the street's
    c = best(town, "10 Elm Apt 9")
    assert c.reason == "suffix missing; unit not found"
    assert c.score == pytest.approx(0.95 * 0.97)


def nearest_numbers(street: str, number: int, k: int) -> list[int]:
    """Oracle: the street's numbers by distance to ``number``, same parity first on ties."""
    frame = town_points()
    on = frame[frame["address"].str.split(" ", n=1).str[1] == street]
    numbers = pd.DataFrame({"n": on["address"].str.split(" ").str[0].astype(int)})
    numbers["gap"] = (numbers["n"] - number).abs()
    numbers["other_parity"] = numbers["n"] % 2 != number % 2
    return numbers.sort_values(["gap", "other_parity"])["n"].head(k).tolist()


@pytest.mark.parametrize("number", [150, 131, 97, 60])
def test_a_number_beyond_the_street_is_street_only_with_the_nearest_numbers(town, number):
    result = town.match(parse(f"{number} N Main St"), limit=5)
    assert result.match_type is MatchType.STREET_ONLY and result.notes == ["number_out_of_range"]
    nearest = nearest_numbers("N MAIN ST", number, 5)
    first = result.best
    assert (first.address, first.number) == ("N MAIN ST", None)
    assert first.reason == f"number out of range, nearest is {nearest[0]}"
    weight = gap_weight(abs(nearest[0] - number))
    assert first.score == pytest.approx(0.3 * weight)
    assert first.precision_m == pytest.approx(30 + 2.5 * abs(nearest[0] - number))
    assert (first.lon, first.lat) == point(f"{nearest[0]} N MAIN ST")
    assert first.spread.shape == (9, 2) and tuple(first.spread[0]) == (first.lon, first.lat)
    ring = [metres(first.lon, first.lat, *p) for p in first.spread[1:]]
    assert ring == pytest.approx([first.precision_m] * 8, rel=0.01)
    assert result.ambiguous is False  # one street
    rest = result.suggestions[1:]
    assert [c.number for c in rest] == nearest[:4]
    for k, c in enumerate(rest):
        assert c.address == f"{c.number} N MAIN ST"
        assert c.score == pytest.approx(0.3 * weight * (0.99 - 0.01 * k))
        assert c.reason == f"nearest existing number to {number}"
        assert (c.lon, c.lat) == point(c.address) and c.zip == "93690"
        assert c.precision_m == 5.0


def test_an_absurd_number_is_somewhere_on_the_street_not_far_beyond_the_town(town):
    """99999 N Main St is no address of the street: its precision is bounded by the town's
    address points (the farthest corner of their box, plus 200 numbers), not 250 km."""
    first = town.match(parse("99999 N Main St")).best
    assert first.reason == "number out of range, nearest is 121"
    frame = town_points()
    corners = [(x, y) for x in (frame["x"].min(), frame["x"].max())
               for y in (frame["y"].min(), frame["y"].max())]
    far = max(metres(first.lon, first.lat, x, y) for x, y in corners)
    assert 30 + 2.5 * (99999 - 121) > far + 500
    assert first.precision_m == pytest.approx(far + 2.5 * 200, rel=0.005)


def test_a_street_without_a_number_is_placed_at_its_middle_number(town: Matcher) -> None:
    result = town.match(parse("N Main St"))
    assert result.match_type is MatchType.STREET_ONLY and result.notes == ["no_number"]
    c = result.best
    assert (c.address, c.reason, c.zip) == ("N MAIN ST", "no house number", "93690")
    assert (c.lon, c.lat) == point("111 N MAIN ST")  # the 12th of 22 numbers 100..121
    assert c.score == pytest.approx(0.1)  # a third of a street-only score
    assert c.precision_m == pytest.approx(max(max(metres(*p, c.lon, c.lat) for p in
                                                  street_points("N MAIN ST")), 30.0), abs=0.1)


def test_a_gap_between_close_points_is_interpolated(town: Matcher) -> None:
    c = best(town, "22 Oak St")
    assert c.match_type is MatchType.POINT_INTERPOLATED and c.reason is None
    assert (c.address, c.number, c.spread) == ("22 OAK ST", 22, None)
    assert c.zips == frozenset({"93695", "93696"})
    assert c.precision_m == round(c.precision_m, 1)
    assert c.precision_m == pytest.approx(10 + 0.15 * metres(*point("20 OAK ST"),
                                                             *point("24 OAK ST")), abs=0.2)
    # a ZIP given that neither neighbor has: a street-level place
    assert best(town, "22 Oak St, 93699").match_type is MatchType.STREET_INTERPOLATED
    assert c.score == pytest.approx(0.85) and c.zip == "93695"  # the ZIP of the number below
    (x0, y0), (x1, y1) = point("20 OAK ST"), point("24 OAK ST")
    assert (c.lon, c.lat) == pytest.approx(((x0 + x1) / 2, (y0 + y1) / 2), abs=1e-12)
    # 24 and 30 are more than 400 m apart: a street-level interpolation, its precision a
    # share of their distance, its spread the line between them
    far = town.match(parse("26 Oak St"))
    assert far.match_type is MatchType.STREET_INTERPOLATED and far.best.reason is None
    assert (far.best.address, far.best.number) == ("26 OAK ST", 26)
    assert far.best.score == 0.65  # a span of 1 to 3 km
    assert far.best.spread.shape == (9, 2)
    (x2, y2) = point("30 OAK ST")
    t = (26 - 24) / (30 - 24)
    assert (far.best.lon, far.best.lat) == pytest.approx((x1 + t * (x2 - x1), y1 + t * (y2 - y1)),
                                                         abs=1e-12)
    span = metres(x1, y1, x2, y2)
    assert span > 400
    assert far.best.precision_m == pytest.approx(10 + 0.15 * span, rel=0.01)
    assert far.best.spread[0].tolist() == [x1, y1] and far.best.spread[-1].tolist() == [x2, y2]
    # an odd number has no odd neighbors on Oak St
    assert town.match(parse("23 Oak St")).match_type is MatchType.STREET_ONLY


@pytest.mark.parametrize(("text", "address", "reason", "similarity", "lengths"), [
    ("104 N Mian St", "104 N MAIN ST", "one-letter typo", 1 - 1 / 4, (4, 4)),
    ("104 N Bain St", "104 N MAIN ST", "one-letter typo", 1 - 1 / 4, (4, 4)),
    ("104 N Mainn St", "104 N MAIN ST", "one-letter typo", 1 - 1 / 5, (5, 4)),
    ("10 Eml St", "10 ELM ST", "one-letter typo", 1 - 1 / 3, (3, 3)),
    ("5 Broadwya", "5 BROADWAY", "one-letter typo", 1 - 1 / 8, (8, 8)),
    ("5 Broodwaz", "5 BROADWAY", "spelling differs", 1 - 2 / 8, (8, 8)),
])
def test_a_misspelt_street_is_fuzzy_with_its_similarity(town, text, address, reason,
                                                        similarity, lengths) -> None:
    result = town.match(parse(text))
    assert result.match_type is MatchType.FUZZY
    c = result.best
    assert (c.address, c.reason, c.match_type) == (address, reason, MatchType.FUZZY)
    a, b = lengths
    assert c.score == pytest.approx(similarity * (1 - 0.3 * abs(a - b) / max(a, b)), abs=1e-6)
    assert c.score == round(c.score, 6)  # scores are rounded to six decimals


@pytest.mark.parametrize("text", [
    "50 6th St",      # one edit from 5TH, but another number
    "50 25th St",     # 25 is not 15
    "10 Flm St",      # three letters: a different first letter is not a slip
    "104 N Xqzk St",  # nothing close
])
def test_absurd_fuzzy_matches_are_refused(town: Matcher, text: str) -> None:
    result = town.match(parse(text))
    assert result.match_type is MatchType.NOT_FOUND and result.notes == ["street_not_found"]
    assert result.best is None and result.suggestions == []


def test_a_misspelt_street_that_exists_keeps_the_street_first(town: Matcher) -> None:
    # 5TH ST exists without number 52: the street first, a fuzzy 15TH ST is not offered
    result = town.match(parse("50 5th St"))
    assert result.best.address == "50 5TH ST" and result.match_type is MatchType.EXACT
    result = town.match(parse("51 Elm St"))
    assert result.match_type is MatchType.STREET_ONLY
    assert all(c.match_type is MatchType.STREET_ONLY for c in result.suggestions)


def test_reverse_returns_the_nearest_point_with_its_unit(town: Matcher) -> None:
    for address in ("10 ELM ST APT 2", "105 N MAIN ST", "5 BROADWAY"):
        lon, lat = point(address)
        found, distance = town.reverse(lon, lat + 1e-6)
        assert found == address
        assert distance == pytest.approx(0.111, abs=0.01)  # 1e-6 degree of latitude


def test_po_box_and_missing_street(town: Matcher) -> None:
    result = town.match(parse("PO Box 9"))
    assert (result.match_type, result.best, result.notes) == (MatchType.NOT_FOUND, None,
                                                              ["po_box"])



def test_an_inexact_direct_hit_still_lists_the_other_streets_of_the_name(town: Matcher) -> None:
    result = town.match(parse("104 N Main St Apt 9"))
    assert result.match_type is MatchType.EXACT  # no units stored on Main St
    assert [(c.address, c.reason) for c in result.suggestions[:2]] == [
        ("104 N MAIN ST APT 9", "unit not in reference"),
        ("104 S MAIN ST APT 9", "directional differs; unit not in reference")]


# ---------------------------------------------------------------- a directional given is evidence


@pytest.fixture(scope="module")
def town_validator(profile: Profile, town: Matcher) -> Validator:
    return Validator(profile, reference=town.reference)  # the demo's map, the town's streets


def numbers_on(street: str) -> set[int]:
    """Oracle: the numbers the town table has on ``street``."""
    frame = town_points()
    on = frame[frame["address"].str.split(" ", n=1).str[1] == street]
    return set(on["address"].str.split(" ").str[0].astype(int))


def test_a_given_directional_is_not_silently_swapped(town: Matcher) -> None:
    assert 116 in numbers_on("N MAIN ST") and 116 not in numbers_on("S MAIN ST")
    result = town.match(parse("116 S Main St"))
    # S MAIN ST exists, only not with 116 (its points end at 110): both could be the place
    assert result.ambiguous is True
    found = {c.address: c for c in result.suggestions}
    assert "116 N MAIN ST" in found and "directional differs" in found["116 N MAIN ST"].reason
    assert "S MAIN ST" in found and found["S MAIN ST"].match_type is MatchType.STREET_ONLY


def test_the_zip_decides_between_the_given_and_the_swapped_directional(town, town_validator):
    swapped = town_validator.validate("116 S Main St, 93690")  # N MAIN ST's ZIP
    assert swapped["status"] == "corrected" and swapped["address"] == "116 N MAIN ST"
    assert swapped["confidence"] <= 0.7  # below the valid band, the reason said
    assert "directional differs" in swapped["suggestions"][0]["reason"]
    given = town_validator.validate("116 S Main St, 93691")  # S MAIN ST's ZIP
    assert given["status"] == "approximate" and given["address"] == "S MAIN ST"
    assert given["match_type"] == "street_only" and given["precision_m"] > 0
    assert "116 N MAIN ST" in [s["address"] for s in given["suggestions"]]


def test_the_given_form_wins_when_it_has_the_number(town_validator) -> None:
    answer = town_validator.validate("104 S Main St")
    assert (answer["status"], answer["address"]) == ("valid", "104 S MAIN ST")
    assert answer["precision_m"] == 5.0 and answer["district_certain"] in (True, False)


def test_a_swap_is_the_answer_only_when_the_given_form_does_not_exist(town_validator) -> None:
    assert not numbers_on("E MAIN ST")
    answer = town_validator.validate("116 E Main St")
    assert (answer["status"], answer["address"]) == ("corrected", "116 N MAIN ST")
    assert answer["confidence"] <= 0.7


def test_a_zip_that_contradicts_lowers_confidence_sharply(town_validator) -> None:
    right = town_validator.validate("116 N Main St, 93690")["confidence"]
    wrong = town_validator.validate("116 N Main St, 93699")["confidence"]
    assert right == 1.0 and wrong <= 0.6


# ---------------------------------------------------------------- a town with centrelines

OFFSET_M = 12.0  # the set-off from the centreline the town's profile asks for


def line(*points: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(LON0 + dx, LAT0 + dy) for dx, dy in points])


# FULLNAME, geometry (offsets from LON0/LAT0), LFROM, LTO, RFROM, RTO, ZIPL, ZIPR, potential L
SEGMENTS = [
    # Elm Ave runs north in two pieces with a gap: 200..299 are on no segment
    ("Elm Ave", line((0, 0), (0, 0.002)), 101, 199, 100, 198, "93701", "93702", (0, 0)),
    ("Elm Ave", line((0, 0.003), (0, 0.005)), 301, 399, 300, 398, "93701", "93719", (0, 0)),
    # 1st St ends on Elm Ave from both sides (a node of Elm Ave's line, not of its segments)
    ("1st St", line((-0.002, 0.001), (0, 0.001)), 1, 99, 2, 98, "93701", "93701", (0, 0)),
    ("1st St", line((0, 0.001), (0.002, 0.001)), 101, 199, 100, 198, "93702", "93702", (0, 0)),
    # Loop Rd leaves Elm Ave and comes back to it 111 m farther north: two meetings
    ("Loop Rd", line((0, 0.0035), (-0.001, 0.0035), (-0.001, 0.0045), (0, 0.0045)),
     1, 99, 2, 98, "93701", "93701", (0, 0)),
    # N Oak St holds 1..50 only; S Oak St is known by its points (500)
    ("N Oak St", line((0.005, 0), (0.005, 0.002)), 1, 49, 2, 50, "93703", "93703", (0, 0)),
    # Ash St: no left range but a potential one
    ("Ash St", line((0.01, 0), (0.01, 0.002)), 0, 0, 2, 98, "93704", "93704", (1, 99)),
    # Bay St: the same range on two segments, told apart by their ZIPs
    ("Bay St", line((0.015, 0), (0.015, 0.002)), 1, 99, 2, 98, "93705", "93705", (0, 0)),
    ("Bay St", line((0.02, 0), (0.02, 0.002)), 1, 99, 2, 98, "93706", "93706", (0, 0)),
    # Clay St: a mixed-parity left range
    ("Clay St", line((0.025, 0), (0.025, 0.002)), 1, 100, 0, 0, "93707", "93707", (0, 0)),
    # Wren St: an empty left side, a right range running down to 0; Dove St: a left range
    # with one end only (no range), a right range from 0
    ("Wren St", line((0.03, 0), (0.03, 0.002)), 0, 0, 98, 0, "93709", "93709", (0, 0)),
    ("Dove St", line((0.035, 0), (0.035, 0.002)), -1, 99, 0, 98, "93709", "93709", (0, 0)),
    # N Pike Rd: a centreline holding 50
    ("N Pike Rd", line((0.065, -0.01), (0.065, -0.008)), 1, 99, 2, 98, "93725", "93725", (0, 0)),
    # Long Rd: a centreline and points, crossing the points of Pine St
    ("Long Rd", line((-0.0015, -0.021), (-0.0015, -0.019)), 1, 99, 2, 98, "", "", (0, 0)),
    # nine streets called Quail: Hub St meets Quail Way and Quail St N (the worst hit for
    # "Quail", dropped as the ninth)
    ("Hub St", line((0.04, 0.01), (0.05, 0.01)), 1, 99, 2, 98, "", "", (0, 0)),
    ("Quail Way", line((0.042, 0.01), (0.042, 0.011)), 1, 99, 2, 98, "", "", (0, 0)),
    ("Quail St N", line((0.046, 0.01), (0.046, 0.011)), 1, 99, 2, 98, "", "", (0, 0)),
    *((f"Quail {suffix}", line((0.04 + 0.001 * k, 0.02), (0.04 + 0.001 * k, 0.021)),
       1, 99, 2, 98, "", "", (0, 0))
      for k, suffix in enumerate(["Ave", "Ct", "Dr", "Ln", "Pl", "Rd", "St"])),
    # Mid St: five segments of five vertices in a row, south to north; Bare St: no ranges
    *(("Mid St", line(*((0.05, 0.00101 * k + 0.00025 * v) for v in range(5))),
       100 * k + 1, 100 * k + 99, 100 * k, 100 * k + 98, "93715", "93715", (0, 0))
      for k in range(5)),
    ("Bare St", line((0.055, 0), (0.055, 0.001)), 0, 0, 0, 0, "93716", "93716", (0, 0)),
    # streets ending on 1st St or Elm Ave in pairs, 1.8 m apart (one place) or 36 m (two)
    ("N Twin Rd", line((0.001, 0.001), (0.001, 0.0015)), 1, 99, 2, 98, "", "", (0, 0)),
    ("S Twin Rd", line((0.00102, 0.001), (0.00102, 0.0005)), 1, 99, 2, 98, "", "", (0, 0)),
    ("E Wide Rd", line((0, 0.0015), (0.0005, 0.0015)), 1, 99, 2, 98, "", "", (0, 0)),
    ("W Wide Rd", line((0, 0.00152), (-0.0005, 0.00152)), 1, 99, 2, 98, "", "", (0, 0)),
    ("N Fork Rd", line((0.0014, 0.001), (0.0014, 0.0013)), 1, 99, 2, 98, "", "", (0, 0)),
    ("S Fork Rd", line((0.0018, 0.001), (0.0018, 0.0007)), 1, 99, 2, 98, "", "", (0, 0)),
]


def lined_points() -> pd.DataFrame:
    """Points of the streets without centrelines: S Oak St, Pine St, two Birch Aves, Cedar St."""
    rows = [("500 S OAK ST", "93708", LON0 + 0.005, LAT0 - 0.01),
            ("9 ROSE LN BLDG A APT 4", "93708", LON0 + 0.006, LAT0 - 0.01),
            ("9 ROSE LN BLDG A APT 5", "93708", LON0 + 0.006, LAT0 - 0.0101),
            ("7 ROSE LN", "93708", LON0 + 0.006, LAT0 - 0.0102),
            ("7A ROSE LN", "93708", LON0 + 0.006, LAT0 - 0.0103),
            ("9 1/2 ROSE LN", "93708", LON0 + 0.006, LAT0 - 0.0104),
            ("20 GALL ST", "93717", LON0 + 0.0075, LAT0 - 0.01),
            ("122 N GULL ST", "93717", LON0 + 0.007, LAT0 - 0.0095),
            # Lark St: 10 and 20 359 m apart west to east; Kite St: 100, 300, 500; Hare St: two
            # points 111 m apart; Fox St: 13 and 15
            ("10 LARK ST", "93721", LON0 + 0.1, LAT0), ("20 LARK ST", "93721", LON0 + 0.104, LAT0),
            *((f"{n} KITE ST", "93721", LON0 + 0.11, LAT0 + n * 1e-6) for n in (100, 300, 500)),
            ("1 HARE ST", "93721", LON0 + 0.12, LAT0), ("3 HARE ST", "93721", LON0 + 0.12,
                                                         LAT0 + 0.001),
            ("13 FOX ST", "93721", LON0 + 0.13, LAT0), ("15 FOX ST", "93721", LON0 + 0.13,
                                                         LAT0 + 1e-4),
            # eleven names one letter from HOLT
            *((f"1 {name} ST", "93722", LON0 + 0.14 + 0.001 * k, LAT0)
              for k, name in enumerate(["HALT", "HILT", "HOLD", "HOLE", "HOLM", "HOST", "HOOT",
                                        "HOLY", "HOYT", "HULT", "HELT"])),
            # 20 on N and S Gull St (a directional to guess) and on Gull Ave (a swap)
            ("20 N GULL ST", "93717", LON0 + 0.007, LAT0 - 0.01),
            ("20 S GULL ST", "93720", LON0 + 0.007, LAT0 - 0.011),
            ("20 GULL AVE", "93717", LON0 + 0.007, LAT0 - 0.012),
            # 30 on Wolf St and N Wolf St (the given form and a guess) and Wolf Ave (a swap)
            ("30 WOLF ST", "93718", LON0 + 0.008, LAT0 - 0.01),
            ("30 N WOLF ST", "93718", LON0 + 0.008, LAT0 - 0.011),
            ("30 WOLF AVE", "93723", LON0 + 0.008, LAT0 - 0.012),
            # Mole Ave has 40, Mole St 41; Molt Ave and Mule Ave, a letter away, have 41
            ("40 MOLE AVE", "93724", LON0 + 0.009, LAT0 - 0.01),
            ("41 MOLE ST", "93724", LON0 + 0.009, LAT0 - 0.011),
            ("41 MOLT AVE", "93724", LON0 + 0.009, LAT0 - 0.012),
            ("41 MULE AVE", "93724", LON0 + 0.009, LAT0 - 0.013),
            # Pike Ave has 50 (a swap for "50 Pike Rd"); Lynx Rd, which "Pike Ln" names, has 49
            ("50 PIKE AVE", "93725", LON0 + 0.06, LAT0 - 0.01),
            ("49 LYNX RD", "93725", LON0 + 0.06, LAT0 - 0.011)]
    y = LAT0 - 0.02
    for k in range(9):  # Pine St: a line west to east through (LON0, y), 360 m long
        rows.append((f"{1 + 2 * k} PINE ST", "93710", LON0 - 0.002 + 0.0005 * k, y))
    for k in range(6):  # N and S Birch Ave: 56 m each north and south of Pine St
        rows.append((f"{2 + 2 * k} N BIRCH AVE", "93711", LON0 + 0.0003, y + 1e-4 * (k + 1)))
        rows.append((f"{2 + 2 * k} S BIRCH AVE", "93711", LON0 + 0.0003, y - 1e-4 * (k + 1)))
    for k in range(8):  # Cedar St: crosses Pine St in 93712 (3 points), runs 360 m east in 93713
        if k in (0, 3, 7):
            rows.append((f"{1 + 2 * k} CEDAR ST", "93712", LON0 - 0.001,
                         y - 0.0008 + 2e-4 * k))
        rows.append((f"{101 + 2 * k} CEDAR ST", "93713", LON0 + 0.003, y - 0.0008 + 2e-4 * k))
    for k in range(6):  # Birch Ave (no directional): 320 m east, far north of Pine St
        rows.append((f"{2 + 2 * k} BIRCH AVE", "93711", LON0 + 0.0036, y + 0.005 + 2e-4 * k))
    for k in range(6):  # Long Rd's points, on its centreline
        rows.append((f"{1 + 2 * k} LONG RD", "93714", LON0 - 0.0015, y - 6e-4 + 2.4e-4 * k))
    return pd.DataFrame(rows, columns=["address", "zip", "x", "y"])


@pytest.fixture(scope="module")
def lined(profile: Profile, tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    root = tmp_path_factory.mktemp("lined")
    lined_points().to_csv(root / "points.csv", index=False)
    columns = ["FULLNAME", "geometry", "LFROMADD", "LTOADD", "RFROMADD", "RTOADD", "ZIPL",
               "ZIPR", "potential"]
    frame = pd.DataFrame(SEGMENTS, columns=columns)
    frame["POTENTIAL_LFROMADD"] = [p[0] for p in frame["potential"]]
    frame["POTENTIAL_LTOADD"] = [p[1] for p in frame["potential"]]
    gpd.GeoDataFrame(frame.drop(columns="potential"), geometry="geometry", crs="EPSG:4326"
                     ).to_file(root / "lines.geojson", driver="GeoJSON")
    # two rows naming Elm Ave (one without its suffix): "Chavez" finds it twice
    # and Fox Ave names Hare St, while Fox St is a street of its own
    pd.DataFrame({"alias": ["Chavez Pkwy", "Chavez Rd", "Fox Ave", "Pike Ln"],
                  "street": ["Elm Ave", "Elm", "Hare St", "Lynx Rd"]}).to_csv(
        root / "aliases.csv", index=False)
    table = {"points": "points.csv", "full_address_field": "address", "zip_field": "zip",
             "lon_field": "x", "lat_field": "y", "centerlines": "lines.geojson",
             "aliases": "aliases.csv", "centerline_offset_m": OFFSET_M}
    tiny = dataclasses.replace(profile, path=root / "profile.toml",
                               addresses=AddressSettings(**table))
    return Matcher(AddressReference.from_profile(tiny, cache_dir=root / "cache"))


@pytest.fixture(scope="module")
def to_metric(profile: Profile) -> Transformer:
    return Transformer.from_crs("EPSG:4326", profile.metric_crs, always_xy=True)


def on_segment(to_metric: Transformer, name: str, index: int, fraction: float,
               side: int) -> tuple[float, float]:
    """Oracle: the point ``fraction`` along a straight two-vertex segment, OFFSET_M to its
    left (side 1) or right (side -1), computed here in the metric CRS."""
    geometry = [s[1] for s in SEGMENTS if s[0] == name][index]
    (x0, y0), (x1, y1) = (to_metric.transform(*xy) for xy in geometry.coords[:2])
    length = math.hypot(x1 - x0, y1 - y0)
    tx, ty = (x1 - x0) / length, (y1 - y0) / length
    x = x0 + fraction * (x1 - x0) - side * OFFSET_M * ty
    y = y0 + fraction * (y1 - y0) + side * OFFSET_M * tx
    return to_metric.transform(x, y, direction="INVERSE")


LEFT_SIDE, RIGHT_SIDE = 1, -1


@pytest.mark.parametrize(("text", "segment", "fraction", "side", "zip_code"), [
    ("151 Elm Ave", 0, 50 / 98, LEFT_SIDE, "93701"),
    ("150 Elm Ave", 0, 50 / 98, RIGHT_SIDE, "93702"),
    ("398 Elm Ave", 1, 1.0, RIGHT_SIDE, "93719"),
    ("300 Elm Ave", 1, 0.0, RIGHT_SIDE, "93719"),
    ("399 Elm Ave", 1, 1.0, LEFT_SIDE, "93701"),
    ("301 Elm Ave", 1, 0.0, LEFT_SIDE, "93701"),
])
def test_a_number_in_a_range_is_placed_on_its_side(lined, to_metric, text, segment,
                                                    fraction, side, zip_code):
    result = lined.match(parse(text))
    assert result.match_type is MatchType.CENTERLINE and result.notes == []
    c = result.best
    assert (c.address, c.number, c.reason, c.zip, c.score, c.precision_m) == (
        text.upper(), int(text.split()[0]), None, zip_code, 0.9, 25.0)
    assert (c.lon, c.lat) == pytest.approx(on_segment(to_metric, "Elm Ave", segment, fraction,
                                                      side), abs=1e-8)


def test_a_potential_range_places_the_number_trusted_less(lined, to_metric):
    c = lined.match(parse("51 Ash St")).best
    assert (c.match_type, c.score, c.precision_m) == (MatchType.CENTERLINE, 0.81, 40.0)
    assert (c.lon, c.lat) == pytest.approx(on_segment(to_metric, "Ash St", 0, 50 / 98,
                                                      LEFT_SIDE), abs=1e-8)
    c = lined.match(parse("50 Ash St")).best
    assert (c.match_type, c.score, c.precision_m) == (MatchType.CENTERLINE, 0.9, 25.0)


def test_a_mixed_parity_range_holds_both_parities(lined, to_metric):
    for number in (50, 51):
        c = lined.match(parse(f"{number} Clay St")).best
        assert c.match_type is MatchType.CENTERLINE
        assert (c.lon, c.lat) == pytest.approx(on_segment(to_metric, "Clay St", 0,
                                                          (number - 1) / 99, LEFT_SIDE),
                                               abs=1e-8)


@pytest.mark.parametrize(("text", "fraction"), [("50 Wren St", 48 / 98),
                                               ("50 Dove St", 50 / 98)])
def test_ranges_from_or_to_zero_hold_their_numbers(lined, to_metric, text, fraction):
    c = lined.match(parse(text)).best
    assert c.match_type is MatchType.CENTERLINE
    street = text.split(" ", 1)[1]
    assert (c.lon, c.lat) == pytest.approx(on_segment(to_metric, street, 0, fraction,
                                                      RIGHT_SIDE), abs=1e-8)


@pytest.mark.parametrize("text", ["1 Wren St", "51 Dove St"])
def test_an_empty_or_half_given_side_holds_no_number(lined, text):
    assert lined.match(parse(text)).match_type is MatchType.STREET_ONLY


@pytest.mark.parametrize(("zip_code", "segment"), [("93705", 0), ("93706", 1)])
def test_the_zip_given_picks_the_segment(lined, to_metric, zip_code, segment):
    c = lined.match(parse(f"50 Bay St, {zip_code}")).best
    plus4 = dataclasses.replace(parse("50 Bay St"), zip=f"{zip_code}-1234")
    assert lined.match(plus4).best.zip == zip_code
    assert (c.match_type, c.zip, c.reason, c.score) == (MatchType.CENTERLINE, zip_code, None,
                                                        0.9)
    assert (c.lon, c.lat) == pytest.approx(on_segment(to_metric, "Bay St", segment, 48 / 96,
                                                      RIGHT_SIDE), abs=1e-8)


def metric_distance(a: tuple[float, float], b: tuple[float, float],
                    to_metric: Transformer) -> float:
    """Oracle: the distance in the metric CRS."""
    (x0, y0), (x1, y1) = to_metric.transform(*a), to_metric.transform(*b)
    return math.hypot(x1 - x0, y1 - y0)


def test_a_number_in_a_gap_of_the_ranges_is_placed_between_the_range_ends(lined, to_metric):
    result = lined.match(parse("250 Elm Ave"))
    assert result.match_type is MatchType.STREET_INTERPOLATED
    assert result.notes == ["number_out_of_range"]
    c = result.best
    below = on_segment(to_metric, "Elm Ave", 0, 1.0, RIGHT_SIDE)  # 198
    above = on_segment(to_metric, "Elm Ave", 1, 0.0, RIGHT_SIDE)  # 300
    t = (250 - 198) / (300 - 198)
    assert (c.lon, c.lat) == pytest.approx((below[0] + t * (above[0] - below[0]),
                                            below[1] + t * (above[1] - below[1])), abs=1e-8)
    span = metric_distance(below, above, to_metric)
    assert 100 < span < 1000
    assert (c.address, c.number, c.zip) == ("250 ELM AVE", 250, "93702")
    assert c.reason == "number between ranges, 198 to 300"
    assert c.score == 0.75  # a span under 1 km
    assert c.precision_m == pytest.approx(round(10 + 0.15 * span + (300 - 198), 1), abs=0.11)
    assert c.zips == frozenset({"93702", "93719"})  # the ZIPs of the range ends
    assert c.precision_m == round(c.precision_m, 1)
    assert c.spread.shape == (9, 2)
    assert c.spread[0] == pytest.approx(below, abs=1e-8)
    assert c.spread[-1] == pytest.approx(above, abs=1e-8)
    # odd: between 199 and 301 on the left
    c = lined.match(parse("251 Elm Ave")).best
    assert c.reason == "number between ranges, 199 to 301" and c.zip == "93701"


def test_a_number_past_every_range_is_at_the_nearest_range_end(lined, to_metric):
    result = lined.match(parse("1000 Elm Ave"), limit=5)
    assert result.match_type is MatchType.STREET_ONLY
    assert result.notes == ["number_out_of_range"]
    first, second = result.suggestions[:2]
    end = on_segment(to_metric, "Elm Ave", 1, 1.0, RIGHT_SIDE)  # 398, even like 1000
    assert (first.address, first.number, first.zip) == ("ELM AVE", None, "93719")
    assert first.reason == "number out of range, nearest is 398"
    assert first.score == pytest.approx(0.3 * 0.03)  # 602 numbers off: the lowest weight
    # 602 numbers past: no address of Elm Ave, so at most 200 numbers (500 m) past its far end
    far = max(metric_distance(end, xy, to_metric)
              for s in SEGMENTS if s[0] == "Elm Ave" for xy in s[1].coords)
    assert 30 + 2.5 * 602 > far + 500
    assert first.precision_m == pytest.approx(far + 2.5 * 200, rel=0.005)
    assert (first.lon, first.lat) == pytest.approx(end, abs=1e-8)
    assert first.spread.shape == (9, 2) and first.spread[0] == pytest.approx(end, abs=1e-8)
    ring = [metric_distance(end, tuple(p), to_metric) for p in first.spread[1:]]
    assert ring == pytest.approx([first.precision_m] * 8, rel=0.01)
    assert (second.address, second.number, second.zip) == ("398 ELM AVE", 398, "93719")
    assert second.reason == "nearest existing number to 1000"
    assert second.score == pytest.approx(round(0.3 * 0.03 * 0.99, 6))
    assert second.precision_m == 25.0 and (second.lon, second.lat) == (first.lon, first.lat)
    # close to the range: a higher weight (under 10 numbers off), odd on the left
    c = lined.match(parse("403 Elm Ave")).best
    assert c.reason == "number out of range, nearest is 399" and c.zip == "93701"
    assert c.score == pytest.approx(0.3 * 2.9) and c.precision_m == 30 + 2.5 * 4
    c = lined.match(parse("450 Elm Ave")).best
    assert c.reason == "number out of range, nearest is 398"
    assert c.score == pytest.approx(0.3 * 0.5)


def test_a_street_of_centrelines_without_a_number_is_at_their_middle(lined, to_metric):
    result = lined.match(parse("Elm Ave"))
    assert result.match_type is MatchType.STREET_ONLY and result.notes == ["no_number"]
    c = result.best
    assert (c.address, c.number, c.zip, c.reason) == ("ELM AVE", None, None, "no house number")
    assert c.score == pytest.approx(0.1)
    ends = [(LON0, LAT0 + dy) for dy in (0, 0.002, 0.003, 0.005)]
    here = (c.lon, c.lat)
    assert here in [pytest.approx(e, abs=1e-12) for e in ends]
    # the matcher's flat distance is within 0.5 % of the projected one here
    assert c.precision_m == pytest.approx(max(metric_distance(here, e, to_metric) for e in ends),
                                          rel=0.005)
    assert c.zips == frozenset({"93701", "93702", "93719"})
    spread = np.array(sorted(map(tuple, c.spread.tolist())))
    assert np.allclose(spread, sorted(ends), rtol=0, atol=1e-12)


def test_a_swap_is_the_answer_when_the_given_street_cannot_hold_the_number(lined):
    result = lined.match(parse("500 N Oak St"))
    assert result.ambiguous is False
    assert (result.best.address, result.best.match_type) == ("500 S OAK ST", MatchType.EXACT)
    assert result.best.reason == "directional differs"
    assert "N OAK ST" in [c.address for c in result.suggestions]
    # the given form holds 20: no swap
    result = lined.match(parse("20 N Oak St"))
    assert (result.best.address, result.best.match_type) == ("20 N OAK ST",
                                                             MatchType.CENTERLINE)


# ---------------------------------------------------------------- intersections


def test_streets_meeting_once_give_one_place(lined, to_metric):
    result = lined.match(parse("Elm Ave & 1st St"))
    assert result.match_type is MatchType.INTERSECTION and result.ambiguous is False
    assert result.notes == []
    c = result.best
    assert c.match_type is MatchType.INTERSECTION
    assert (c.address, c.reason, c.number, c.zip) == ("ELM AVE & 1ST ST", None, None, None)
    assert (c.lon, c.lat) == pytest.approx((LON0, LAT0 + 0.001), abs=1e-9)
    assert (c.score, c.precision_m) == (1.0, 15.0)
    assert [s.address for s in result.suggestions] == ["ELM AVE & 1ST ST"]
    # where it may be: the place and eight points 15 m around it
    assert c.spread.shape == (9, 2) and c.spread[0] == pytest.approx((c.lon, c.lat), abs=1e-12)
    ring = [metric_distance((c.lon, c.lat), tuple(p), to_metric) for p in c.spread[1:]]
    assert ring == pytest.approx([15.0] * 8, rel=0.01)


def test_streets_meeting_twice_are_ambiguous(lined):
    result = lined.match(parse("Elm Ave & Loop Rd"))
    assert result.match_type is MatchType.INTERSECTION and result.ambiguous is True
    places = [(c.lon, c.lat) for c in result.suggestions]
    assert places == [pytest.approx((LON0, LAT0 + 0.0035), abs=1e-9),
                      pytest.approx((LON0, LAT0 + 0.0045), abs=1e-9)]
    assert len(lined.match(parse("Elm Ave & Loop Rd"), limit=1).suggestions) == 1


@pytest.mark.parametrize(("text", "places"), [
    ("1st St & Twin Rd", [("1ST ST & N TWIN RD", 0.001, 0.001)]),  # 1.8 m apart: one place
    ("Elm Ave & Wide Rd", [("ELM AVE & E WIDE RD", 0, 0.0015)]),
    ("1st St & Fork Rd", [("1ST ST & N FORK RD", 0.0014, 0.001),
                          ("1ST ST & S FORK RD", 0.0018, 0.001)]),
])
def test_meetings_of_the_streets_a_name_may_be_are_one_place_within_10_m(lined, text, places):
    result = lined.match(parse(text))
    assert result.match_type is MatchType.INTERSECTION
    assert result.ambiguous is (len(places) > 1)
    found = [(c.address, c.lon, c.lat) for c in result.suggestions]
    assert found == [(a, pytest.approx(LON0 + x, abs=1e-9), pytest.approx(LAT0 + y, abs=1e-9))
                     for a, x, y in places]
    assert all(c.score == 0.95 and c.reason == "directional missing"
               for c in result.suggestions)


def test_a_name_of_many_streets_tries_its_eight_best(lined):
    assert sum(s[0].startswith("Quail") for s in SEGMENTS) == 9
    result = lined.match(parse("Quail & Hub St"))
    assert result.match_type is MatchType.INTERSECTION and result.ambiguous is False
    assert [(c.address, c.lon, c.lat, c.reason) for c in result.suggestions] == [
        ("QUAIL WAY & HUB ST", pytest.approx(LON0 + 0.042, abs=1e-9),
         pytest.approx(LAT0 + 0.01, abs=1e-9), "suffix missing")]


def test_an_intersection_without_a_second_street(lined):
    parsed = dataclasses.replace(parse("Elm Ave & 1st St"), cross_street=None)
    result = lined.match(parsed)
    assert result.parsed is parsed
    assert (result.match_type, result.best, result.suggestions, result.notes) == (
        MatchType.NOT_FOUND, None, [], ["no_street"])
    parsed = dataclasses.replace(parse("Elm Ave & 1st St"), street=None)
    assert lined.match(parsed).notes == ["no_street"]
    parsed = parse("Elm Ave & 1st St")
    assert lined.match(parsed).parsed is parsed
    parsed = parse("Elm Ave & Bay St")
    assert lined.match(parsed).parsed is parsed


def test_a_misspelt_or_unknown_street_of_an_intersection(lined):
    result = lined.match(parse("Elm Ave & Lop Rd"))
    assert result.match_type is MatchType.INTERSECTION
    assert result.best.reason == "one-letter typo"
    assert result.best.address == "ELM AVE & LOOP RD"
    result = lined.match(parse("Elm Ave & Zzyzx Rd"))
    assert (result.match_type, result.best, result.notes) == (
        MatchType.NOT_FOUND, None, ["street_not_found"])
    result = lined.match(parse("Elm Ave & Bay St"))
    assert (result.match_type, result.notes) == (MatchType.NOT_FOUND, ["streets_do_not_meet"])
    assert (result.best, result.suggestions) == (None, [])


def test_streets_of_points_meet_where_their_lines_cross(lined):
    # each Birch Ave alone is too short for a line: the halves the directional leaves open
    # make one
    result = lined.match(parse("Birch Ave & Pine St"))
    assert result.match_type is MatchType.INTERSECTION
    c = result.best
    assert (c.lon, c.lat) == pytest.approx((LON0 + 0.0003, LAT0 - 0.02), abs=1e-7)
    assert c.address == "N BIRCH AVE & PINE ST" and c.reason == "directional missing"
    assert c.precision_m == pytest.approx(20.0)  # 2 x 10 m: points exactly on their lines
    # Birch Ave (without a directional) is another street: its points are not merged
    assert [s.address for s in result.suggestions] == ["N BIRCH AVE & PINE ST"]
    c = lined.match(parse("Pine St & Birch Ave")).best
    assert (c.address, c.lon, c.lat) == ("PINE ST & N BIRCH AVE",
                                         pytest.approx(LON0 + 0.0003, abs=1e-7),
                                         pytest.approx(LAT0 - 0.02, abs=1e-7))
    assert lined.match(parse("N Birch Ave & Pine St")).match_type is MatchType.NOT_FOUND
    # Cedar St runs in two places: the ZIP given picks the one that crosses Pine St
    result = lined.match(parse("Cedar St & Pine St, 93712"))
    assert result.match_type is MatchType.INTERSECTION
    assert (result.best.lon, result.best.lat) == pytest.approx((LON0 - 0.001, LAT0 - 0.02),
                                                               abs=1e-7)
    assert lined.match(parse("Cedar St & Pine St")).notes == ["streets_do_not_meet"]
    plus4 = dataclasses.replace(parse("Cedar St & Pine St"), zip="93712-1234")
    assert lined.match(plus4).match_type is MatchType.INTERSECTION
    # a street of centrelines and points meets a street of points where their points' lines
    # cross
    result = lined.match(parse("Long Rd & Pine St"))
    assert (result.best.lon, result.best.lat) == pytest.approx((LON0 - 0.0015, LAT0 - 0.02),
                                                               abs=1e-7)
    assert (result.best.address, result.best.score) == ("LONG RD & PINE ST", 1.0)


def test_is_swap_reads_every_reason():
    assert is_swap("suffix missing; directional differs")
    assert is_swap("suffix not on this street")
    assert not is_swap("directional missing; suffix missing")
    assert not is_swap(None) and not is_swap("")


def test_reverse_without_points(profile, tmp_path):
    pd.DataFrame({"address": [], "x": [], "y": []}).to_csv(tmp_path / "p.csv", index=False)
    table = {"points": "p.csv", "full_address_field": "address", "lon_field": "x",
             "lat_field": "y"}
    empty = dataclasses.replace(profile, path=tmp_path / "profile.toml",
                                addresses=AddressSettings(**table))
    matcher = Matcher(AddressReference.from_profile(empty, cache_dir=tmp_path))
    with pytest.raises(NotFoundError, match="^the address reference has no address points$"):
        matcher.reverse(LON0, LAT0)



@pytest.mark.parametrize(("text", "address", "kind", "reason"), [
    # the identifier is the unit's last word: "# 4" is BLDG A's APT 4
    ("9 Rose Ln #4", "9 ROSE LN BLDG A APT 4", MatchType.EXACT, "unit designator differs"),
    ("9 Rose Ln Apt 5", "9 ROSE LN BLDG A APT 5", MatchType.EXACT, "unit designator differs"),
    # a unit of one word that is none of the stored ones
    ("9 Rose Ln Rear", "9 ROSE LN", MatchType.EXACT_IGNORING_UNIT, "unit not found"),
])
def test_a_unit_is_found_by_its_identifier(lined, text, address, kind, reason):
    c = lined.match(parse(text)).best
    assert (c.address, c.match_type, c.reason) == (address, kind, reason)


@pytest.mark.parametrize(("text", "score", "reason"), [
    ("150 Chavez Pkwy", 0.98 * 0.9, "alias of ELM AVE"),
    ("150 Chavez", (0.98 - 0.05) * 0.9, "alias of ELM AVE; suffix missing"),
    ("150 Chavez St", (0.98 - 0.15) * 0.9, "alias of ELM AVE; suffix differs"),
    ("150 Chavez Rd", (0.98 - 0.05) * 0.9, "alias of ELM; suffix missing"),
])
def test_an_alias_finds_its_street_at_a_lower_score(lined, text, score, reason):
    c = lined.match(parse(text)).best
    assert (c.address, c.match_type, c.reason) == ("150 ELM AVE", MatchType.CENTERLINE, reason)
    assert c.score == pytest.approx(score, abs=1e-6)


def test_a_street_of_many_segments_without_a_number_is_at_its_middle(lined):
    result = lined.match(parse("Mid St"))
    c = result.best
    assert (c.address, c.reason, c.match_type) == ("MID ST", "no house number",
                                                   MatchType.STREET_ONLY)
    # the middle vertex of the middle one of five segments
    assert (c.lon, c.lat) == pytest.approx((LON0 + 0.05, LAT0 + 0.00202 + 0.0005), abs=1e-12)
    # precision: the farthest vertex, by the equirectangular metres the module documents
    # (111,320 m a degree), rounded to 0.1 m
    farthest = max(abs(LAT0 + dy - c.lat) for dy in (0.0, 4 * 0.00101 + 0.001)) * 111_320
    assert c.precision_m == round(farthest, 1)


def test_a_street_of_centrelines_without_ranges_is_located_without_its_number(lined):
    result = lined.match(parse("10 Bare St"))
    c = result.best
    assert (c.address, c.number, c.match_type) == ("BARE ST", None, MatchType.STREET_ONLY)
    assert c.reason == "no address ranges on the street"
    assert c.score == pytest.approx(0.1)
    assert result.notes == ["number_out_of_range"]


def test_the_nearest_end_of_a_mixed_range_may_differ_in_parity(lined):
    c = lined.match(parse("105 Clay St")).best
    assert c.reason == "number out of range, nearest is 100"
    assert c.precision_m == 42.5 and c.score == pytest.approx(0.3 * 2.9)


@pytest.mark.parametrize(("text", "address", "reason"), [
    ("7a Rose Ln", "7A ROSE LN", None),
    ("7 Rose Ln", "7 ROSE LN", None),
    ("7B Rose Ln", "7 ROSE LN", "number suffix differs"),
])
def test_a_number_suffix_picks_the_point(lined, text, address, reason):
    c = lined.match(parse(text)).best
    assert (c.address, c.reason, c.match_type) == (address, reason, MatchType.EXACT)


def test_a_tie_in_the_given_form_is_ambiguous_next_to_a_swap(lined, town):
    # N and S Gull St both have 20 (the directional is a guess); Gull Ave is a swap
    result = lined.match(parse("20 Gull St"))
    assert result.ambiguous is True
    assert [c.address for c in result.suggestions] == [
        "20 N GULL ST", "20 GULL AVE", "20 S GULL ST"]
    # Wolf St as given wins over the guess N Wolf St: not ambiguous (a unit unknown to the
    # reference keeps it from the one-lookup answer)
    result = lined.match(parse("30 Wolf St Apt 9"))
    assert result.ambiguous is False
    assert [(c.address, c.score) for c in result.suggestions] == [
        ("30 WOLF ST APT 9", 1.0), ("30 WOLF AVE APT 9", 0.85), ("30 N WOLF ST APT 9", 0.95)]
    # the given form alone, with a swap: not ambiguous
    assert town.match(parse("104 S Main St Apt 9")).ambiguous is False


def test_an_alias_named_twice_gives_one_suggestion(lined):
    result = lined.match(parse("150 Chavez"))
    addresses = [c.address for c in result.suggestions]
    assert addresses[0] == "150 ELM AVE" and len(addresses) == len(set(addresses))


@pytest.mark.parametrize(("text", "address"), [("9 1/2 Rose Ln", "9 1/2 ROSE LN"),
                                               ("7a Rose Ln", "7A ROSE LN")])
def test_a_fraction_is_written_apart_from_its_number(lined, text, address):
    assert lined.match(parse(text)).best.address == address


def equirectangular_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The flat distance the module documents: 111,320 m a degree, longitude shrunk by the
    cosine of ``a``'s latitude (within 0.5 % of the geodesic here)."""
    dx = (b[0] - a[0]) * math.cos(math.radians(a[1]))
    return math.hypot(dx, b[1] - a[1]) * 111_320


def test_close_points_place_a_number_between_them(lined):
    # 10 and 20 Lark St are 359 m apart, west to east: close enough to place 14
    c = lined.match(parse("14 Lark St")).best
    span = equirectangular_m((LON0 + 0.1, LAT0), (LON0 + 0.104, LAT0))
    assert 350 < span < 400
    assert (c.match_type, c.address, c.number, c.spread) == (
        MatchType.POINT_INTERPOLATED, "14 LARK ST", 14, None)
    assert c.precision_m == round(10 + 0.15 * span, 1)
    # Kite St: 100 to 300 is a gap of 200 numbers (placed); 300 to 500 too
    for number in (200, 400):
        c = lined.match(parse(f"{number} Kite St")).best
        assert (c.match_type, c.address) == (MatchType.POINT_INTERPOLATED, f"{number} KITE ST")
    # the ZIP of the neighbors given (also as ZIP+4): still placed
    assert lined.match(parse("200 Kite St, 93721")).match_type is MatchType.POINT_INTERPOLATED
    plus4 = dataclasses.replace(parse("200 Kite St"), zip="93721-1234")
    assert lined.match(plus4).match_type is MatchType.POINT_INTERPOLATED


def test_a_number_between_two_equally_near_numbers_names_the_lower(lined):
    result = lined.match(parse("14 Fox St"))
    assert result.best.reason == "number out of range, nearest is 13"
    # the name Fox is also an alias (Fox Ave) of Hare St: both are suggested, Fox St first
    assert result.best.address == "FOX ST"
    assert "HARE ST" in [c.address for c in result.suggestions]


def test_a_street_of_points_without_a_number_is_located_by_all_of_them(lined, town):
    # Pine St, 17 numbers west to east: at its middle number (9), its precision the
    # farthest point
    c = lined.match(parse("Pine St")).best
    assert (c.address, c.lon, c.lat) == ("PINE ST", LON0, LAT0 - 0.02)
    farthest = max(equirectangular_m((c.lon, c.lat), (LON0 + dx, LAT0 - 0.02))
                   for dx in (-0.002, 0.002))
    assert c.precision_m == round(farthest, 1) and c.precision_m > 150
    assert c.spread.shape == (9, 2)  # the street's points
    # two points 111 m apart: at the second (the middle of two), the first 111 m away
    c = lined.match(parse("Hare St")).best
    assert c.precision_m == round(equirectangular_m((LON0 + 0.12, LAT0 + 0.001),
                                                    (LON0 + 0.12, LAT0)), 1)
    # Cedar St in two ZIPs: both are its ZIPs
    assert lined.match(parse("Cedar St")).best.zips == frozenset({"93712", "93713"})


def test_a_number_past_the_street_looks_in_the_zip_given(lined):
    c = lined.match(parse("200 Cedar St")).best
    assert c.reason == "number out of range, nearest is 115"
    assert c.zips == frozenset({"93713"})  # the ZIP of the nearest number, not the street's
    result = lined.match(parse("200 Cedar St, 93712"))
    assert result.best.reason == "number out of range, nearest is 15"
    assert result.best.zips == frozenset({"93712"})
    plus4 = dataclasses.replace(parse("200 Cedar St"), zip="93712-1234")
    assert lined.match(plus4).best.reason == "number out of range, nearest is 15"


def test_at_most_ten_close_names_are_tried(lined):
    result = lined.match(parse("1 Holt St"), limit=20)
    assert result.match_type is MatchType.FUZZY
    assert len(result.suggestions) == 10
    assert {c.reason for c in result.suggestions} == {"one-letter typo"}


def test_fuzzy_finds_of_several_names_are_all_suggested(lined):
    found = {c.address for c in lined.match(parse("20 Gell St"), limit=10).suggestions}
    assert {"20 GALL ST", "20 N GULL ST", "20 S GULL ST"} <= found


def test_swaps_follow_the_given_form_unless_the_zip_says_otherwise(lined, town):
    result = lined.match(parse("20 Gull Ave Apt 9"))
    assert [c.address for c in result.suggestions] == [
        "20 GULL AVE APT 9", "20 N GULL ST APT 9", "20 S GULL ST APT 9"]
    assert result.ambiguous is False
    # S Gull St's ZIP: the swap that has it first, then the given form, then the other swap
    result = lined.match(parse("20 Gull Ave Apt 9, 93720"))
    assert [c.address for c in result.suggestions] == [
        "20 S GULL ST APT 9", "20 GULL AVE APT 9", "20 N GULL ST APT 9"]
    assert result.ambiguous is False
    plus4 = dataclasses.replace(parse("116 S Main St"), zip="93690-1234")
    result = town.match(plus4)
    assert (result.best.address, result.ambiguous) == ("116 N MAIN ST", False)
    # the given form's ZIP, which the swap has not: the given form, the swap, the guess
    result = lined.match(parse("30 Wolf St Apt 9, 93718"))
    assert [c.address for c in result.suggestions] == [
        "30 WOLF ST APT 9", "30 WOLF AVE APT 9", "30 N WOLF ST APT 9"]
    # a street-level given form and a swap placing the number: ranked by score, the given
    # form's nearest numbers after them
    result = town.match(parse("116 S Main St"))
    assert [c.address for c in result.suggestions] == [
        "S MAIN ST", "116 N MAIN ST", "110 S MAIN ST", "108 S MAIN ST", "106 S MAIN ST"]
    # without a number, both streets the directional may be
    result = lined.match(parse("Gull St"))
    assert {"N GULL ST", "S GULL ST"} <= {c.address for c in result.suggestions}
    # only swaps: the matcher does not decide ambiguity
    assert town.match(parse("116 E Main St")).ambiguous is None


@pytest.mark.parametrize(("text", "ambiguous"), [
    ("150 Main St", True),   # N and S Main St end as far from 150
    ("130 Main St", False),  # N Main St ends at 121, S Main St at 110
])
def test_streets_locating_a_number_as_well_are_ambiguous(town, text, ambiguous):
    assert town.match(parse(text)).ambiguous is ambiguous


def test_fuzzy_finds_rank_among_a_street_level_answer(lined):
    # Gall St has 20 only (102 numbers off: a low weight); N Gull St, a letter away, has 122
    result = lined.match(parse("122 Gall St"))
    assert result.parsed is not None and result.match_type is MatchType.STREET_ONLY
    assert [(c.address, c.match_type) for c in result.suggestions] == [
        ("GALL ST", MatchType.STREET_ONLY), ("122 N GULL ST", MatchType.FUZZY),
        ("20 GALL ST", MatchType.STREET_ONLY)]


def test_results_carry_their_input(town):
    for text in ("104 N Main St", "104 N Main St Apt 9", "150 N Main St", "1 Xqzk St"):
        parsed = parse(text)
        assert town.match(parsed).parsed is parsed, text
    # an address without a street: nothing to look up
    parsed = dataclasses.replace(parse("10 Elm St"), street=None)
    result = town.match(parsed)
    assert result.parsed is parsed
    assert (result.match_type, result.best, result.suggestions, result.notes) == (
        MatchType.NOT_FOUND, None, [], ["no_street"])
    # five suggestions unless asked for more
    assert len(town.match(parse("150 N Main St")).suggestions) == 5


def test_a_zip_is_compared_by_its_five_digits_and_only_where_known(lined, town):
    plus4 = dataclasses.replace(parse("104 N Main St Apt 9"), zip="93690-1234")
    assert town.match(plus4).best.score == 1.0  # no "ZIP differs"
    # an intersection has no ZIP of its own: a ZIP given costs nothing
    assert lined.match(parse("Elm Ave & 1st St, 93799")).best.score == 1.0


def test_the_spread_around_a_place_is_balanced(lined, to_metric):
    c = lined.match(parse("Elm Ave & 1st St")).best
    ring = c.spread[1:]
    assert ring.mean(axis=0) == pytest.approx(c.spread[0], abs=1e-12)
    # eight distinct directions
    angles = {round(math.degrees(math.atan2(y - c.lat, (x - c.lon) * math.cos(
        math.radians(c.lat)))) % 360) for x, y in ring}
    assert angles == {0, 45, 90, 135, 180, 225, 270, 315}


def test_fuzzy_finds_follow_a_street_level_answer_next_to_a_swap(lined):
    # 41 is not on Mole Ave (40 is: street-level, 0.87), Mole St has it (a swap, 0.85): both
    # could be the place; the two streets a letter away that have 41 come after, by address
    result = lined.match(parse("41 Mole Ave"))
    assert result.ambiguous is True
    assert [(c.address, c.match_type) for c in result.suggestions] == [
        ("MOLE AVE", MatchType.STREET_ONLY), ("41 MOLE ST", MatchType.EXACT),
        ("40 MOLE AVE", MatchType.STREET_ONLY), ("41 MOLT AVE", MatchType.FUZZY),
        ("41 MULE AVE", MatchType.FUZZY)]


def test_a_placed_given_form_is_not_tied_with_a_street_level_one(lined):
    # given forms of "50 Pike Rd": N Pike Rd places 50 on its centreline (0.9 x 0.95 = 0.855),
    # Lynx Rd (by the alias Pike Ln) is 1 number off (0.87 x 0.98 = 0.8526); Pike Ave is a swap
    result = lined.match(parse("50 Pike Rd"))
    assert [(c.address, c.score) for c in result.suggestions[:3]] == [
        ("50 N PIKE RD", 0.855), ("50 PIKE AVE", 0.85), ("LYNX RD", 0.8526)]
    assert result.ambiguous is False  # only another placed address ties a placed one
