"""Demand against staffing: Hamilton apportionment and the proportionality test."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from geo311.crews import reallocation
from geo311.crews.reallocation import (
    CHI_SQUARE,
    EXACT,
    MONTE_CARLO,
    compare_staffing,
    largest_remainder,
    reallocate,
    ward_demand,
)
from geo311.errors import InputError
from geo311.jurisdiction.locate import Locator
from geo311.profile import load_profile
from geo311.service.catalog import load_catalog, load_staffing
from geo311.service.requests import columns_from_profile, load_requests, requests_file


def _services(locator):
    """The profile's catalog and staffing, as reallocate takes them."""
    return {"catalog": load_catalog(locator.profile), "staffing": load_staffing(locator.profile)}



def test_hamilton_gives_the_textbook_apportionment():
    # quotas 4.7, 1.6, 1.58, 1.2, 0.61, 0.31: floors give 7 seats, the 3 left go to the
    # remainders .70, .61 and .60
    votes = [47_000, 16_000, 15_800, 12_000, 6_100, 3_100]
    assert largest_remainder(votes, 10).tolist() == [5, 2, 1, 1, 1, 0]


@pytest.mark.parametrize("seats", [0, 1, 7, 33, 100])
def test_hamilton_totals_are_exact_and_within_one_of_the_quota(seats):
    weights = np.random.default_rng(seats).uniform(0, 10, 11)
    allocation = largest_remainder(weights, seats)
    quota = seats * weights / weights.sum()
    assert allocation.sum() == seats
    assert (np.abs(allocation - quota) < 1).all()


@pytest.fixture(scope="module")
def demo(demo_dir):
    profile = load_profile(demo_dir)
    requests = load_requests(requests_file(profile), columns_from_profile(profile))
    return Locator(profile), requests


def test_equally_staffed_code_enforcement_is_far_from_its_demand(demo):
    locator, requests = demo
    result = reallocate(requests, locator, "Code Enforcement", **_services(locator))
    top = result.table.iloc[0]
    print(f"{result.test} X2 = {result.statistic:.1f}, dof {result.dof}, p = {result.p_value:.3g}")
    print(result.table[["ward", "requests", "demand_share", "staff_share", "ratio",
                        "suggested_crews", "change"]].to_string(index=False))
    assert result.test == CHI_SQUARE and result.p_value < 1e-6
    assert (result.table["staff_share"] == 1 / 11).all()  # 3 crews in each of 11 wards
    assert top["ward"] == "10" and top["demand_share"] > 3 * top["staff_share"]
    assert top["change"] > 0 and result.table["suggested_crews"].sum() == 33
    assert json.loads(json.dumps(result.as_dict()))["wards"][0]["ward"] == "10"


def test_backlog_weight_adds_overdue_requests_to_demand(demo):
    locator, requests = demo
    plain = reallocate(requests, locator, "Code Enforcement",
                       **_services(locator)).table.set_index("ward")
    backlog = reallocate(requests, locator, "Code Enforcement", **_services(locator),
                         weight="backlog").table.set_index("ward")
    assert (backlog["weight"] >= plain["weight"]).all()
    assert backlog["weight"].sum() > plain["weight"].sum()
    assert backlog["suggested_crews"].sum() == 33


def test_demand_proportional_to_staff_is_not_rejected():
    crews = pd.Series([3, 1, 2, 4, 2], index=list("abcde"))
    result = compare_staffing(crews * 40, crews)
    assert result.test == CHI_SQUARE and result.p_value > 0.05
    assert (result.table["ratio"] == 1).all()
    assert (result.table["suggested_crews"] == result.table["crews"]).all()


def test_small_counts_use_the_exact_multinomial_test():
    crews = pd.Series([1, 1, 1, 1], index=list("abcd"))
    even = compare_staffing(pd.Series([2, 1, 1, 2], index=list("abcd")), crews)
    lopsided = compare_staffing(pd.Series([12, 0, 0, 0], index=list("abcd")), crews)
    assert even.test == lopsided.test == EXACT
    assert even.p_value > 0.05
    # P(all 12 in one ward) = 4 / 4**12, and nothing is more extreme
    assert lopsided.p_value == pytest.approx(4 / 4**12, rel=1e-9)


def test_the_exact_test_equals_a_hand_enumeration_and_monte_carlo_agrees(monkeypatch):
    from itertools import product

    from scipy.stats import multinomial

    counts, crews = np.array([5, 1, 0]), np.array([1.0, 2.0, 1.0])
    p = crews / crews.sum()
    observed = ((counts - 6 * p) ** 2 / (6 * p)).sum()
    by_hand = sum(multinomial.pmf(x, 6, p) for x in product(range(7), repeat=3)
                  if sum(x) == 6 and ((np.array(x) - 6 * p) ** 2 / (6 * p)).sum()
                  >= observed - 1e-9)
    index = list("abc")
    exact = compare_staffing(pd.Series(counts, index=index), pd.Series(crews, index=index))
    assert exact.test == EXACT and exact.p_value == pytest.approx(by_hand, rel=1e-9)
    monkeypatch.setattr(reallocation, "MAX_OUTCOMES", 0)  # force the Monte-Carlo estimate
    estimate = compare_staffing(pd.Series(counts, index=index), pd.Series(crews, index=index),
                                n_sim=200_000)
    assert estimate.test == MONTE_CARLO
    assert estimate.p_value == pytest.approx(by_hand, abs=4 * np.sqrt(by_hand / 200_000))
    monkeypatch.undo()
    # 40 requests over 11 wards: C(50, 10) outcomes, too many to enumerate
    rng = np.random.default_rng(3)
    wards = [str(i) for i in range(11)]
    many = compare_staffing(pd.Series(rng.multinomial(40, [1 / 11] * 11), index=wards),
                            pd.Series([1] * 11, index=wards))
    assert many.test == MONTE_CARLO
    again = compare_staffing(pd.Series(rng.multinomial(40, [1 / 11] * 11), index=wards),
                             pd.Series([1] * 11, index=wards), seed=7)
    assert again.test == MONTE_CARLO and 0 < again.p_value <= 1


def test_types_named_instead_of_coded_find_their_department_and_sla(demo):
    """Exports such as MyLA311 carry the service name ("Bulky Items"), not a code."""
    locator, requests = demo
    catalog = load_catalog(locator.profile)
    names = dict(zip(catalog["service_code"], catalog["service_name"], strict=True))
    frame = requests.frame.copy()
    frame["type"] = frame["type"].map(names).str.upper()  # case differs from the catalog
    by_name = type(requests)(frame, requests.report, requests.source)
    coded = reallocate(requests, locator, "Code Enforcement", **_services(locator),
                       weight="backlog").table
    named = reallocate(by_name, locator, "Code Enforcement", **_services(locator),
                       weight="backlog").table
    pd.testing.assert_frame_equal(coded, named)


def test_as_of_counts_requests_overdue_at_that_time(demo):
    locator, requests = demo
    catalog = load_catalog(locator.profile)
    latest = requests.frame["created"].max()
    default = ward_demand(requests, locator, "ward", catalog, "Code Enforcement")
    same = ward_demand(requests, locator, "ward", catalog, "Code Enforcement", as_of=latest)
    later = ward_demand(requests, locator, "ward", catalog, "Code Enforcement",
                        as_of=str((latest + pd.Timedelta(days=400)).tz_localize(None)))
    pd.testing.assert_frame_equal(default, same)
    # a year later every still-open request is past any SLA of the catalog
    open_mine = later["open_past_sla"].sum()
    assert open_mine > default["open_past_sla"].sum()
    assert (later["requests"] == default["requests"]).all()
    for bad in ("soon", "", "NaT"):
        with pytest.raises(InputError, match="not a date"):
            ward_demand(requests, locator, "ward", catalog, "Code Enforcement", as_of=bad)


def test_many_wards_with_few_requests_do_not_enumerate_beyond_memory():
    # 45 wards, 5 requests: 1.9 M outcomes x 45 wards would take 2 GB; Monte-Carlo instead
    wards = [str(i) for i in range(45)]
    counts = pd.Series([1] * 5 + [0] * 40, index=wards)
    result = compare_staffing(counts, pd.Series([1] * 45, index=wards))
    assert result.test == MONTE_CARLO and 0 < result.p_value <= 1


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, written out for the test."""
    m = len(p)
    order = np.argsort(p)
    adjusted = np.empty(m)
    running = 1.0
    for rank in range(m, 0, -1):  # from the largest p down, keeping the running minimum
        i = order[rank - 1]
        running = min(running, p[i] * m / rank)
        adjusted[i] = running
    return adjusted


def test_ward_p_values_equal_scipy_binomtest_and_benjamini_hochberg(demo):
    from scipy.stats import binomtest

    locator, requests = demo
    result = reallocate(requests, locator, "Code Enforcement", **_services(locator))
    table = result.table
    n = int(table["requests"].sum())
    theirs = np.array([binomtest(int(k), n, q).pvalue
                       for k, q in zip(table["requests"], table["staff_share"], strict=True)])
    print(table[["ward", "requests", "staff_share", "p_binomial", "p_fdr"]].to_string())
    np.testing.assert_allclose(table["p_binomial"], theirs, rtol=1e-12)
    np.testing.assert_allclose(table["p_fdr"], benjamini_hochberg(theirs), rtol=1e-12)
    wards = result.as_dict()["wards"]
    assert [w["p_fdr"] for w in wards] == pytest.approx(benjamini_hochberg(theirs).tolist())


def test_small_ward_p_values_equal_scipy_binomtest():
    from scipy.stats import binomtest

    index = list("abcde")
    result = compare_staffing(pd.Series([30, 2, 9, 0, 14], index=index),
                              pd.Series([1, 3, 2, 2, 2], index=index)).table.set_index("ward")
    theirs = pd.Series([binomtest(k, 55, c / 10).pvalue
                        for k, c in zip([30, 2, 9, 0, 14], [1, 3, 2, 2, 2], strict=True)],
                       index=index)
    assert (theirs < 0.05).any() and (theirs > 0.05).any()  # a mix, so a constant p fails
    np.testing.assert_allclose(result.loc[index, "p_binomial"], theirs, rtol=1e-12)
    np.testing.assert_allclose(result.loc[index, "p_fdr"],
                               benjamini_hochberg(theirs.to_numpy()), rtol=1e-12)


def test_exact_test_statistic_is_pearsons_x2_with_expected_counts_below_one():
    from itertools import product

    from scipy.stats import multinomial

    index = list("abcd")  # d has no crews and no requests: it is left out, not 0 / 0
    result = compare_staffing(pd.Series([2, 0, 0, 0], index=index),
                              pd.Series([1, 1, 1, 0], index=index))
    # expected 2/3 in each ward with crews: X2 = ((4/3)^2 + 2 (2/3)^2) / (2/3) = 4
    assert result.test == EXACT and result.statistic == pytest.approx(4.0, rel=1e-12)
    p = np.array([1, 1, 1]) / 3
    by_hand = sum(multinomial.pmf(x, 2, p) for x in product(range(3), repeat=3)
                  if sum(x) == 2 and ((np.array(x) - 2 * p) ** 2 / (2 * p)).sum() >= 4 - 1e-9)
    assert result.p_value == pytest.approx(by_hand, rel=1e-12)
    assert result.dof == 2


def test_the_exact_test_enumerates_up_to_exactly_max_outcomes(monkeypatch):
    import math

    index = list("abcd")
    counts, crews = pd.Series([3, 1, 0, 2], index=index), pd.Series([1, 1, 1, 1], index=index)
    outcomes = math.comb(6 + 4 - 1, 4 - 1)  # 84 ways to split 6 requests over 4 wards
    monkeypatch.setattr(reallocation, "MAX_OUTCOMES", outcomes)
    assert compare_staffing(counts, crews).test == EXACT
    monkeypatch.setattr(reallocation, "MAX_OUTCOMES", outcomes - 1)
    assert compare_staffing(counts, crews).test == MONTE_CARLO
    monkeypatch.setattr(reallocation, "MAX_OUTCOMES", outcomes)
    monkeypatch.setattr(reallocation, "MAX_OUTCOME_CELLS", outcomes * 4)
    assert compare_staffing(counts, crews).test == EXACT
    monkeypatch.setattr(reallocation, "MAX_OUTCOME_CELLS", outcomes * 4 - 1)
    assert compare_staffing(counts, crews).test == MONTE_CARLO


def test_chi_square_statistic_equals_scipy():
    from scipy.stats import chisquare

    index = list("abcd")
    result = compare_staffing(pd.Series([60, 20, 35, 0], index=index),
                              pd.Series([2, 1, 1, 0], index=index))
    expected = 115 * np.array([0.5, 0.25, 0.25])
    theirs = chisquare([60, 20, 35], expected)
    assert result.test == CHI_SQUARE
    assert result.statistic == pytest.approx(theirs.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(theirs.pvalue, rel=1e-12)


def test_demand_in_a_ward_without_crews_rejects_proportionality():
    index = list("abc")
    for stray in (1, 4):
        result = compare_staffing(pd.Series([20, 25, stray], index=index),
                                  pd.Series([1, 1, 0], index=index))
        assert result.test == CHI_SQUARE
        assert result.statistic == np.inf and result.p_value == 0.0


def test_reallocate_passes_on_as_of_total_crews_and_its_tables(demo):
    locator, requests = demo
    latest = requests.frame["created"].max()
    services = _services(locator)
    default = reallocate(requests, locator, "Code Enforcement", **services,
                         weight="backlog").table
    later = reallocate(requests, locator, "Code Enforcement", **services, weight="backlog",
                       as_of=str((latest + pd.Timedelta(days=400)).tz_localize(None))).table
    assert later["weight"].sum() > default["weight"].sum()
    assert reallocate(requests, locator, "Code Enforcement", **services,
                      total_crews=50).table["suggested_crews"].sum() == 50
    staffing = services["staffing"]
    doubled = staffing.assign(crews=staffing["crews"] * 2)
    table = reallocate(requests, locator, "Code Enforcement", catalog=services["catalog"],
                       staffing=doubled).table
    assert table["crews"].sum() == 2 * default["crews"].sum()
    catalog = services["catalog"].assign(department="Elsewhere")
    with pytest.raises(InputError):  # the catalog given, not the profile's, is used
        reallocate(requests, locator, "Code Enforcement", catalog=catalog,
                   staffing=services["staffing"])


def test_reallocate_bad_input_messages(demo):
    locator, requests = demo
    with pytest.raises(InputError) as caught:
        reallocate(requests, locator, "Code Enforcement", **_services(locator),
                   weight="overdue")
    assert caught.value.message == "weight must be 'requests' or 'backlog', got 'overdue'"
    assert caught.value.details == {"weight": "overdue"}
    with pytest.raises(InputError) as caught:
        reallocate(requests, locator, "Nobody", **_services(locator))
    assert caught.value.details == {"department": "Nobody"}
    assert caught.value.message == "no staffing for department 'Nobody'"


def test_as_dict_names_its_fields_and_gives_none_for_nan():
    index = list("abc")
    result = compare_staffing(pd.Series([20, 25, 0], index=index),
                              pd.Series([1, 1, 0], index=index))
    answer = result.as_dict()
    assert list(answer) == ["test", "statistic", "p_value", "dof", "total_crews", "wards"]
    assert (answer["test"], answer["statistic"], answer["p_value"], answer["dof"],
            answer["total_crews"]) == (result.test, result.statistic, result.p_value, 1, 2)
    ward_c = next(w for w in answer["wards"] if w["ward"] == "c")
    assert ward_c["ratio"] is None  # 0 / 0
    json.loads(json.dumps(answer, allow_nan=False))


def test_a_profile_without_staffing_is_named_in_the_error(demo):
    import dataclasses

    locator, _ = demo
    profile = dataclasses.replace(locator.profile, services=dataclasses.replace(
        locator.profile.services, staffing=None))
    with pytest.raises(InputError) as caught:
        load_staffing(profile)
    assert caught.value.message == f"{profile.path}: [services] needs 'staffing'"
    assert caught.value.details == {"profile": str(profile.path)}


def test_the_monte_carlo_estimate_repeats_with_the_default_seed_and_moves_with_another():
    # 40 requests over 11 equally staffed wards: too many outcomes, so Monte-Carlo
    wards = [str(i) for i in range(11)]
    counts = pd.Series(np.random.default_rng(3).multinomial(40, [1 / 11] * 11), index=wards)
    crews = pd.Series([1] * 11, index=wards)
    first, second = (compare_staffing(counts, crews) for _ in range(2))
    assert first.test == MONTE_CARLO and 0.01 < first.p_value < 0.99  # not pinned at an end
    assert first.p_value == second.p_value
    others = {compare_staffing(counts, crews, seed=s).p_value for s in (1, 2, 3)}
    assert len(others | {first.p_value}) > 1  # the seed drives the samples


def test_reallocate_hands_its_seed_to_the_test(demo, monkeypatch):
    locator, requests = demo
    seen = []
    real = reallocation.compare_staffing

    def spy(*args, **kwargs):
        seen.append(kwargs["seed"])
        return real(*args, **kwargs)

    monkeypatch.setattr(reallocation, "compare_staffing", spy)
    reallocate(requests, locator, "Code Enforcement", **_services(locator))
    reallocate(requests, locator, "Code Enforcement", **_services(locator), seed=9)
    assert seen == [311, 9]  # the default seed makes reports repeatable
