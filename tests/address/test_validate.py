"""validate(): the intake answer on the demo region, against the generator's truth."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from geo311.address.frozen import EXTRACTORS, flatten, register_shape
from geo311.address.validate import Validator, redirect_message
from geo311.errors import InputError
from geo311.profile import load_profile


@pytest.fixture(scope="module")
def validator(demo_dir) -> Validator:
    return Validator(load_profile(demo_dir))


@pytest.fixture(scope="module")
def requests(demo_dir) -> pd.DataFrame:
    frame = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(demo_dir / "requests_truth.csv", dtype=str, keep_default_na=False)
    return frame.merge(truth, on="service_request_id")


def test_a_clean_address_is_valid_and_located(validator, requests):
    row = requests[(requests.perturbation == "none") & (requests.in_city == "True")].iloc[0]
    answer = validator.validate(row.address)
    assert answer["status"] == "valid"
    assert answer["address"] == row.true_address
    assert answer["location"]["in_jurisdiction"] is True
    assert answer["location"]["districts"]["ward"] is not None
    assert answer["redirect"] is None
    assert answer["confidence"] >= 0.9


def test_mistyped_demo_requests_come_out_corrected_to_the_true_address(validator, requests):
    typos = requests[requests.perturbation.isin(["typo", "suffix", "directional", "ordinal"])]
    sample = typos.sample(400, random_state=1)
    answers = [validator.validate(a) for a in sample.address]
    corrected = [a["status"] in ("corrected", "valid") and a["address"] == t
                 for a, t in zip(answers, sample.true_address, strict=True)]
    statuses = pd.Series([a["status"] for a in answers]).value_counts().to_dict()
    rate = sum(corrected) / len(corrected)
    print(f"mistyped -> corrected to the true address: {rate:.1%}; statuses {statuses}")
    assert rate >= 0.9


def test_outside_city_demo_requests_are_redirected_with_the_agency(validator, requests):
    outside = requests[(requests.in_city == "False") & (requests.perturbation == "none")]
    sample = outside.sample(200, random_state=2)
    answers = [validator.validate(a) for a in sample.address]
    redirected = [a for a in answers if a["redirect"] is not None]
    print(f"outside -> redirected: {len(redirected) / len(answers):.1%}")
    assert len(redirected) / len(answers) >= 0.95
    first = redirected[0]["redirect"]
    assert "is not in the City of Rivergate. It is served by" in first["message"]
    assert first["phone"] and first["phone"] in first["message"]


def test_po_box_is_rejected_with_the_reason(validator):
    answer = validator.validate("PO Box 1234, Rivergate CA")
    assert answer["status"] == "rejected"
    assert answer["address"] is None
    assert any("PO box" in r for r in answer["review_reasons"])


@pytest.mark.parametrize("text", ["東京 千代田 123", "улица д. 5", '=HYPERLINK("x") 123',
                                  "@SUM(A1) 12", "?!?! 42"])
def test_text_with_no_us_address_needs_review_and_is_not_rejected(validator, text):
    answer = validator.validate(text)
    assert (answer["status"], answer["address"]) == ("needs_review", None)
    assert "no US address found" in answer["review_reasons"]
    assert not any("PO box" in r for r in answer["review_reasons"])


def test_two_addresses_in_one_string_need_review_not_a_confident_answer(validator):
    answer = validator.validate("123 main st 456 oak ave")
    assert answer["status"] == "needs_review"
    assert answer["address"] is None and answer["location"] is None
    assert answer["confidence"] <= 0.5


def test_postal_city_that_differs_from_the_serving_agency_is_flagged(validator, requests):
    row = requests[(requests.perturbation == "none") & (requests.in_city == "True")].iloc[1]
    answer = validator.validate(row.address, city="Ashford")
    assert answer["postal_city"] == {"given": "ASHFORD", "serving": "City of Rivergate",
                                     "differs": True}
    same = validator.validate(row.address, city="Rivergate")
    assert same["postal_city"]["differs"] is False


def test_non_text_input_is_an_input_error(validator):
    with pytest.raises(InputError):
        validator.validate(None)


def test_reverse_returns_the_nearest_reference_address(validator, demo_dir):
    points = pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)
    point = points[points.Unit == ""].iloc[100]
    answer = validator.reverse(float(point.Longitude), float(point.Latitude))
    assert answer["address"] == point.Address
    assert answer["distance_m"] < 1


def test_redirect_message_without_agency_names_the_nearest():
    text = redirect_message("9 LAKE RD", "City of Rivergate", None,
                            {"name": "Kessler County", "phone": "(559) 555-0100",
                             "url": None, "distance_m": 1234.5})
    assert text == ("9 LAKE RD is not in the City of Rivergate, and no agency we know of "
                    "serves it. The nearest is Kessler County, 1,234 m away: (559) 555-0100.")


def test_confidence_bands_are_calibrated_on_the_demo_requests(validator, requests):
    sample = requests.sample(3000, random_state=3)
    rows = []
    for text, truth in zip(sample.address, sample.true_address, strict=True):
        answer = validator.validate(text)
        top = answer["address"]
        rows.append((answer["confidence"],
                     top is not None and (top == truth or top.startswith(truth + " "))))
    frame = pd.DataFrame(rows, columns=["confidence", "right"])
    frame["band"] = pd.cut(frame.confidence, [-0.01, 0.5, 0.8, 0.9, 0.95, 1.0])
    bands = frame.groupby("band", observed=True).right.agg(["mean", "size"])
    print("confidence band -> share right:", bands.round(3).to_dict("index"))
    top = frame[frame.confidence > 0.95]
    assert len(top) > 2500 and top.right.mean() >= 0.99  # measured 100 % of 2,861 (n=3,000)
    assert frame[frame.confidence <= 0.5].right.sum() == 0  # a low band is never an answer


def test_validate_many_gives_the_answers_of_validate(demo_dir, requests):
    one = Validator(load_profile(demo_dir))
    many = Validator(one.profile, reference=one.reference, locator=one.locator)
    sample = requests.sample(2000, random_state=4)
    # repeats, the same address in other case and spacing, and the form fields
    texts = [*sample.address, *sample.address[:500], *(" " + t.upper() for t in sample.address)]
    zips = [*sample.zipcode, *([""] * 500), *sample.zipcode]
    cities = (["Rivergate", "", None, " ashford "] * len(texts))[:len(texts)]
    expected = [one.validate(t, zip=z, city=c) for t, z, c in zip(texts, zips, cities,
                                                                    strict=True)]
    assert many.validate_many(texts, zips=zips, cities=cities) == expected
    assert [a["input"] for a in expected] == texts
    # and again from the caches, which validate shares
    assert many.validate_many(texts, zips=zips, cities=cities) == expected
    assert [many.validate(t, zip=z, city=c) for t, z, c in zip(texts, zips, cities,
                                                                strict=True)] == expected


def test_answers_are_the_callers_own(validator, requests):
    inside = requests[(requests.perturbation == "unit") & (requests.in_city == "True")]
    outside = requests[(requests.in_city == "False") & (requests.perturbation == "none")]
    for text in (inside.address.iloc[0], outside.address.iloc[0]):
        first = validator.validate(text, city="Ashford")
        expected = copy.deepcopy(first)
        assert first["location"] is not None and first["suggestions"]
        first["suggestions"][0]["address"] = "changed"
        first["understood"]["street"] = "changed"
        first["review_reasons"].append("changed")
        first["location"]["districts"]["ward"] = {"id": "changed"}
        first["location"]["jurisdiction"]["name"] = "changed"
        first["location"]["alternatives"].append({"changed": True})
        first["postal_city"]["given"] = "changed"
        if first["redirect"] is not None:
            first["redirect"]["message"] = "changed"
        assert validator.validate(text, city="Ashford") == expected
        twice = validator.validate_many([text, text], cities=["Ashford", "Ashford"])
        assert twice[0] == twice[1] == expected
        assert twice[0]["location"]["districts"] is not twice[1]["location"]["districts"]
        twice[0]["location"]["jurisdiction"]["id"] = "changed"
        twice[0]["suggestions"][0]["score"] = 0
        assert twice[1] == expected


def test_validate_many_refuses_bad_input_before_validating(validator):
    with pytest.raises(InputError, match="must be text"):
        validator.validate_many(["100 Main St", None])
    with pytest.raises(InputError, match="zips has 1 values for 2 addresses"):
        validator.validate_many(["100 Main St", "200 Main St"], zips=["93690"])
    assert validator.validate_many([]) == []


def test_a_compiled_extractor_lists_the_leaves_of_its_shape_only(validator, requests):
    # the validator freezes locate answers with the extractor of the last shape it saw
    sample = requests.sample(400, random_state=6)
    locations = [validator.locator.locate(float(lon), float(lat))
                 for lon, lat in zip(sample.lon, sample.lat, strict=True) if lon and lat]
    by_shape: dict = {}
    for location in locations:
        leaves: list = []
        shape = flatten(location, leaves)
        assert EXTRACTORS[register_shape(shape)](location) == tuple(leaves)
        by_shape.setdefault(shape, location)
    assert len(by_shape) >= 2  # inside and outside the city, near a boundary or not
    for shape in by_shape:
        extract = EXTRACTORS[register_shape(shape)]
        for other, location in by_shape.items():
            assert (extract(location) is None) == (other != shape)
