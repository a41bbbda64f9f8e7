"""Reallocation edges found by mutation testing (`make mutate`): Hamilton's bad input and ties,
wards missing from one side, the exact test at X² = 0 and at an expected count of exactly 5,
the Monte-Carlo p-value's grid, the table's shape and order, and the error messages."""

from __future__ import annotations

import json
import math
import warnings
from itertools import product
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.stats import chisquare
from shapely.geometry import box

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
from geo311.service.requests import Requests, columns_from_profile, load_requests, requests_file

DEPARTMENT = "Code Enforcement"


@pytest.fixture(scope="module")
def demo(demo_dir):
    profile = load_profile(demo_dir)
    locator = Locator(profile)
    requests = load_requests(requests_file(profile), columns_from_profile(profile))
    requests.locate(locator)
    return locator, requests, load_catalog(profile), load_staffing(profile)


# -- Hamilton's method ---------------------------------------------------------------------------

BAD_WEIGHTS = [
    ([3, -1, 2], 3),             # one negative weight, a positive sum
    ([1, float("nan")], 2),      # not finite
    ([1, float("inf")], 2),
    ([1, None, 2], 3),           # a missing weight: NaN, not a TypeError
    ([0, 0], 2),                 # all zero
    ([1, 2], -1),                # negative seats, good weights
]


@pytest.mark.parametrize(("weights", "seats"), BAD_WEIGHTS)
def test_hamilton_refuses_each_bad_input_with_one_message(weights, seats):
    with pytest.raises(InputError) as caught:
        largest_remainder(weights, seats)
    assert caught.value.message == ("weights must be finite, non-negative and not all zero; "
                                    "seats >= 0")
    assert caught.value.details == {"seats": seats}


def test_hamilton_ties_go_to_the_larger_weight_then_the_first_and_seats_are_whole():
    # quotas 0.5 and 1.5: floors 0 and 1, one seat left, equal remainders: the larger weight wins
    assert largest_remainder([1, 3], 2).tolist() == [0, 2]
    assert largest_remainder([3, 1], 2).tolist() == [2, 0]
    assert largest_remainder([2, 2], 1).tolist() == [1, 0]  # equal weights: the first
    # weights summing to less than one are fine: quotas 2 and 3
    assert largest_remainder([0.2, 0.3], 5).tolist() == [2, 3]
    assert np.issubdtype(largest_remainder([0.2, 0.3], 5).dtype, np.integer)


# -- compare_staffing's input --------------------------------------------------------------------

def test_a_ward_missing_from_requests_crews_or_weights_counts_zero():
    """'d' has crews but is absent from the requests, 'e' is absent from the crews (and has no
    requests), the weights name only 'a' and 'b'."""
    requests = pd.Series([30, 20, 10, 0], index=["a", "b", "c", "e"])
    crews = pd.Series([3, 2, 1, 2], index=["a", "b", "c", "d"])
    weights = pd.Series([5.0, 5.0], index=["a", "b"])
    result = compare_staffing(requests, crews, weights=weights)
    table = result.table.set_index("ward").loc[list("abcde")]
    assert table["requests"].tolist() == [30, 20, 10, 0, 0]
    assert table["crews"].tolist() == [3, 2, 1, 2, 0]
    assert table["staff_share"].tolist() == [3 / 8, 2 / 8, 1 / 8, 2 / 8, 0]
    assert table["weight"].tolist() == [5, 5, 0, 0, 0]
    assert table["suggested_crews"].tolist() == [4, 4, 0, 0, 0]  # 8 crews by weights 5 and 5
    # 'e' has neither crews nor requests: out of the test; expected 22.5, 15, 7.5, 15
    theirs = chisquare([30, 20, 10, 0], 60 * np.array([3, 2, 1, 2]) / 8)
    assert result.test == CHI_SQUARE and result.dof == 3
    assert result.statistic == pytest.approx(theirs.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(theirs.pvalue, rel=1e-12)
    # at probability 0 a count of 0 is the only possible outcome: p = 1
    assert table.loc["e", "p_binomial"] == 1.0


def test_demand_where_no_crew_is_impossible_under_proportionality():
    table = compare_staffing(pd.Series([20, 25, 4], index=list("abc")),
                             pd.Series([1, 1, 0], index=list("abc"))).table.set_index("ward")
    assert table.loc["c", "p_binomial"] == 0.0  # 4 requests at probability 0


@pytest.mark.parametrize(("requests", "crews", "details"), [
    ([0, 0], [1, 2], {"requests": 0, "crews": 3.0}),
    ([3, 1], [0, 0], {"requests": 4, "crews": 0.0}),
])
def test_no_requests_or_no_crews_is_an_input_error(requests, crews, details):
    with pytest.raises(InputError) as caught:
        compare_staffing(pd.Series(requests, index=list("ab")),
                         pd.Series(crews, index=list("ab")))
    assert caught.value.message == "no requests or no crews to compare"
    assert caught.value.details == details


def test_one_request_and_one_crew_are_enough():
    result = compare_staffing(pd.Series([1, 0], index=list("ab")),
                              pd.Series([1, 0], index=list("ab")))
    # the one outcome the null allows is the observed one
    assert (result.test, result.statistic, result.p_value, result.dof) == (EXACT, 0.0, 1.0, 0)
    assert result.table["p_binomial"].tolist() == [1.0, 1.0]  # probability 1 and probability 0


# -- the test ------------------------------------------------------------------------------------

def test_an_expected_count_of_exactly_five_uses_the_chi_square_test():
    result = compare_staffing(pd.Series([7, 3], index=list("ab")),
                              pd.Series([1, 1], index=list("ab")))
    theirs = chisquare([7, 3], [5, 5])
    assert result.test == CHI_SQUARE
    assert result.p_value == pytest.approx(theirs.pvalue, rel=1e-12)


def test_requests_exactly_as_expected_give_p_one_in_the_exact_test():
    """X² = 0: every outcome is at least as extreme, so p is the whole probability, 1 (summed in
    floating point it comes to 1 + 2e-15; a probability is never more than 1)."""
    result = compare_staffing(pd.Series([2, 2, 2, 2], index=list("abcd")),
                              pd.Series([1, 1, 1, 1], index=list("abcd")))
    assert result.test == EXACT and result.statistic == 0.0
    assert result.p_value <= 1.0
    assert result.p_value == pytest.approx(1.0, abs=1e-12)


def test_requests_exactly_as_expected_give_p_one_in_the_monte_carlo_test(monkeypatch):
    """(1 + #{X²_sim >= 0}) / (n_sim + 1) = 1 whatever the samples."""
    monkeypatch.setattr(reallocation, "MAX_OUTCOMES", 0)
    result = compare_staffing(pd.Series([1, 1], index=list("ab")),
                              pd.Series([1, 1], index=list("ab")), n_sim=99)
    assert result.test == MONTE_CARLO and result.p_value == 1.0


def test_the_monte_carlo_p_value_counts_in_steps_of_one_in_n_sim_plus_one():
    wards = [str(i) for i in range(11)]
    counts = pd.Series(np.random.default_rng(3).multinomial(40, [1 / 11] * 11), index=wards)
    crews = pd.Series([1] * 11, index=wards)
    default = compare_staffing(counts, crews)
    assert default.test == MONTE_CARLO and 0.01 < default.p_value < 0.99
    steps = default.p_value * 20_001  # n_sim defaults to 20,000
    assert steps == pytest.approx(round(steps), abs=1e-6)
    small = compare_staffing(counts, crews, n_sim=99).p_value * 100
    assert small == pytest.approx(round(small), abs=1e-9)
    # the default seed is reallocate's (311): a report and the library give one p-value
    assert default.p_value == compare_staffing(counts, crews, seed=311).p_value
    assert default.p_value != compare_staffing(counts, crews, seed=312).p_value


def test_the_enumeration_holds_each_split_once():
    """Every way to put n requests in k wards, once each (C(n+k-1, k-1) rows), and nothing else:
    the memory bound MAX_OUTCOME_CELLS counts exactly these rows."""
    for n, k in ((0, 2), (1, 3), (4, 3), (5, 4)):
        rows = reallocation._outcomes(n, k)
        theirs = sorted(x for x in product(range(n + 1), repeat=k) if sum(x) == n)
        assert len(rows) == math.comb(n + k - 1, k - 1)
        assert sorted(map(tuple, rows.tolist())) == theirs


# -- the table -----------------------------------------------------------------------------------

COLUMNS = ["ward", "requests", "weight", "demand_share", "crews", "staff_share", "ratio",
           "expected", "p_binomial", "p_fdr", "suggested_crews", "change"]


def test_the_table_is_ordered_by_imbalance_with_its_changes_and_whole_numbers_in_json():
    requests = pd.Series([40, 10, 0, 0, 25], index=list("abcde"))
    crews = pd.Series([2, 2, 1, 0, 1], index=list("abcde"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # log(0) of ward c must not warn
        result = compare_staffing(requests, crews)
    table = result.table
    assert list(table.columns) == COLUMNS
    assert table.index.tolist() == list(range(5))
    # ratios 1.6, 0.4, 0 (crews, no requests), 0/0 (neither) and 2: |log| .47, .92, inf, NaN
    # and .69; the infinite one first, then the largest; the one with neither (nothing to
    # move) last
    assert table["ward"].tolist() == ["c", "b", "e", "a", "d"]
    # Hamilton on 75 requests for 6 crews: quotas 3.2, 0.8, 0, 0, 2 -> 3, 1, 0, 0, 2
    by_ward = table.set_index("ward")
    assert by_ward["suggested_crews"].to_dict() == {"a": 3, "b": 1, "c": 0, "d": 0, "e": 2}
    assert by_ward["change"].to_dict() == {"a": 1, "b": -1, "c": -1, "d": 0, "e": 1}
    wards = json.loads(json.dumps(result.as_dict(), allow_nan=False))["wards"]
    assert [type(w["requests"]) for w in wards] == [int] * 5
    assert [type(w["suggested_crews"]) for w in wards] == [int] * 5


# -- ward_demand and reallocate on the demo ------------------------------------------------------

def codes_of(catalog: pd.DataFrame, department: str) -> set[str]:
    return set(catalog.loc[catalog["department"] == department, "service_code"])


def test_ward_demand_has_every_ward_even_without_requests_or_overdue_ones(demo):
    """The last ward of the layer loses its requests, and an as_of before the first request
    leaves nothing overdue: both columns still have a row for each ward (zeros)."""
    locator, requests, catalog, _ = demo
    ids = [str(i) for i in locator.district_layer("ward").ids]
    frame = requests.frame
    fewer = requests.subset((frame["ward_id"] != ids[-1]).to_numpy(), requests.report)
    before = fewer.frame["created"].min() - pd.Timedelta(days=1)
    demand = ward_demand(fewer, locator, "ward", catalog, DEPARTMENT, as_of=before)
    mine = fewer.frame[fewer.frame["type"].isin(codes_of(catalog, DEPARTMENT))]
    theirs = mine.dropna(subset=["ward_id"]).groupby("ward_id").size()
    assert demand.index.name == "ward" and demand.index.tolist() == ids
    assert demand["requests"].tolist() == theirs.reindex(ids, fill_value=0).tolist()
    assert demand.loc[ids[-1], "requests"] == 0 and demand["requests"].sum() > 0
    assert demand["open_past_sla"].tolist() == [0] * len(ids)


def test_ward_demand_names_a_department_the_catalog_lacks(demo):
    locator, requests, catalog, _ = demo
    with pytest.raises(InputError) as caught:
        ward_demand(requests, locator, "ward", catalog, "Nobody")
    assert caught.value.message == "no request type of department 'Nobody' in the catalog"
    assert caught.value.details == {"department": "Nobody"}


def test_the_requests_weight_is_the_requests_alone(demo):
    locator, requests, catalog, staffing = demo
    table = reallocate(requests, locator, DEPARTMENT, catalog=catalog, staffing=staffing).table
    assert (table["weight"] == table["requests"]).all()


def staffing_of(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"ward": ids, "department": DEPARTMENT, "crews": 1.0})


@pytest.mark.parametrize("unknown", [2, 20, 21])
def test_staffing_ids_that_are_not_the_layers_are_named(demo, unknown):
    locator, requests, catalog, _ = demo
    strangers = [f"x{i:02d}" for i in range(1, unknown + 1)]
    with pytest.raises(InputError) as caught:
        reallocate(requests, locator, DEPARTMENT, catalog=catalog,
                   staffing=staffing_of(["3", *strangers]))
    listed = ", ".join(strangers[:20]) + (" ..." if unknown > 20 else "")
    known = ", ".join(str(i) for i in range(1, 12))
    assert caught.value.message == (
        f"the staffing table's district key 'ward' holds ids that are not ward ids: {listed} "
        f"(ward ids: {known}); choose the district layer the staffing is keyed by")
    assert caught.value.details == {"key": "ward", "unmatched": strangers}


def write_stripton(root: Path) -> Path:
    """A town of 21 ward strips and 20 tract strips, ids w01.. and t01.. in layer order."""
    x0, y0 = -100.0, 40.0
    gpd.GeoDataFrame({"name": ["Stripton"]}, geometry=[box(x0, y0, x0 + 0.21, y0 + 0.01)],
                     crs="EPSG:4326").to_file(root / "city.geojson")
    tables = []
    for key, n in (("ward", 21), ("tract", 20)):
        width = 0.21 / n
        gpd.GeoDataFrame(
            {key: [f"{key[0]}{i:02d}" for i in range(1, n + 1)]},
            geometry=[box(x0 + i * width, y0, x0 + (i + 1) * width, y0 + 0.01) for i in range(n)],
            crs="EPSG:4326").to_file(root / f"{key}.geojson")
        tables.append(f'[[districts]]\nkey = "{key}"\nlabel = "{key}"\n'
                      f'layer = "{key}.geojson"\nid_field = "{key}"\n')
    (root / "profile.toml").write_text(
        '[jurisdiction]\nid = "stripton"\nname = "Stripton"\nboundary = "city.geojson"\n\n'
        + "\n".join(tables))
    return root


@pytest.mark.parametrize(("key", "more"), [("ward", " ..."), ("tract", "")])
def test_the_layers_ids_are_listed_up_to_twenty(demo, tmp_path, key, more):
    """The staffing is checked before any request is read (the demo's requests stand in)."""
    _, requests, catalog, _ = demo
    town = Locator(load_profile(write_stripton(tmp_path)))
    known = ", ".join(f"{key[0]}{i:02d}" for i in range(1, 21)) + more
    with pytest.raises(InputError) as caught:
        reallocate(requests, town, DEPARTMENT, catalog=catalog, key=key,
                   staffing=staffing_of([f"{key[0]}01", "x1"]))
    assert caught.value.message == (
        f"the staffing table's district key 'ward' holds ids that are not {key} ids: x1 "
        f"({key} ids: {known}); choose the district layer the staffing is keyed by")


def without_department(requests: Requests, catalog: pd.DataFrame) -> Requests:
    """The first 2,000 requests less the department's own."""
    frame = requests.frame
    keep = (frame.index < 2_000) & ~frame["type"].isin(codes_of(catalog, DEPARTMENT))
    return requests.subset(keep.to_numpy(), requests.report)


@pytest.mark.parametrize("kinds", [None, 0, 20, 21])
def test_no_request_of_the_department_names_the_types_loaded(demo, kinds):
    """None: the demo's own types; 0: no type at all; 20 and 21 made-up types."""
    locator, requests, catalog, staffing = demo
    others = without_department(requests, catalog)
    if kinds is not None:
        frame = others.frame.copy()
        made_up = [f"T{i % kinds:02d}" for i in range(len(frame))] if kinds else None
        frame["type"] = made_up
        others = Requests(frame, others.report, others.source, others.layer_ids)
    made_up = ", ".join(f"T{i:02d}" for i in range(20))
    listed = {0: "none", 20: made_up, 21: made_up + " ..."}.get(kinds)
    if kinds is None:
        listed = ", ".join(sorted(set(others.frame["type"])))
    with pytest.raises(InputError) as caught:
        reallocate(others, locator, DEPARTMENT, catalog=catalog, staffing=staffing)
    assert caught.value.message == (
        f"no located request of department '{DEPARTMENT}' in a ward among the "
        f"{len(others.frame):,} requests loaded (their types: {listed})")
    assert "," in f"{len(others.frame):,}"
    assert caught.value.details == {"department": DEPARTMENT, "key": "ward"}
