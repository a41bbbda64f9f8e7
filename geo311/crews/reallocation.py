"""Demand against staffing: is a department's demand proportional to its crews?

For one department, :func:`compare_staffing` sets each ward's share of the
requests beside its share of the crews, tests whether the requests are spread
in proportion to the crews, and suggests an allocation of the crews in
proportion to demand by the largest-remainder (Hamilton) method.
:func:`reallocate` does it from a request table, a locator, the service catalog
and the staffing table (:mod:`geo311.service.catalog`).

The test
--------
Under the null hypothesis each request falls in ward *i* with probability
``p_i = crews_i / sum(crews)``, so the counts are multinomial. Pearson's
chi-square goodness of fit (``scipy.stats.chisquare``, ``k - 1`` degrees of
freedom) is used when every expected count ``n * p_i`` is at least 5, the
usual condition for its chi-square approximation (Cochran 1954). Otherwise
the same statistic is referred to its exact distribution: by full enumeration
of the multinomial outcomes when there are at most :data:`MAX_OUTCOMES` of
them, times the wards at most :data:`MAX_OUTCOME_CELLS` (the exact multinomial
test, Read & Cressie 1988, §2.2: the p-value sums the probabilities of all
outcomes whose X² is at least the observed one), else estimated by
Monte-Carlo: ``n_sim`` multinomial samples under the null, and the p-value
``(1 + #{X2_sim >= X2_obs}) / (n_sim + 1)`` (Davison & Hinkley 1997, §4.2;
North, Curtis & Sham 2002), repeatable through ``seed``. Per ward, an exact
two-sided binomial test (``scipy.stats.binomtest``) of its count against
``p_i``, with Benjamini–Hochberg adjusted p-values, says which wards depart.

References
----------
Cochran, W. G. (1954). Some methods for strengthening the common chi-square
tests. *Biometrics* 10(4), 417–451.
Davison, A. C. & Hinkley, D. V. (1997). *Bootstrap Methods and their
Application*. Cambridge University Press.
Read, T. R. C. & Cressie, N. A. C. (1988). *Goodness-of-Fit Statistics for
Discrete Multivariate Data*. Springer.
North, B. V., Curtis, D. & Sham, P. C. (2002). A note on the calculation of
empirical P values from Monte Carlo procedures. *Am. J. Hum. Genet.* 71(2), 439–441.
Balinski, M. L. & Young, H. P. (2001). *Fair Representation*, 2nd ed.
Brookings Institution Press (Hamilton's method).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from geo311.errors import InputError
from geo311.hotspots.gistar import fdr_bh
from geo311.jurisdiction.locate import Locator
from geo311.service.catalog import (
    as_of_time,
    catalog_lookup,
    past_sla,
    sla_days_of,
)
from geo311.service.requests import Requests

__all__ = [
    "CHI_SQUARE",
    "EXACT",
    "MAX_OUTCOMES",
    "MAX_OUTCOME_CELLS",
    "MIN_EXPECTED",
    "MONTE_CARLO",
    "StaffingComparison",
    "compare_staffing",
    "largest_remainder",
    "reallocate",
    "ward_demand",
]

MIN_EXPECTED = 5.0
CHI_SQUARE = "chi-square"
EXACT = "exact multinomial"
MONTE_CARLO = "monte-carlo exact"
MAX_OUTCOMES = 2_000_000
"""Most multinomial outcomes the exact test enumerates; beyond, Monte-Carlo."""
MAX_OUTCOME_CELLS = 20_000_000
"""Most outcomes x wards the exact test holds in memory (160 MB); beyond, Monte-Carlo."""


def largest_remainder(weights: np.ndarray, seats: int) -> np.ndarray:
    """Return ``seats`` whole seats shared in proportion to ``weights`` (Hamilton's method).

    Each party gets the floor of its quota ``seats * w_i / sum(w)``; the seats
    left go one each to the largest remainders (ties: larger weight, then
    order). The result always sums to ``seats``.

    Raises
    ------
    InputError
        If a weight is negative or not finite, all are zero, or ``seats < 0``.

    Examples
    --------
    >>> largest_remainder([47000, 16000, 15800, 12000, 6100, 3100], 10).tolist()
    [5, 2, 1, 1, 1, 0]
    """
    weights = np.asarray(weights, dtype=float)
    if seats < 0 or not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
        raise InputError("weights must be finite, non-negative and not all zero; seats >= 0",
                         seats=seats)
    quota = seats * weights / weights.sum()
    whole = np.floor(quota).astype(np.int64)
    left = seats - int(whole.sum())
    order = np.lexsort((np.arange(len(weights)), -weights, -(quota - whole)))
    whole[order[:left]] += 1
    return whole


def _chi_square(counts: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Pearson's X² of each row of ``counts`` (cells with zero expectation skipped)."""
    used = expected > 0
    return (((counts[..., used] - expected[used]) ** 2) / expected[used]).sum(axis=-1)


def _outcomes(n: int, k: int) -> np.ndarray | None:
    """Every way to split ``n`` requests over ``k`` wards (rows), or None if too many."""
    outcomes = math.comb(n + k - 1, k - 1)
    if outcomes > MAX_OUTCOMES or outcomes * k > MAX_OUTCOME_CELLS:
        return None
    rows = np.zeros((1, 0), dtype=np.int64)
    left = np.array([n], dtype=np.int64)
    for _ in range(k - 1):
        choices = left + 1
        starts = np.repeat(np.cumsum(choices) - choices, choices)
        part = np.arange(int(choices.sum()), dtype=np.int64) - starts
        rows = np.column_stack([np.repeat(rows, choices, axis=0), part])
        left = np.repeat(left, choices) - part
    return np.column_stack([rows, left])


def _test(counts: np.ndarray, p: np.ndarray, n_sim: int,
          rng: np.random.Generator) -> tuple[str, float, float]:
    """Return (test name, X², p-value) of the counts against probabilities ``p``."""
    n = int(counts.sum())
    expected = n * p
    used = expected > 0
    if (counts[~used] > 0).any():
        return CHI_SQUARE, float("inf"), 0.0  # demand where the null allows none
    if expected[used].min() >= MIN_EXPECTED:
        statistic, p_value = stats.chisquare(counts[used], expected[used])
        return CHI_SQUARE, float(statistic), float(p_value)
    observed = float(_chi_square(counts, expected))
    outcomes = _outcomes(n, int(used.sum()))
    if outcomes is not None:
        # every outcome over the wards the null allows, with its multinomial probability
        log_pmf = (special.gammaln(n + 1) - special.gammaln(outcomes + 1).sum(axis=1)
                   + outcomes @ np.log(p[used]))
        statistic = _chi_square(outcomes, expected[used])
        extreme = statistic >= observed * (1 - 1e-12)
        return EXACT, observed, float(min(1.0, np.exp(log_pmf[extreme]).sum()))
    simulated = _chi_square(rng.multinomial(n, p, size=n_sim), expected)
    # a relative tolerance so that ties in floating point count as ties
    extreme = int((simulated >= observed * (1 - 1e-12)).sum())
    return MONTE_CARLO, observed, (1 + extreme) / (n_sim + 1)


def _binomial_p(k: int, n: int, q: float) -> float:
    """Exact two-sided binomial p-value of ``k`` of ``n`` at probability ``q``."""
    if 0 < q < 1:
        return float(stats.binomtest(k, n, q).pvalue)
    return float(k == round(n * q))  # q of 0 or 1: only one count is possible


@dataclass
class StaffingComparison:
    """Demand against staffing for one department.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per ward, the most over- or under-served first (by
        ``|log ratio|``; a ward with crews and no demand, or demand and no crews, first of
        all; one with neither last): ``ward, requests, weight, demand_share, crews,
        staff_share, ratio`` (demand share / staff share: above 1 the ward has
        less staff than its demand), ``expected`` (requests under
        proportionality), ``p_binomial``, ``p_fdr``, ``suggested_crews``, ``change``.
    test : str
        ``"chi-square"`` or ``"monte-carlo exact"``.
    statistic, p_value : float
        Pearson's X² and its p-value.
    dof : int
        Degrees of freedom (wards with crews, minus 1).
    total_crews : int
        Crews shared in ``suggested_crews``.
    """

    table: pd.DataFrame
    test: str
    statistic: float
    p_value: float
    dof: int
    total_crews: int

    def as_dict(self) -> dict[str, Any]:
        """Return the comparison as a JSON-ready dict (NaN as None)."""
        rows = self.table.astype(object).where(self.table.notna(), None)
        return {
            "test": self.test, "statistic": self.statistic, "p_value": self.p_value,
            "dof": self.dof, "total_crews": self.total_crews,
            "wards": [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()}
                      for r in rows.to_dict(orient="records")],
        }


def compare_staffing(
    requests: pd.Series,
    crews: pd.Series,
    *,
    weights: pd.Series | None = None,
    total_crews: int | None = None,
    n_sim: int = 20_000,
    seed: int = 311,
) -> StaffingComparison:
    """Return demand share against staff share per ward, the test and a suggested allocation.

    Parameters
    ----------
    requests : pandas.Series
        Requests per ward (index: ward id).
    crews : pandas.Series
        Crews per ward (index: ward id); a ward missing from either side counts 0.
    weights : pandas.Series, optional
        Demand used for the suggested allocation (default: ``requests``), such as
        requests plus overdue backlog.
    total_crews : int, optional
        Crews to share out; default: the current total.
    n_sim : int
        Monte-Carlo samples when an expected count is below :data:`MIN_EXPECTED`
        and the outcomes are too many to enumerate (:data:`MAX_OUTCOMES`).
    seed : int
        Seed of the Monte-Carlo samples.

    Returns
    -------
    StaffingComparison

    Raises
    ------
    InputError
        If there are no requests or no crews.
    """
    wards = requests.index.union(crews.index)
    count = requests.reindex(wards, fill_value=0).astype(np.int64)
    staff = crews.reindex(wards, fill_value=0).astype(float)
    weight = (count if weights is None else weights.reindex(wards, fill_value=0)).astype(float)
    if count.sum() <= 0 or staff.sum() <= 0:
        raise InputError("no requests or no crews to compare",
                         requests=int(count.sum()), crews=float(staff.sum()))
    p = (staff / staff.sum()).to_numpy()
    n = int(count.sum())
    name, statistic, p_value = _test(count.to_numpy(), p, n_sim, np.random.default_rng(seed))
    total = int(staff.sum()) if total_crews is None else int(total_crews)
    p_binomial = np.array([_binomial_p(int(k), n, float(q)) for k, q in zip(count, p,
                                                                             strict=True)])
    table = pd.DataFrame({
        "ward": wards.astype(str),
        "requests": count.to_numpy(),
        "weight": weight.to_numpy(),
        "demand_share": (count / n).to_numpy(),
        "crews": staff.to_numpy(),
        "staff_share": p,
        "expected": n * p,
        "p_binomial": p_binomial,
        "p_fdr": fdr_bh(p_binomial)[1],
        "suggested_crews": largest_remainder(weight.to_numpy(), total),
    })
    with np.errstate(divide="ignore", invalid="ignore"):
        table["ratio"] = table["demand_share"] / table["staff_share"]
        imbalance = np.abs(np.log(table["ratio"].to_numpy()))
    table["change"] = table["suggested_crews"] - table["crews"]
    # a ward with neither demand nor crews (0/0) is balanced: nothing to move, so last
    table = table.iloc[np.lexsort((table["ward"], -np.nan_to_num(imbalance, nan=0.0)))]
    columns = ["ward", "requests", "weight", "demand_share", "crews", "staff_share", "ratio",
               "expected", "p_binomial", "p_fdr", "suggested_crews", "change"]
    return StaffingComparison(table[columns].reset_index(drop=True), name, statistic, p_value,
                              int((p > 0).sum()) - 1, total)


def ward_demand(
    requests: Requests,
    locator: Locator,
    key: str,
    catalog: pd.DataFrame,
    department: str,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Return requests and overdue open requests per feature of ``key`` for one department.

    The department of a request is its catalog row's (by ``service_code`` or
    ``service_name``, see :func:`~geo311.service.catalog.catalog_lookup`);
    requests in no feature, or without a location, are left out. The features
    are read from the requests' district columns (unlocated requests are located
    first, once).

    Returns
    -------
    pandas.DataFrame
        Indexed by feature id: ``requests``, ``open_past_sla`` (open requests
        older than their SLA at ``as_of``, default the latest creation time).
    """
    frame = requests.frame
    if department not in set(catalog["department"]):
        raise InputError(f"no request type of department {department!r} in the catalog",
                         department=department)
    layer = locator.district_layer(key)
    codes = requests.locate(locator).district_codes(key)
    mine = (catalog_lookup(frame["type"], catalog, "department") == department).to_numpy()
    mine = mine & (codes >= 0)
    overdue = past_sla(frame, sla_days_of(frame["type"], catalog),
                       as_of_time(as_of, frame["created"])).to_numpy()
    ids = pd.Index(layer.ids.astype(str), name=key)
    return pd.DataFrame({
        "requests": np.bincount(codes[mine], minlength=len(ids)),
        "open_past_sla": np.bincount(codes[mine & overdue], minlength=len(ids)),
    }, index=ids)


def reallocate(
    requests: Requests,
    locator: Locator,
    department: str,
    *,
    catalog: pd.DataFrame,
    staffing: pd.DataFrame,
    key: str = "ward",
    weight: Literal["requests", "backlog"] = "requests",
    total_crews: int | None = None,
    seed: int = 311,
    as_of: pd.Timestamp | str | None = None,
) -> StaffingComparison:
    """Return demand against staffing for one department.

    Parameters
    ----------
    requests : Requests
    locator : Locator
    department : str
        Department as named in the catalog and the staffing table.
    key : str
        District layer whose ids the staffing table's ``ward`` column holds
        (InputError naming the ids when some are not ``key`` ids).
    catalog, staffing : pandas.DataFrame
        The service catalog and the staffing table
        (:func:`~geo311.service.catalog.load_catalog`, ``load_staffing``;
        :attr:`geo311.city.City.catalog` and ``staffing``).
    weight : {"requests", "backlog"}
        Demand for the suggested allocation: the requests, or the requests plus
        the open requests past their SLA (each overdue request counts twice: as
        demand and as work carried over).
    total_crews : int, optional
        Crews to share out; default: the department's current total.
    seed : int
        Seed of the Monte-Carlo test, when it is used.
    as_of : pandas.Timestamp or str, optional
        When the export was taken, to count open requests past their SLA; default:
        the latest creation time in the requests.
    """
    if weight not in ("requests", "backlog"):
        raise InputError(f"weight must be 'requests' or 'backlog', got {weight!r}", weight=weight)
    crews = staffing[staffing["department"] == department].groupby("ward")["crews"].sum()
    if crews.empty:
        raise InputError(f"no staffing for department {department!r}", department=department)
    known = [str(i) for i in locator.district_layer(key).ids]
    unmatched = [str(i) for i in crews.index if str(i) not in known]
    if unmatched:
        raise InputError(
            f"the staffing table's district key 'ward' holds ids that are not {key} ids: "
            f"{', '.join(unmatched[:20])}{' ...' if len(unmatched) > 20 else ''} ({key} ids: "
            f"{', '.join(known[:20])}{' ...' if len(known) > 20 else ''}); choose the "
            "district layer the staffing is keyed by", key=key, unmatched=unmatched)
    demand = ward_demand(requests, locator, key, catalog, department, as_of)
    if not demand["requests"].any():
        types = sorted({str(t) for t in requests.frame["type"].dropna()})
        raise InputError(
            f"no located request of department {department!r} in a {key} among the "
            f"{len(requests.frame):,} requests loaded (their types: "
            f"{', '.join(types[:20]) or 'none'}{' ...' if len(types) > 20 else ''})",
            department=department, key=key)
    weights = demand["requests"] + (demand["open_past_sla"] if weight == "backlog" else 0)
    return compare_staffing(demand["requests"], crews.rename_axis(key), weights=weights,
                            total_crews=total_crews, seed=seed)
