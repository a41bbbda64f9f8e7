"""validate(): the intake answer on the demo region, against the generator's truth."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from geo311.address.batch import validate_csv
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


def test_validate_csv_keeps_rows_and_resumes_after_interruption(validator, demo_dir, tmp_path):
    source = tmp_path / "in.csv"
    frame = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False).head(120)
    frame.loc[5, "address"] = ""
    frame.to_csv(source, index=False)
    whole = tmp_path / "whole.csv"
    summary = validate_csv(validator, source, whole, address_col="address", zip_col="zipcode")
    assert summary["rows"] == 120 and summary["resumed"] == 0
    rows = list(csv.DictReader(whole.open()))
    assert [r["service_request_id"] for r in rows] == frame.service_request_id.tolist()
    assert rows[5]["status"] in ("open", "closed")  # the input column is kept
    assert rows[5]["geo311_status"] == "needs_review"
    # interrupt: keep the header and 50 rows, then run again
    partial = tmp_path / "partial.csv"
    partial.write_text("".join(whole.open().readlines()[:51]))
    summary = validate_csv(validator, source, partial, address_col="address", zip_col="zipcode")
    assert summary["resumed"] == 50 and summary["rows"] == 120
    assert partial.read_text() == whole.read_text()


def test_validate_csv_names_a_missing_column(validator, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,street\n1,100 Main St\n")
    with pytest.raises(InputError, match=r"no column 'addr' for --address-col"):
        validate_csv(validator, source, tmp_path / "o.csv", address_col="addr")


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
