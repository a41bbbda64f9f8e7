"""The matcher's scores, reasons and suggestions on a hand-made town whose answers are known.

Written against the mutants of ``address/match.py``: every number below follows from the
rules in the module's docstring and the town's layout (no centrelines, so a number that
is not an address point is placed between points or is street-only); the nearest-number
suggestions are checked against a pandas sort written here.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from pyproj import Geod

from geo311.address.match import Matcher, MatchType
from geo311.address.parse import parse
from geo311.address.reference import AddressReference
from geo311.address.validate import Validator
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


@pytest.mark.parametrize("number", [150, 97, 60])
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
    rest = result.suggestions[1:]
    assert [c.number for c in rest] == nearest[:4]
    for k, c in enumerate(rest):
        assert c.address == f"{c.number} N MAIN ST"
        assert c.score == pytest.approx(0.3 * weight * (0.99 - 0.01 * k))
        assert c.reason == f"nearest existing number to {number}"
        assert (c.lon, c.lat) == point(c.address) and c.zip == "93690"


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
    assert c.score == pytest.approx(0.85) and c.zip == "93695"  # the ZIP of the number below
    (x0, y0), (x1, y1) = point("20 OAK ST"), point("24 OAK ST")
    assert (c.lon, c.lat) == pytest.approx(((x0 + x1) / 2, (y0 + y1) / 2), abs=1e-12)
    # 24 and 30 are more than 400 m apart: a street-level interpolation, its precision a
    # share of their distance, its spread the line between them
    far = town.match(parse("26 Oak St"))
    assert far.match_type is MatchType.STREET_INTERPOLATED and far.best.reason is None
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
