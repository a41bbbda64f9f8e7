"""Confidence calibration: how often each confidence band is right, on real Los Angeles data
and on the demo region.

The measurement and the meaning of "right" are those of ``bench/report_confidence.py``
(see its docstring): for perturbed LA addresses and demo requests the top candidate is
the original address; for held-out LA requests its point is within 50 m of the city's
own coordinates. Floors that can fail, with tolerances from the band sizes:

- a band is right at least as often as its lower edge says, less two binomial standard
  errors at that edge (bands of fewer than 20 inputs are not judged);
- a higher band is not less right than a lower one, unless a one-sided two-proportion
  test at two standard errors could not tell them apart;
- the top band [0.95, 1] is right >= 95 % of the time on LA, >= 99 % on the demo.

And two rules of ``geo311.address.validate`` the report's measures led to: a tie
between two addresses is ambiguous (0.5 at most), and the match type's weight, already
in the candidate's score, is not counted again by its prior.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from geo311.address.validate import Validator
from geo311.profile import load_profile
from testsupport.confidence import (
    MIN_N,
    band_table,
    demo_requests,
    expected_calibration_error,
    la_validator,
    measure_demo,
    measure_held_out,
    measure_perturbed,
    perturbed_inputs,
    verified,
)


@pytest.fixture(scope="module")
def la_perturbed(shared_data, la_requests_text, tmp_path_factory) -> pd.DataFrame:
    """The 1,000 perturbed addresses of test_typos_la.py against every verified address."""
    distinct = verified(la_requests_text).drop_duplicates(
        ["HouseNumber", "Direction", "StreetName", "Suffix"]).reset_index(drop=True)
    validator = la_validator(shared_data, tmp_path_factory.mktemp("cal_la_all"), distinct)
    return measure_perturbed(validator, perturbed_inputs(distinct))


@pytest.fixture(scope="module")
def la_held_out(shared_data, la_requests_text, tmp_path_factory) -> pd.DataFrame:
    """Requests of Dec 30-31 against the verified addresses of Dec 27-29."""
    requests = verified(la_requests_text)
    validator = la_validator(shared_data, tmp_path_factory.mktemp("cal_la_early"),
                             requests[requests.day <= 29])
    return measure_held_out(validator, requests[requests.day >= 30])


@pytest.fixture(scope="module")
def la_other_days(shared_data, la_requests_text, tmp_path_factory) -> pd.DataFrame:
    """Out of sample: requests of Dec 27-28 against the verified addresses of Dec 29-31.

    The priors of the match types were tuned on ``la_held_out`` (Dec 30-31); these days
    were not looked at.
    """
    requests = verified(la_requests_text)
    validator = la_validator(shared_data, tmp_path_factory.mktemp("cal_la_late"),
                             requests[requests.day >= 29])
    return measure_held_out(validator, requests[requests.day <= 28])


@pytest.fixture(scope="module")
def demo_validator(demo_dir) -> Validator:
    return Validator(load_profile(demo_dir))


@pytest.fixture(scope="module")
def demo(demo_validator, demo_dir) -> pd.DataFrame:
    """20,000 demo requests as typed, against the generator's true addresses."""
    return measure_demo(demo_validator, demo_requests(demo_dir).sample(20_000, random_state=3))


@pytest.fixture(scope="module")
def demo_directional(demo_validator, demo_dir) -> pd.DataFrame:
    """Every demo request whose caller left the directional out (where ties happen)."""
    requests = demo_requests(demo_dir)
    return measure_demo(demo_validator, requests[requests.perturbation == "directional"])


DATASETS = ["la_perturbed", "la_held_out", "demo"]


def _bands(request, name: str) -> list[dict]:
    frame = request.getfixturevalue(name)
    bands = band_table(frame)
    print(f"{name}:", [(b["band"], b["n"], round(b["mean_confidence"], 3),
                        round(b["share_right"], 3)) for b in bands if b["n"]])
    return bands


def _top(bands: list[dict]) -> dict:
    return bands[-1]


@pytest.mark.parametrize("name", DATASETS)
def test_each_band_is_right_at_least_as_often_as_its_lower_edge(request, name):
    for band in _bands(request, name):
        if band["n"] >= MIN_N:
            low = band["low"]
            tolerance = 2 * math.sqrt(low * (1 - low) / band["n"])
            assert band["share_right"] >= low - tolerance, band


@pytest.mark.parametrize("name", DATASETS)
def test_a_higher_band_is_not_less_right_than_a_lower_one(request, name):
    bands = [b for b in _bands(request, name) if b["n"] >= MIN_N]
    for lower, higher in zip(bands, bands[1:], strict=False):
        pooled = (lower["right"] + higher["right"]) / (lower["n"] + higher["n"])
        tolerance = 2 * math.sqrt(pooled * (1 - pooled) * (1 / lower["n"] + 1 / higher["n"]))
        assert higher["share_right"] >= lower["share_right"] - tolerance, (lower, higher)


def test_la_top_band_is_right_at_least_95_percent(request):
    perturbed, held_out = _top(_bands(request, "la_perturbed")), _top(_bands(request,
                                                                             "la_held_out"))
    # measured: perturbed 513 of 513 (one perturbation per address, the original in the
    # reference); held out 83 of 85 within 50 m (the city's own points of one address
    # differ by 50-77 m between days)
    assert perturbed["n"] >= 400 and perturbed["share_right"] >= 0.95
    assert held_out["n"] >= 50 and held_out["share_right"] >= 0.95


def test_demo_top_band_is_right_at_least_99_percent(request):
    top = _top(_bands(request, "demo"))
    # measured: 19,360 of 20,000 in the band, all right (116,211 of 120,000, all right)
    assert top["n"] >= 0.9 * 20_000 and top["share_right"] >= 0.99


def test_the_lowest_band_is_mostly_wrong(request):
    # below 0.5 the top candidate is a street, a guess or nothing: measured 7.6 % of 1,593
    # held-out LA requests within 50 m (a street's nearest number), 0 % of 9 perturbed,
    # 0 % of 2 demo (ties are at 0.5 exactly: the band [0.5, 0.7))
    for name in DATASETS:
        low = _bands(request, name)[0]
        assert low["n"] == 0 or low["share_right"] <= 0.25, (name, low)


def test_calibration_error_stays_small_on_real_requests_and_the_demo(la_held_out, demo,
                                                                       la_perturbed):
    eces = {name: expected_calibration_error(frame) for name, frame in
            (("la_held_out", la_held_out), ("demo", demo), ("la_perturbed", la_perturbed))}
    print("ECE:", {k: round(v, 3) for k, v in eces.items()})
    # measured: held out 0.009, demo 0.007 (also on all 120,000), perturbed LA 0.098
    # (underconfident: its corrections, exact at 0.89 and fuzzy at 0.84 on average, are
    # right 100 % of the time); since issue 12, held out 0.017, demo 0.008, perturbed 0.146:
    # a swapped directional or suffix is capped at SWAP_CONFIDENCE (0.7) by rule, though on
    # synthetic swaps of addresses that exist the swap is nearly always right
    assert eces["la_held_out"] <= 0.02 and eces["demo"] <= 0.02
    assert eces["la_perturbed"] <= 0.16


def test_demo_directional_ties_are_a_coin_flip(demo_directional):
    # "130 24th St" when both 130 N and 130 S 24TH ST exist: the first in alphabetical order
    ties = demo_directional[demo_directional.tied]
    print(f"ties: {len(ties)}, right {ties.right.mean():.1%}, confidence "
          f"{sorted(set(ties.confidence))}")
    # measured 46.8 % of 188; 93 since a contradicting ZIP costs 0.6 (issue 12): the ZIP decides
    assert len(ties) >= 80 and 0.3 <= ties.right.mean() <= 0.7


def test_a_tie_between_two_addresses_is_ambiguous_not_confident(demo_directional):
    ties = demo_directional[demo_directional.tied]
    # measured: all 188 ambiguous at 0.5 (answered at 0.95 before validate.TIE); 93 since the
    # sharp ZIP penalty of issue 12 lets the ZIP decide the others
    assert len(ties) >= 80
    assert (ties.confidence <= 0.5).all() and (ties.status == "ambiguous").all()


def test_fuzzy_and_interpolated_confidence_count_the_match_type_once(la_perturbed,
                                                                      la_held_out):
    fuzzy = la_perturbed[(la_perturbed.match_type == "fuzzy_street")
                         & (la_perturbed.status == "corrected")]
    interpolated = la_held_out[(la_held_out.match_type == "point_interpolated")
                               & (la_held_out.status == "valid")]
    # measured: fuzzy 144 of 144 right at mean 0.84 (0.67 when its prior was 0.8);
    # interpolated 18 of 19 within 50 m, all at 0.85 (0.72 with a prior of 0.85)
    assert fuzzy.right.mean() >= 0.95 and fuzzy.confidence.mean() >= 0.8
    assert interpolated.right.mean() >= 0.85 and (interpolated.confidence >= 0.84).all()



def test_calibration_holds_out_of_sample_on_days_not_used_for_tuning(la_held_out,
                                                                     la_other_days):
    in_sample = expected_calibration_error(la_held_out)
    out_of_sample = expected_calibration_error(la_other_days)
    print(f"LA ECE: in sample (Dec 30-31, tuning) {in_sample:.3f} on {len(la_held_out)}, "
          f"out of sample (Dec 27-28) {out_of_sample:.3f} on {len(la_other_days)}")
    assert len(la_other_days) >= 1000
    assert out_of_sample <= 0.03  # measured 0.020 (in sample 0.009)
    for band in band_table(la_other_days):
        if band["n"] >= MIN_N:
            low = band["low"]
            assert band["share_right"] >= low - 2 * math.sqrt(low * (1 - low) / band["n"]), band
