"""Which stops one crew keeps when not all fit: the heaviest first, strictly.

:func:`keep_heaviest` goes through the stops from the heaviest to the lightest and keeps
a stop when it fits in the shift together with every stop already kept (all of greater
weight); stops of equal weight form one class, of which the greatest number that fits is
kept. So a stop is never left out to make room for lighter ones: each stop left out does
not fit with the kept stops of greater or equal weight, and lighter stops that still fit
use the time left. (Maximizing the total weight kept, as a prize-collecting solver does,
can give up one heavy far stop for several light near ones; this never does.)

"Fits" is decided on the crew's own clock: a tour through the stops (LKH through
``elkai``, or brute force for up to three stops; PyVRP when a stop has a time window or
there are more than :data:`LKH_MAX_STOPS`) and
its schedule, which must meet every window and end at the depot within the shift.

Few tours are solved. A lower bound (each stop's service and its cheapest way in) caps
how many of the heaviest classes can fit together; one tour for everything when it may
fit, else a bisection over the weight classes for the heaviest ones that fit together.
Then, per remaining class, cheap tests first: a stop whose cheapest insertion into the
current tour fits is kept, and one whose least possible insertion cost (over every pair
of kept stops) cannot fit is left out, taking the current tour, freshly solved, as the
shortest (LKH's tours of a crew's day are optimal in practice; the tests compare with
brute force).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import permutations

import numpy as np

from geo311.crews.solvers import Problem, VehicleGroup, solve
from geo311.errors import InputError

__all__ = ["LKH_MAX_STOPS", "OneCrew", "keep_heaviest"]

LKH_MAX_STOPS = 150
"""Tours of more stops go to PyVRP, which keeps to its time limit (one LKH run through
``elkai`` took 11-30 s at 442-666 cities in bench_routes)."""


@dataclass
class OneCrew:
    """One crew's day over local locations ``0`` (start), ``1`` (end), ``2 + j`` (stop j).

    ``distance`` (m) and ``seconds`` are the travel matrices; ``service``, ``window_lo``
    and ``window_hi`` are per stop, in seconds from the plan's start, like ``shift_lo`` and
    ``shift_hi``.
    """

    distance: np.ndarray
    seconds: np.ndarray
    service: np.ndarray
    window_lo: np.ndarray
    window_hi: np.ndarray
    shift_lo: float
    shift_hi: float
    time_limit: float = 5.0
    seed: int = 311
    solvers: set[str] = field(default_factory=set)

    def finish(self, route: list[int]) -> float:
        """When the crew is back after ``route`` (inf when a window is missed)."""
        clock, here = self.shift_lo, 0
        for j in route:
            clock = max(clock + self.seconds[here, 2 + j], self.window_lo[j])
            if clock > self.window_hi[j]:
                return np.inf
            clock += self.service[j]
            here = 2 + j
        return float(clock + self.seconds[here, 1])

    def ok(self, route: list[int]) -> bool:
        """Whether ``route`` meets every window and ends within the shift."""
        return self.finish(route) <= self.shift_hi

    def _windowed(self, stops: list[int]) -> bool:
        return bool(np.any(self.window_lo[stops] > self.shift_lo)
                    or np.any(np.isfinite(self.window_hi[stops])))

    def tour(self, stops: list[int]) -> list[int] | None:
        """A shortest-travel order of ``stops`` that fits the shift, or None."""
        if not stops:
            return []
        if self._windowed(stops):
            return self.with_optional(stops, [])
        if len(stops) > LKH_MAX_STOPS:   # one LKH run would take 10 s or more: PyVRP's, timed
            return self.with_optional(stops, [], seconds=self.time_limit)
        if len(stops) <= 3:
            orders = [list(p) for p in permutations(stops)]
            best = min(orders, key=lambda r: self.finish(r))
            return best if self.ok(best) else None
        # a tour from the start back to the start, where "back to the start" costs the way
        # to the end: the path start -> stops -> end
        nodes = np.array([0, *[2 + j for j in stops]])
        cost = self.distance[np.ix_(nodes, nodes)].copy()
        cost[:, 0] = self.distance[nodes, 1]
        cost[0, 0] = 0.0
        problem = Problem(cost, cost, np.arange(1, len(nodes)), [VehicleGroup(0, 0)],
                          scale=10.0)
        answer = solve(problem, "elkai", min(self.time_limit, 1.0), self.seed)
        self.solvers.add(answer.solver)
        route = [stops[c] for c in answer.routes[0]]
        return route if self.ok(route) else None

    def with_optional(self, required: list[int], optional: list[int],
                      seconds: float | None = None) -> list[int] | None:
        """A fitting route through every ``required`` stop and as many ``optional`` ones
        as PyVRP finds room for (equal prizes), least travel next; None when the required
        ones cannot all fit."""
        stops = [*required, *optional]
        nodes = np.array([0, 1, *[2 + j for j in stops]])
        finite = self.distance[np.isfinite(self.distance)]
        prize = 2.0 * float(finite.max() if finite.size else 1.0) + 1.0
        vehicle = VehicleGroup(0, 1, 1, shift=self.shift_hi - self.shift_lo,
                               tw_early=self.shift_lo, tw_late=self.shift_hi)
        problem = Problem(self.distance[np.ix_(nodes, nodes)], self.seconds[np.ix_(nodes, nodes)],
                          np.arange(2, len(nodes)), [vehicle], service=self.service[stops],
                          tw_early=self.window_lo[stops], tw_late=self.window_hi[stops],
                          prize=np.full(len(stops), prize),
                          required=np.arange(len(stops)) < len(required), scale=1.0)
        try:
            answer = solve(problem, "pyvrp", seconds or max(0.1, self.time_limit / 5),
                           self.seed)
        except InputError:  # PyVRP found no plan serving every required stop
            return None
        self.solvers.add(answer.solver)
        route = [stops[c] for c in answer.routes[0]] if answer.routes else []
        return route if set(required) <= set(route) and self.ok(route) else None

    def least_cost_in(self) -> np.ndarray:
        """Per stop, a lower bound of the time it adds to any route: its service and the
        shortest travel into it (from the start or another stop)."""
        into = self.seconds[:, 2:].copy()
        into[1] = np.inf                                # nobody leaves from the end
        into[2 + np.arange(len(self.service)), np.arange(len(self.service))] = np.inf
        return self.service + into.min(axis=0)

    def least_insertion(self, kept: list[int], j: int) -> float:
        """The least extra travel time ``j`` adds between any two of start, kept, end."""
        before = np.array([0, *[2 + k for k in kept]])
        after = np.array([*[2 + k for k in kept], 1])
        s = self.seconds
        extra = s[before, 2 + j][:, None] + s[2 + j, after][None, :] - s[np.ix_(before, after)]
        same = before[:, None] == after[None, :]
        return float(np.min(np.where(same, np.inf, extra)))

    def cheapest_insertion(self, route: list[int], j: int) -> list[int] | None:
        """``route`` with ``j`` put where it fits best, or None when nowhere fits."""
        options = [route[:k] + [j] + route[k:] for k in range(len(route) + 1)]
        best = min(options, key=self.finish)
        return best if self.ok(best) else None


def _classes(weights: np.ndarray) -> list[list[int]]:
    """Stop indices grouped by equal weight, heaviest class first."""
    order = sorted(range(len(weights)), key=lambda j: (-weights[j], j))
    groups: list[list[int]] = []
    for j in order:
        if groups and weights[groups[-1][0]] == weights[j]:
            groups[-1].append(j)
        else:
            groups.append([j])
    return groups


def _single(day: OneCrew, kept: list[int], route: list[int], fresh: bool,
            j: int) -> tuple[list[int], bool, list[int] | None]:
    """Try one more stop ``j`` (no time windows): (route, whether it is a solved tour, the
    route with ``j`` or None when ``j`` does not fit)."""
    grown = day.cheapest_insertion(route, j)
    if grown is None and not fresh:
        route, fresh = day.tour(kept) or route, True
        grown = day.cheapest_insertion(route, j)
    if grown is not None:
        return grown, False, grown
    if day.finish(route) + day.least_insertion(kept, j) + day.service[j] > day.shift_hi:
        return route, fresh, None   # even the least insertion into the shortest tour
    grown = day.tour([*kept, j])
    return (route, fresh, None) if grown is None else (grown, True, grown)


def keep_heaviest(day: OneCrew, weights: np.ndarray) -> tuple[list[int], dict[int, str]]:
    """The route of the stops kept, heaviest first (see the module doc), and the reason
    each stop left out was left out."""
    classes = _classes(np.asarray(weights, float))
    # a bound no tour beats: each stop's service and its cheapest way in; the heaviest
    # classes within it are the most that can fit together (no tour solved beyond them)
    order = [j for group in classes for j in group]
    within = int(np.searchsorted(np.cumsum(day.least_cost_in()[order]),
                                 day.shift_hi - day.shift_lo, side="right"))
    sizes = np.cumsum([len(group) for group in classes])
    most = int(np.searchsorted(sizes, within, side="right"))
    if most == len(classes):
        route = day.tour(order)
        if route is not None:
            return route, {}
    # the most heavy classes that fit together (more than ``most`` cannot)
    lo, hi, route = 0, min(most + 1, len(classes)), []
    while hi - lo > 1:
        mid = (lo + hi) // 2
        found = day.tour([j for group in classes[:mid] for j in group])
        if found is None:
            hi = mid
        else:
            lo, route = mid, found
    kept = list(route)
    fresh = True        # route is a solved tour of kept, not grown by insertions
    left: list[int] = []
    for n, group in enumerate(classes[lo:]):
        if n == 0:      # known not to fit whole with the heavier ones: take what fits
            found = (day.with_optional(kept, group, seconds=day.time_limit)
                     if len(group) > 1 else None)
        elif len(group) == 1 and not day._windowed([*kept, *group]):
            route, fresh, found = _single(day, kept, route, fresh, group[0])
            if found is not None:
                kept = [*kept, group[0]]
            else:
                left.append(group[0])
            continue
        else:
            found = day.tour([*kept, *group]) or day.with_optional(kept, group,
                                                                    seconds=day.time_limit)
        found = route if found is None else found
        left += [j for j in group if j not in found]
        kept = [*kept, *[j for j in group if j in found]]
        route, fresh = found, True
    if not fresh:
        route = day.tour(kept) or route
    reasons = {}
    w = np.asarray(weights, float)
    for j in left:
        heavier = sum(1 for k in route if w[k] >= w[j])
        reasons[j] = (f"left out: it does not fit in the shift together with the {heavier} "
                      "kept stop(s) of greater or equal weight")
    return route, reasons
