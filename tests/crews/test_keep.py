"""One crew keeps the heaviest stops first, strictly: against a brute-force oracle.

The oracle enumerates every order of every subset of a few stops on the grid streets (the
street matrix itself is checked against networkx in test_routes) to find which subsets fit
the shift, then applies the rule by hand: from the heaviest stop down, keep a stop when it
fits with every stop kept before it.
"""

from __future__ import annotations

from itertools import combinations, permutations

import numpy as np
import pandas as pd
import pytest

from geo311.crews.routes import Travel, plan_routes
from geo311.profile import load_profile
from tests.crews.test_routes import DAY, crew, grid_profile  # noqa: F401 - a fixture

DEPOT = (0.002, 0.0)


def random_stops(n, seed):
    rng = np.random.default_rng(seed)
    lon = rng.integers(0, 5, n) * 0.001
    lat = rng.uniform(0.2, 3.8, n) * 0.001
    return pd.DataFrame({"id": [f"s{i}" for i in range(n)], "type": "POTHOLE", "lon": lon,
                         "lat": lat, "weight": rng.permutation(np.arange(1, n + 1) * 1.5),
                         "service_min": rng.choice([2.0, 4.0, 9.0, 14.0], n)})


class Oracle:
    """The earliest return to the depot of every subset of stops, by brute force."""

    def __init__(self, travel, stops):
        lonlat = np.concatenate([[DEPOT], stops[["lon", "lat"]].to_numpy(float)])
        graph = travel.graph
        self.t = graph.matrix_between(graph.snap(lonlat[:, 0], lonlat[:, 1])) / travel.speed_ms
        self.service = stops["service_min"].to_numpy(float) * 60
        self.weight = stops["weight"].to_numpy(float)

    def finish(self, subset) -> float:
        best = np.inf if subset else 0.0
        for order in permutations(subset):
            path = (0, *[1 + i for i in order], 0)
            best = min(best, sum(self.t[a, b] for a, b in zip(path[:-1], path[1:], strict=True)))
        return best + sum(self.service[i] for i in subset)

    def heaviest_first(self, shift_s) -> set[int]:
        kept: list[int] = []
        for i in np.argsort(-self.weight):
            if self.finish([*kept, int(i)]) <= shift_s:
                kept.append(int(i))
        return set(kept)

    def most_weight(self, shift_s) -> set[int]:
        n = len(self.weight)
        fits = [set(c) for k in range(n + 1) for c in combinations(range(n), k)
                if self.finish(list(c)) <= shift_s]
        return max(fits, key=lambda c: sum(self.weight[i] for i in c))


def test_one_crew_keeps_the_heaviest_first_as_brute_force_says(grid_profile):  # noqa: F811
    travel = Travel.from_profile(load_profile(grid_profile))
    differs = 0
    for seed in range(6):
        stops = random_stops(7, seed)
        oracle = Oracle(travel, stops)
        total = oracle.finish(list(range(7)))
        for share in (0.35, 0.6):
            shift = share * total
            expected = oracle.heaviest_first(shift)
            plan = plan_routes(stops, [crew("a", DEPOT, hours=shift / 3600)], travel,
                               time_limit=0.5)
            kept = {int(i[1:]) for i in plan.stops["id"]}
            assert kept == expected, (seed, share)
            assert (plan.crews["back"].iloc[0] - DAY).total_seconds() == pytest.approx(
                oracle.finish(sorted(kept)), abs=0.01)   # the shortest order (to 5 cm)
            dropped = plan.dropped.set_index("id")
            for i in set(range(7)) - kept:
                heavier = [k for k in kept if oracle.weight[k] >= oracle.weight[i]]
                assert oracle.finish([*heavier, i]) > shift      # the oracle's reason
                assert f"the {len(heavier)} kept stop(s) of greater" in dropped.loc[f"s{i}",
                                                                                   "reason"]
            differs += expected != oracle.most_weight(shift)
    # the rule is not "the most weight": some of these cases tell the two apart
    assert differs >= 2


def test_equal_weights_keep_as_many_stops_as_fit(grid_profile):  # noqa: F811
    travel = Travel.from_profile(load_profile(grid_profile))
    for seed in (1, 2):
        stops = random_stops(7, seed).assign(weight=2.0)
        oracle = Oracle(travel, stops)
        shift = 0.5 * oracle.finish(list(range(7)))
        most = max(len(c) for k in range(8) for c in combinations(range(7), k)
                   if oracle.finish(list(c)) <= shift)
        plan = plan_routes(stops, [crew("a", DEPOT, hours=shift / 3600)], travel,
                           time_limit=1.0)
        assert len(plan.stops) == most
        assert oracle.finish([int(i[1:]) for i in plan.stops["id"]]) <= shift


def test_a_break_is_taken_after_its_time_and_the_shift_still_holds(grid_profile):  # noqa: F811
    """One crew with a 20-minute break: the stops kept are brute force's for the shift less
    the break, the break starts at the first stop finished after its time, and nothing
    overlaps it."""
    travel = Travel.from_profile(load_profile(grid_profile))
    stops = random_stops(7, 3)
    oracle = Oracle(travel, stops)
    shift = 0.6 * oracle.finish(list(range(7))) + 20 * 60
    after = DAY + pd.Timedelta(minutes=15)
    team = [crew("a", DEPOT, hours=shift / 3600, break_minutes=20, break_after=after)]
    plan = plan_routes(stops, team, travel, time_limit=0.5)
    assert {int(i[1:]) for i in plan.stops["id"]} == oracle.heaviest_first(shift - 20 * 60)
    totals = plan.crews.iloc[0]
    start, end = totals["break_start"], totals["break_end"]
    assert end - start == pd.Timedelta(minutes=20) and totals["back"] <= team[0].end
    rows = plan.stops.sort_values("seq")
    finished = rows["eta"] + pd.to_timedelta(stops.set_index("id").loc[rows["id"],
                                                                       "service_min"].to_numpy(),
                                             unit="min")
    assert start == finished[finished >= after].iloc[0]   # the first stop done after its time
    assert ((finished <= start) | (rows["eta"] >= end)).all()  # nothing overlaps it
