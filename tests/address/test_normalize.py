"""USPS Publication 28 tables and the normalizers, on named cases."""

from __future__ import annotations

import pytest

from geo311.address.normalize import (
    DIRECTIONALS,
    STATES,
    SUFFIXES,
    UNIT_DESIGNATORS,
    Street,
    format_line,
    normalize_directional,
    normalize_state,
    normalize_street_name,
    normalize_suffix,
    normalize_unit,
    ordinal,
)


def test_suffix_table_covers_appendix_c1():
    # Pinned: 202 distinct standard abbreviations (C1 gives some plurals the singular's
    # abbreviation: PARKS -> PARK, WALKS -> WALK, SPURS -> SPUR, PARKWAYS -> PKWY).
    assert len(set(SUFFIXES.values())) == 202
    assert len(SUFFIXES) >= 500
    assert all(SUFFIXES[standard] == standard for standard in SUFFIXES.values())
    assert all(key == key.upper() and "." not in key for key in SUFFIXES)


@pytest.mark.parametrize(
    ("variant", "standard"),
    [
        ("STREET", "ST"), ("STRT", "ST"), ("STR", "ST"), ("ST", "ST"),
        ("AVENUE", "AVE"), ("AV", "AVE"), ("AVEN", "AVE"), ("AVNUE", "AVE"),
        ("BOULEVARD", "BLVD"), ("BOUL", "BLVD"), ("DRIVE", "DR"), ("DRV", "DR"),
        ("PARKWAY", "PKWY"), ("PKY", "PKWY"), ("PARKWAYS", "PKWY"), ("FREEWAY", "FWY"),
        ("CROSSING", "XING"), ("CRSSNG", "XING"), ("CROSSROADS", "XRDS"),
        ("TERRACE", "TER"), ("TERR", "TER"), ("TRAIL", "TRL"), ("TRAILS", "TRL"),
        ("CIRCLE", "CIR"), ("CRCLE", "CIR"), ("HIGHWAY", "HWY"), ("HIWAY", "HWY"),
        ("PLACE", "PL"), ("PLAZA", "PLZ"), ("LANE", "LN"), ("COURT", "CT"), ("ROAD", "RD"),
        ("MEADOW", "MDW"), ("MEADOWS", "MDWS"), ("MDW", "MDW"), ("HEIGHTS", "HTS"), ("HT", "HTS"),
        ("PARKS", "PARK"), ("WALKS", "WALK"), ("TURNPIKE", "TPKE"), ("STRAVENUE", "STRA"),
        ("MOUNT", "MT"), ("FORT", "FT"), ("SAINT", None), ("MAIN", None),
    ],
)  # fmt: skip
def test_suffix_variants_map_to_the_usps_abbreviation(variant, standard):
    assert normalize_suffix(variant) == standard


def test_normalize_suffix_ignores_case_and_periods():
    assert normalize_suffix("Ave.") == "AVE"
    assert normalize_suffix(" boulevard, ") == "BLVD"


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("North", "N"), ("N", "N"), ("N.", "N"), ("s", "S"), ("East", "E"), ("W.", "W"),
        ("Northeast", "NE"), ("NE", "NE"), ("N.E.", "NE"), ("north-east", "NE"),
        ("SW", "SW"), ("South West", None), ("Main", None), ("Norte", None),
    ],
)  # fmt: skip
def test_directionals(token, expected):
    assert normalize_directional(token) == expected


def test_directional_table_has_eight_directions():
    assert sorted(set(DIRECTIONALS.values())) == ["E", "N", "NE", "NW", "S", "SE", "SW", "W"]


@pytest.mark.parametrize(
    ("variant", "standard"),
    [
        ("APARTMENT", "APT"), ("APT", "APT"), ("SUITE", "STE"), ("STE", "STE"), ("UNIT", "UNIT"),
        ("FLOOR", "FL"), ("FL", "FL"), ("BUILDING", "BLDG"), ("ROOM", "RM"), ("SPACE", "SPC"),
        ("LOT", "LOT"), ("TRAILER", "TRLR"), ("DEPARTMENT", "DEPT"), ("HANGAR", "HNGR"),
        ("KEY", "KEY"), ("PIER", "PIER"), ("SLIP", "SLIP"), ("STOP", "STOP"),
        ("BASEMENT", "BSMT"), ("FRONT", "FRNT"), ("LOBBY", "LBBY"), ("LOWER", "LOWR"),
        ("OFFICE", "OFC"), ("PENTHOUSE", "PH"), ("REAR", "REAR"), ("SIDE", "SIDE"),
        ("UPPER", "UPPR"), ("#", "#"),
    ],
)  # fmt: skip
def test_unit_designators_follow_appendix_c2(variant, standard):
    assert UNIT_DESIGNATORS[variant] == standard


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Fifth", "5TH"), ("first", "1ST"), ("Second", "2ND"), ("THIRD", "3RD"),
        ("Twenty-Third", "23RD"), ("twenty third", "23RD"), ("Ninety-Ninth", "99TH"),
        ("One Hundred Twenty-Fifth", "125TH"), ("one hundred and first", "101ST"),
        ("5", "5"), ("5 th", "5TH"), ("42ND", "42ND"), ("2d", "2ND"), ("3D", "3RD"),
        ("11th", "11TH"), ("12 TH", "12TH"), ("1 ST", "1ST"),
        ("twenty", "TWENTY"), ("Seven Hills", "SEVEN HILLS"),
        ("  main   ", "MAIN"), ("Martin Luther King Jr.", "MARTIN LUTHER KING JR"),
        ("O'Farrell", "OFARRELL"), ("U.S. 50", "US 50"), ("Wilkes-Barre", "WILKES BARRE"),
        ("6-1/2", "6-1/2"),
        ("St. James", "SAINT JAMES"), ("st.james", "SAINT JAMES"), ("Saint James", "SAINT JAMES"),
        ("Mt Vernon", "MOUNT VERNON"), ("Mount Vernon", "MOUNT VERNON"),
        ("Ft. Washington", "FORT WASHINGTON"), ("James St", "JAMES ST"), ("ST", "ST"),
    ],
)  # fmt: skip
def test_street_names_have_one_canonical_form(name, expected):
    assert normalize_street_name(name) == expected


def test_ordinal_endings():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111, 112)] == [
        "1ST", "2ND", "3RD", "4TH", "11TH", "12TH", "13TH", "21ST", "22ND", "101ST", "111TH",
        "112TH",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("designator", "identifier", "expected"),
    [
        ("APT", "5", "APT 5"), ("Apt.", "5", "APT 5"), ("apartment", "5b", "APT 5B"),
        ("#", "5", "# 5"), ("#5", None, "# 5"), (None, "5", "# 5"), ("Apt", "#5", "APT 5"),
        ("Unit", "b", "UNIT B"), ("Ste", "100", "STE 100"), ("Suite", None, "STE"),
        ("5th Floor", None, "FL 5"), ("Floor", "5th", "FL 5"), ("Fl", "5", "FL 5"),
        ("Rear", None, "REAR"), ("Bldg", "A-1", "BLDG A-1"), ("Flat", "3", "# 3"),
        (None, None, None), ("", "  ", None),
    ],
)  # fmt: skip
def test_normalize_unit(designator, identifier, expected):
    assert normalize_unit(designator, identifier) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [("CA", "CA"), ("ca.", "CA"), ("California", "CA"), ("new york", "NY"),
     ("District of Columbia", "DC"), ("Puerto Rico", "PR"), ("Calif", None), ("XX", None)],
)  # fmt: skip
def test_states(text, code):
    assert normalize_state(text) == code


def test_state_table_has_the_states_dc_and_territories():
    assert len({code for code in STATES.values()}) == 50 + 1 + 5 + 3  # + AA, AE, AP


def test_street_full_skips_missing_parts():
    assert Street("N", "MAIN", "ST", None).full == "N MAIN ST"
    assert Street(None, "BROADWAY", None, None).full == "BROADWAY"
    assert Street(None, "PEACHTREE", "ST", "NE").full == "PEACHTREE ST NE"


@pytest.mark.parametrize(
    ("number", "street", "unit", "line"),
    [
        ("1234", Street("N", "MAIN", "ST", None), "APT 5", "1234 N MAIN ST APT 5"),
        ("123 1/2", Street("W", "5TH", "ST", None), None, "123 1/2 W 5TH ST"),
        ("123-125", Street(None, "OAK", "AVE", None), None, "123-125 OAK AVE"),
        (None, Street(None, "MAIN", "ST", None), None, "MAIN ST"),
        (None, None, None, ""),
    ],
)
def test_format_line(number, street, unit, line):
    assert format_line(number, street, unit) == line
