"""The address parser: named inputs, usaddress's silent failures, and garbage."""

from __future__ import annotations

import numpy as np
import pytest
import usaddress

from geo311.address import AddressKind, ParsedAddress, Street, parse
from geo311.address.parse import (
    build_parsed,
    build_parsed_fast,
    clear_cache,
    fast_key,
    fast_labels,
    parse_uncached,
    parse_uncached_how,
    tokenize,
)
from geo311.errors import InputError


def fields(parsed: ParsedAddress, *names: str) -> dict:
    """Return the named fields of a parse, for one assert that prints them all."""
    return {name: getattr(parsed, name) for name in names}


def test_full_address_with_city_state_and_zip4():
    parsed = parse("1234 W Main St, Gardena, CA 90247-1234")
    assert fields(parsed, "kind", "number", "street", "city", "state", "zip", "needs_review") == {
        "kind": AddressKind.ADDRESS,
        "number": 1234,
        "street": Street("W", "MAIN", "ST", None),
        "city": "GARDENA",
        "state": "CA",
        "zip": "90247",
        "needs_review": False,
    }
    assert parsed.line() == "1234 W MAIN ST"


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("100 North Main Street", Street("N", "MAIN", "ST", None)),
        ("100 Main Street North", Street(None, "MAIN", "ST", "N")),
        ("100 Peachtree St NE", Street(None, "PEACHTREE", "ST", "NE")),
        ("100 s. broadway", Street("S", "BROADWAY", None, None)),
        ("100 Fifth Avenue", Street(None, "5TH", "AVE", None)),
        ("100 Twenty-Third St", Street(None, "23RD", "ST", None)),
        ("100 E 42nd St.", Street("E", "42ND", "ST", None)),
        ("100 Sunset Boulevard", Street(None, "SUNSET", "BLVD", None)),
        ("100 N St", Street(None, "N", "ST", None)),
        ("100 Avenue of the Americas", Street(None, "AVENUE OF THE AMERICAS", None, None)),
        ("100 N AVENUE 57, 90042", Street("N", "AVENUE 57", None, None)),  # a pre-type stays
    ],
)
def test_directionals_suffixes_and_ordinals(text, street):
    parsed = parse(text)
    assert (parsed.kind, parsed.number, parsed.street) == (AddressKind.ADDRESS, 100, street)


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("123 Main St #5", "# 5"),
        ("123 Main St # 5", "# 5"),
        ("123 Main St Apt 5", "APT 5"),
        ("123 Main St Apt. 5", "APT 5"),
        ("123 Main St, Apt 5B", "APT 5B"),
        ("123 Main St Unit B", "UNIT B"),
        ("123 Main St Ste 100", "STE 100"),
        ("123 Main St Suite 100", "STE 100"),
        ("123 Main St 5th Floor", "FL 5"),
        ("123 Main St Fl 5", "FL 5"),
        ("123 Main St Bldg A Apt 5", "BLDG A APT 5"),
    ],
)
def test_secondary_units(text, unit):
    parsed = parse(text)
    assert (parsed.unit, parsed.street, parsed.needs_review) == (
        unit, Street(None, "MAIN", "ST", None), False
    )
    assert parsed.line() == f"123 MAIN ST {unit}"


@pytest.mark.parametrize(
    ("text", "number", "suffix", "high", "line"),
    [
        ("123-125 Main St", 123, None, 125, "123-125 MAIN ST"),
        ("123 1/2 Main St", 123, "1/2", None, "123 1/2 MAIN ST"),
        ("123½ Main St", 123, "1/2", None, "123 1/2 MAIN ST"),
        ("123A Main St", 123, "A", None, "123A MAIN ST"),
        ("89-10 164th St", 89, "-10", None, "89-10 164TH ST"),  # Queens: not a range
    ],
)
def test_house_number_ranges_fractions_and_letters(text, number, suffix, high, line):
    parsed = parse(text)
    assert fields(parsed, "number", "number_suffix", "number_high") == {
        "number": number, "number_suffix": suffix, "number_high": high
    }  # fmt: skip
    assert parsed.line() == line


MAIN, MAIN_ST, OAK, OAK_AVE = (
    Street(None, "MAIN", None, None), Street(None, "MAIN", "ST", None),
    Street(None, "OAK", None, None), Street(None, "OAK", "AVE", None),
)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "street", "cross"),
    [
        ("Main St & 5th Ave", MAIN_ST, Street(None, "5TH", "AVE", None)),
        ("Main and 5th", MAIN, Street(None, "5TH", None, None)),
        ("Main St at Oak", MAIN_ST, OAK),
        ("Main St / Oak Ave", MAIN_ST, OAK_AVE),
        ("Main St/Oak Ave", MAIN_ST, OAK_AVE),
        ("Main St @ Oak Ave", MAIN_ST, OAK_AVE),
        ("corner of Main and Oak", MAIN, OAK),
    ],
)
def test_intersections(text, street, cross):
    parsed = parse(text)
    assert fields(parsed, "kind", "number", "street", "cross_street", "needs_review") == {
        "kind": AddressKind.INTERSECTION,
        "number": None,
        "street": street,
        "cross_street": cross,
        "needs_review": False,
    }


@pytest.mark.parametrize(
    ("text", "misread", "line"),
    [
        ("6TH ST AT LORENA ST, 90063", ("AddressNumber", "6TH"), "6TH ST & LORENA ST"),
        ("LA CIENEGA BLVD AT BLACKWELDER ST, 90232", ("AddressNumber", "LA"),
         "LA CIENEGA BLVD & BLACKWELDER ST"),
        ("MCDONALD AVE AT ANAHEIM ST, 90744", ("PlaceName", "AT ANAHEIM"),
         "MCDONALD AVE & ANAHEIM ST"),
        ("ST ANDREWS PL AT SANTA MONICA BLVD, 90038", ("AddressNumber", "ST"),
         "SAINT ANDREWS PL & SANTA MONICA BLVD"),
    ],
)
def test_la_311_intersections_usaddress_misreads(text, misread, line):
    label, value = misread
    assert usaddress.tag(text)[0][label] == value
    parsed = parse(text)
    assert (parsed.kind, parsed.line(), parsed.zip, parsed.needs_review) == (
        AddressKind.INTERSECTION, line, text[-5:], False
    )


def test_intersection_with_city_state_and_zip():
    parsed = parse("Main St and Oak Ave Beverly Hills CA 90210")
    assert fields(parsed, "street", "cross_street", "city", "state", "zip") == {
        "street": MAIN_ST, "cross_street": OAK_AVE, "city": "BEVERLY HILLS", "state": "CA",
        "zip": "90210",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "line"),
    [("46-15 30 ROAD", "46-15 30 RD"), ("355A BOWERY", "355A BOWERY")],
)
def test_nyc_house_numbers_usaddress_misses(text, line):
    assert "AddressNumber" not in usaddress.tag(text)[0]
    parsed = parse(text)
    assert (parsed.kind, parsed.line(), parsed.needs_review) == (AddressKind.ADDRESS, line, False)


def test_intersection_line_joins_both_streets():
    assert parse("Main St & 5th Ave").line() == "MAIN ST & 5TH AVE"


@pytest.mark.parametrize("text", ["PO Box 123", "P.O. Box 123", "Post Office Box 123"])
def test_po_boxes_are_flagged_as_no_service_location(text):
    parsed = parse(text)
    assert (parsed.kind, parsed.po_box, parsed.line()) == (
        AddressKind.PO_BOX, "PO BOX 123", "PO BOX 123"
    )
    assert parsed.needs_review
    assert "PO box is not a service location" in parsed.review_reasons


def test_rural_route_box():
    assert parse("RR 2 Box 152").po_box == "RR 2 BOX 152"


@pytest.mark.parametrize(("text", "box"), [
    ("POB 5", "PO BOX 5"), ("Lockbox 7", "PO BOX 7"), ("Box 12", "PO BOX 12"),
    ("PO Box #12", "PO BOX 12"), ("HC 1 Box 3", "HC 1 BOX 3"),
    ("HWY CONTRACT ROUTE 102 BOX 255A", "HC 102 BOX 255A"),
])
def test_real_boxes_stay_po_boxes(text, box):
    assert (parse(text).kind, parse(text).po_box) == (AddressKind.PO_BOX, box)


def test_street_without_number_is_a_street_not_an_error():
    parsed = parse("Main St")
    assert fields(parsed, "kind", "number", "street", "needs_review") == {
        "kind": AddressKind.STREET,
        "number": None,
        "street": Street(None, "MAIN", "ST", None),
        "needs_review": False,
    }


def test_street_with_a_pre_type_is_settled():
    parsed = parse("AVENUE O")
    assert (parsed.kind, parsed.street, parsed.needs_review) == (
        AddressKind.STREET, Street(None, "AVENUE O", None, None), False
    )


def test_number_words_in_a_street_name_become_ordinals():
    assert parse("Fifth St").street == Street(None, "5TH", "ST", None)


# --- usaddress's failures come back flagged, with what was understood -------------------


def test_two_addresses_read_as_one_street_are_split_and_flagged():
    # usaddress alone: street name "main st 456 oak", type "Street Address".
    assert usaddress.tag("123 main st 456 oak ave")[0]["StreetName"] == "main st 456 oak"
    parsed = parse("123 main st 456 oak ave")
    assert (parsed.number, parsed.street) == (123, Street(None, "MAIN", "ST", None))
    assert parsed.needs_review
    assert parsed.review_reasons == ("two house numbers found: 123, 456",)


def test_place_name_after_a_unit_is_split_off():
    # usaddress alone: OccupancyIdentifier "# 5 NYC".
    assert usaddress.tag("123 W 42nd St #5 NYC")[0]["OccupancyIdentifier"] == "# 5 NYC"
    parsed = parse("123 W 42nd St #5 NYC")
    assert fields(parsed, "number", "street", "unit", "city") == {
        "number": 123,
        "street": Street("W", "42ND", "ST", None),
        "unit": "# 5",
        "city": "NYC",
    }
    assert parsed.line() == "123 W 42ND ST # 5"


def test_house_number_without_a_digit_is_flagged():
    # usaddress alone: AddressNumber "one", StreetName "two three main".
    assert usaddress.tag("one two three main street")[0]["AddressNumber"] == "one"
    parsed = parse("one two three main street")
    assert (parsed.kind, parsed.number, parsed.street) == (
        AddressKind.ADDRESS, None, Street(None, "MAIN", "ST", None)
    )
    assert parsed.review_reasons == ("house number has no digit: 'ONE TWO THREE'",)


@pytest.mark.parametrize(
    ("text", "label", "line"),
    [
        ("123 Main St Apt 5 Oak Ave", "StreetName", "123 MAIN ST APT 5"),
        ("Apt 5 123 Main St Apt 6", "OccupancyType", "123 MAIN ST APT 5"),
        ("5418 RIVER RD LIBERTY GROVE RD NORTH WILKESBORO 28659", "StreetName", "5418 RIVER RD"),
    ],
)
def test_repeated_label_error_is_a_flagged_result(text, label, line):
    with pytest.raises(usaddress.RepeatedLabelError):
        usaddress.tag(text)
    parsed = parse(text)
    assert parsed.needs_review
    assert f"usaddress: repeated label {label}" in parsed.review_reasons
    assert parsed.line() == line  # the first street and unit: what was understood


def test_ambiguous_input_without_a_street_is_flagged():
    assert usaddress.tag("Broadway")[1] == "Ambiguous"
    parsed = parse("Broadway")
    assert parsed.needs_review
    assert "usaddress: ambiguous" in parsed.review_reasons


@pytest.mark.parametrize("text", ["asdf qwer", "12 12 12", "foo@bar.com", "!!!"])
def test_garbage_is_unknown_and_flagged(text):
    parsed = parse(text)
    assert (parsed.kind, parsed.needs_review, parsed.line()) == (AddressKind.UNKNOWN, True, "")
    assert "no US address found" in parsed.review_reasons


# usaddress labels these USPSBoxType + USPSBoxID: an unknown word before a number reads as a box
@pytest.mark.parametrize("text", [
    "Привет мир", "дом Привет 5", "улица д. 5", "кв 123", "東京 千代田 123", "北京 ... 88号 7",
    '=HYPERLINK("http://x") 123', "=SUM(A1) 7", "@SUM(A1) 12", "# 123 千代田 88号", "!! ?? 12",
])
def test_foreign_text_and_formulas_are_no_us_address_not_a_po_box(text):
    parsed = parse(text)
    assert (parsed.kind, parsed.po_box) == (AddressKind.UNKNOWN, None)
    assert parsed.needs_review
    assert "no US address found" in parsed.review_reasons


def test_a_place_without_a_street_is_missing_its_street_not_its_country():
    assert "no street found" in parse("Soldotna, AK 99669").review_reasons


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_input_is_unknown(text):
    parsed = parse(text)
    assert (parsed.kind, parsed.needs_review, parsed.review_reasons, parsed.labels) == (
        AddressKind.UNKNOWN, True, ("empty input",), ()
    )


def test_very_long_input_is_not_parsed():
    parsed = parse("123 Main St " * 100)
    assert parsed.kind is AddressKind.UNKNOWN
    assert parsed.review_reasons == ("input longer than 300 characters",)


@pytest.mark.parametrize("value", [None, 123, b"123 Main St", ["123 Main St"]])
def test_non_string_input_raises_input_error(value):
    with pytest.raises(InputError):
        parse(value)


def test_unknown_state_and_short_zip_are_flagged():
    parsed = parse("123 Main St Springfield Calif 9024")
    assert parsed.needs_review
    assert parsed.zip is None


# --- labels, the fast path and the cache --------------------------------------------------


def test_labels_name_the_usaddress_tokens_of_the_input():
    text = "1234 W Main St, Gardena, CA 90247"
    parsed = parse(text)
    assert [token for token, _ in parsed.labels] == usaddress.tokenize(text)
    assert parsed.labels == tuple(usaddress.parse(text))


def test_corrected_labels_keep_usaddress_label_names():
    parsed = parse("123 W 42nd St #5 NYC")
    assert parsed.labels[-3:] == (
        ("#", "OccupancyIdentifier"), ("5", "OccupancyIdentifier"), ("NYC", "PlaceName")
    )  # fmt: skip
    assert {label for _, label in parsed.labels} <= set(usaddress.LABELS)


def test_tokenize_matches_usaddress():
    texts = ["1234 W Main St, Gardena, CA 90247", "P.O. Box 5 &amp; (rear)", "#5;x,y  z\n"]
    assert [tokenize(t) for t in texts] == [usaddress.tokenize(t) for t in texts]


@pytest.mark.parametrize(
    "text",
    [
        "1234 W Main St Apt 5, Gardena, CA 90247",
        "1234 Main St Los Angeles CA",
        "100 N Martin Luther King Blvd, Chicago, IL 60601",
        "55 Park Ave # 4",
        "7 Elm Ct, Evanston, 60201",
    ],
)
def test_fast_path_applies_to_well_formed_addresses(text):
    assert fast_labels(text) is not None
    assert parse_uncached(text) == parse_uncached(text, fast=False)


@pytest.mark.parametrize(
    "text",
    [
        "123 Main St Gardena Park CA",  # street ends at St or at Park
        "800 N Lindberg St Louis MO",  # St Louis
        "428 Westwind Dr North Palm Beach FL",  # post-directional or city
        "1809 C Cross Beam Dr",  # number suffix or name
        "1180 Peachtree Street, NE",  # Nebraska or north-east
        "123 Old Mill Rd",  # a suffix word inside the name
        "12 Main Street, Washington",  # a state name as the city
    ],
)
def test_fast_path_declines_input_that_reads_two_ways(text):
    assert fast_labels(text) is None


def test_parse_is_cached():
    clear_cache()
    first = parse("1 Cached Way")
    assert parse("1 Cached Way") is first


def test_nothing_raises_on_random_strings():
    rng = np.random.default_rng(311)
    alphabet = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    alphabet += list(" ,.;:#&/@-_()'\"\t\n½éñ中\x00\u2019")
    words = ["123", "Main", "St", "Apt", "#", "&", "and", "N", "PO", "Box", "CA", "90210",
             "1/2", "Fifth", "corner", "of", "at", ",", "-", "Unit", "one", "Floor", "5th"]
    texts = []
    for _ in range(1000):
        texts.append("".join(rng.choice(alphabet, size=rng.integers(0, 40))))
        texts.append(" ".join(rng.choice(words, size=rng.integers(0, 10))))
    for text in texts:
        parsed = parse_uncached(text)
        assert isinstance(parsed.kind, AddressKind)
        assert isinstance(parsed.line(), str)
        assert parsed.needs_review == bool(parsed.review_reasons)
        assert parsed.number is None or parsed.number >= 0
        assert parsed.zip is None or (len(parsed.zip) == 5 and parsed.zip.isdigit())
        if parsed.kind is AddressKind.ADDRESS and not parsed.needs_review:
            assert parsed.number is not None and parsed.street is not None


def test_hash_after_a_suffixless_street_is_a_unit_not_part_of_the_name():
    # usaddress reads "# 1" as the street name here
    parsed = parse("153 E 3rd #1")
    assert (parsed.street.predir, parsed.street.name, parsed.street.suffix) == ("E", "3RD", None)
    assert parsed.unit == "# 1"


def _meaning(parsed: ParsedAddress) -> tuple:
    """Every part of a parse but the input text and its labelled tokens."""
    return tuple(getattr(parsed, f) for f in ParsedAddress.__dataclass_fields__
                 if f not in ("input", "labels"))


@pytest.fixture(scope="module")
def demo_texts(demo_dir) -> list[str]:
    import pandas as pd

    frame = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False)
    return list(dict.fromkeys(frame.address))


def test_the_fast_builder_builds_what_the_general_one_does(demo_texts):
    # build_parsed_fast is build_parsed specialised to the fast path's labels: same fields
    applies = 0
    for text in [*demo_texts, "12-14 N Main St Apt. 5, Los Angeles, CA 90012-1234",
                 "0012 Elm Ct #5B", "7 Elm Ct, Evanston, 60201"]:
        pairs = fast_labels(text)
        if pairs:
            applies += 1
            assert build_parsed_fast(text, pairs) == build_parsed(text, pairs, [])
    assert applies > 0.9 * len(demo_texts)


def test_texts_with_one_fast_key_are_read_alike(demo_texts):
    # what the validator's cache by fast key relies on
    rng = np.random.default_rng(8)
    checked = 0
    for text in demo_texts[:6000]:
        if fast_key(text) is None:
            continue
        parsed, fast = parse_uncached_how(text)
        chars = [c.lower() if rng.random() < 0.5 else c.upper() for c in text]
        variant = "  ".join("".join(chars).split(" ")) + "\t"
        assert fast_key(variant) == fast_key(text)
        other, other_fast = parse_uncached_how(variant)
        assert other_fast == fast
        if fast:
            assert _meaning(other) == _meaning(parsed)
            checked += 1
    assert checked > 4000
    assert fast_key("12 Main St" + " " * 300) is None  # too long to parse: not the same answer
    assert fast_key("12 Máin St") is None
