"""Routing solvers behind one problem description: PyVRP, OR-Tools, VROOM, LKH, fast-tsp.

A :class:`Problem` is a matrix problem: locations ``0..n-1`` with a travel-cost
matrix and a travel-time matrix, depots and clients placed on those locations,
and vehicle groups. Every solver reads the same problem and returns a
:class:`Solution` (routes as client indices, in visit order); the caller
re-checks and re-costs it with its own matrices, so a solver is only trusted for
the order. Solves are time-limited and seeded.

Which solver for which problem kind was decided by measurement
(``bench/bench_routes.py``): fast-tsp for a symmetric tour with small integer
costs, LKH (``elkai``) for any other pure tour, PyVRP for anything
with several vehicles, shift limits, time windows, optional stops or skills.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from geo311.errors import InputError

__all__ = ["SOLVERS", "TSP_SOLVERS", "Problem", "Solution", "VehicleGroup", "solve",
           "tour_cost"]

_BIG = 1 << 40  # "unreachable" in integer matrices


@dataclass
class VehicleGroup:
    """``count`` identical vehicles from location ``start`` to location ``end``.

    ``shift`` is the longest route duration; ``tw_early``/``tw_late`` bound the
    route's start and end times; ``allowed`` lists the client indices these
    vehicles may serve (None: all); ``capacity`` bounds the summed demand.
    """

    start: int
    end: int
    count: int = 1
    shift: float = np.inf
    tw_early: float = 0.0
    tw_late: float = np.inf
    capacity: float | None = None
    allowed: frozenset[int] | None = None


@dataclass
class Problem:
    """A routing problem over a matrix of locations (see the module doc).

    ``client_location[i]`` is the location of client ``i``; ``service``,
    ``tw_early``, ``tw_late``, ``demand``, ``prize`` and ``required`` are per
    client. ``scale`` turns costs and times into the integers PyVRP and
    OR-Tools need (1 for TSPLIB's integer costs, 1000 for real-valued ones).
    """

    cost: np.ndarray
    duration: np.ndarray
    client_location: np.ndarray
    vehicles: list[VehicleGroup]
    service: np.ndarray | None = None
    tw_early: np.ndarray | None = None
    tw_late: np.ndarray | None = None
    demand: np.ndarray | None = None
    prize: np.ndarray | None = None
    required: np.ndarray | None = None
    scale: float = 1000.0
    coords: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_clients(self) -> int:
        return len(self.client_location)

    def column(self, name: str, default: float) -> np.ndarray:
        """A per-client attribute, ``default`` where the problem leaves it out."""
        value = getattr(self, name)
        if value is None:
            return np.full(self.n_clients, default, dtype=float)
        return np.asarray(value, dtype=float)

    @property
    def is_tsp(self) -> bool:
        """One vehicle, every client required, no windows, no capacity, no shift."""
        v = self.vehicles
        return (len(v) == 1 and v[0].count == 1 and v[0].start == v[0].end
                and not np.isfinite(v[0].shift) and v[0].capacity is None
                and v[0].allowed is None and self.tw_early is None and self.tw_late is None
                and (self.required is None or bool(np.all(self.required))))


@dataclass
class Solution:
    """Routes (client indices in visit order) per vehicle, with the solver's name and time.

    ``vehicle_group[k]`` is the group of route ``k``; ``cost`` is the travel cost
    on the problem's ``cost`` matrix (recomputed here, not the solver's figure).
    """

    routes: list[list[int]]
    vehicle_group: list[int]
    solver: str
    seconds: float
    cost: float = 0.0
    dropped: list[int] = field(default_factory=list)


def tour_cost(problem: Problem, routes: list[list[int]], groups: list[int]) -> float:
    """Travel cost of routes on the problem's cost matrix, depot to depot."""
    total = 0.0
    for route, g in zip(routes, groups, strict=True):
        vehicle = problem.vehicles[g]
        path = [vehicle.start, *problem.client_location[route].tolist(), vehicle.end]
        total += float(problem.cost[path[:-1], path[1:]].sum())
    return total


def _ints(values: np.ndarray, scale: float) -> np.ndarray:
    out = np.where(np.isfinite(values), np.round(values * scale), _BIG)
    return np.minimum(out, _BIG).astype(np.int64)


def _int(value: float, scale: float, default: int) -> int:
    return int(round(value * scale)) if np.isfinite(value) else default


def _solve_pyvrp(problem: Problem, seconds: float, seed: int) -> tuple[list, list]:
    import pyvrp
    from pyvrp.stop import MaxRuntime

    s = problem.scale
    n_loc = len(problem.cost)
    xy = problem.coords if problem.coords is not None else np.zeros((n_loc, 2))
    locations = [pyvrp.Location(float(x), float(y)) for x, y in xy]
    # depots: one per distinct start/end location
    depot_locs = sorted({v.start for v in problem.vehicles} | {v.end for v in problem.vehicles})
    depot_index = {loc: i for i, loc in enumerate(depot_locs)}
    depots = [pyvrp.Depot(loc) for loc in depot_locs]
    service, early = problem.column("service", 0), problem.column("tw_early", 0)
    late, prize = problem.column("tw_late", np.inf), problem.column("prize", 0)
    demand = problem.column("demand", 0)
    required = (np.ones(problem.n_clients, bool) if problem.required is None
                else np.asarray(problem.required, bool))
    has_capacity = any(v.capacity is not None for v in problem.vehicles)
    clients = [pyvrp.Client(int(problem.client_location[i]),
                            delivery=[int(demand[i])] if has_capacity else [],
                            service_duration=_int(service[i], s, 0),
                            tw_early=_int(early[i], s, 0),
                            tw_late=_int(late[i], s, np.iinfo(np.int64).max),
                            prize=_int(prize[i], s, 0), required=bool(required[i]))
               for i in range(problem.n_clients)]
    cost, duration = _ints(problem.cost, s), _ints(problem.duration, s)
    distances, durations, types = [cost], [duration], []
    for v in problem.vehicles:
        profile = 0
        if v.allowed is not None:
            banned = np.setdiff1d(np.arange(problem.n_clients), sorted(v.allowed))
            banned_locs = problem.client_location[banned]
            # a vehicle cannot reach a client it lacks the skill for: its own matrices
            own_cost, own_duration = cost.copy(), duration.copy()
            for m in (own_cost, own_duration):
                m[:, banned_locs] = _BIG
                m[banned_locs, :] = _BIG
                m[banned_locs, banned_locs] = 0
            distances.append(own_cost)
            durations.append(own_duration)
            profile = len(distances) - 1
        capacity = ([int(v.capacity)] if v.capacity is not None
                    else [int(demand.sum()) + 1] if has_capacity else [])
        types.append(pyvrp.VehicleType(
            v.count, capacity=capacity, start_depot=depot_index[v.start],
            end_depot=depot_index[v.end], tw_early=_int(v.tw_early, s, 0),
            tw_late=_int(v.tw_late, s, np.iinfo(np.int64).max),
            shift_duration=_int(v.shift, s, np.iinfo(np.int64).max), profile=profile))
    data = pyvrp.ProblemData(locations, clients, depots, types, distances, durations)
    with warnings.catch_warnings():  # PyVRP warns when prizes dwarf its penalty bounds
        warnings.simplefilter("ignore")
        result = pyvrp.solve(data, MaxRuntime(seconds), seed=seed, display=False)
    if not result.best.is_feasible():
        raise InputError("PyVRP found no feasible plan within the time limit (shifts, windows "
                         "or capacities cannot all be met)")
    routes, groups = [], []
    for route in result.best.routes():
        visits = [a.idx for a in route.schedule() if a.is_client()]
        if visits:
            routes.append(visits)
            groups.append(route.vehicle_type())
    return routes, groups


def _solve_ortools(problem: Problem, seconds: float, seed: int) -> tuple[list, list]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    s = problem.scale
    n_c = problem.n_clients
    starts, ends, owner = [], [], []
    for g, v in enumerate(problem.vehicles):
        starts += [v.start] * v.count
        ends += [v.end] * v.count
        owner += [g] * v.count
    # OR-Tools nodes: one per client, then one per vehicle start and end
    node_loc = np.concatenate([problem.client_location, starts, ends]).astype(int)
    n_v = len(starts)
    start_nodes = list(range(n_c, n_c + n_v))
    end_nodes = list(range(n_c + n_v, n_c + 2 * n_v))
    manager = pywrapcp.RoutingIndexManager(len(node_loc), n_v, start_nodes, end_nodes)
    routing = pywrapcp.RoutingModel(manager)
    cost = _ints(problem.cost, s)[np.ix_(node_loc, node_loc)]
    service = np.concatenate([problem.column("service", 0), np.zeros(2 * n_v)])
    time_m = _ints(problem.duration, s)[np.ix_(node_loc, node_loc)] + _ints(service, s)[:, None]
    cost_cb = routing.RegisterTransitMatrix(np.minimum(cost, 1 << 31).tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    time_cb = routing.RegisterTransitMatrix(np.minimum(time_m, 1 << 31).tolist())
    horizon = int(max(min(_int(v.tw_late, s, 1 << 31), 1 << 31) for v in problem.vehicles))
    horizon = max(horizon, int(min(time_m.max(), 1 << 31)) * 4)
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    dim = routing.GetDimensionOrDie("time")
    early, late = problem.column("tw_early", 0), problem.column("tw_late", np.inf)
    for i in range(n_c):
        lo, hi = _int(early[i], s, 0), min(_int(late[i], s, horizon), horizon)
        dim.CumulVar(manager.NodeToIndex(i)).SetRange(lo, max(lo, hi))
    for k, g in enumerate(owner):
        v = problem.vehicles[g]
        lo, hi = _int(v.tw_early, s, 0), min(_int(v.tw_late, s, horizon), horizon)
        dim.CumulVar(routing.Start(k)).SetRange(lo, hi)
        dim.CumulVar(routing.End(k)).SetRange(lo, hi)
        if np.isfinite(v.shift):
            routing.solver().Add(dim.CumulVar(routing.End(k)) - dim.CumulVar(routing.Start(k))
                                 <= _int(v.shift, s, horizon))
        if v.allowed is not None:
            for i in set(range(n_c)) - set(v.allowed):
                routing.VehicleVar(manager.NodeToIndex(i)).RemoveValue(k)
    if any(v.capacity is not None for v in problem.vehicles):
        demand = np.concatenate([problem.column("demand", 0), np.zeros(2 * n_v)]).astype(int)
        cap = [int(problem.vehicles[g].capacity or demand.sum()) for g in owner]
        d_cb = routing.RegisterUnaryTransitVector(demand.tolist())
        routing.AddDimensionWithVehicleCapacity(d_cb, 0, cap, True, "load")
    required = (np.ones(n_c, bool) if problem.required is None
                else np.asarray(problem.required, bool))
    prize = problem.column("prize", 0)
    for i in np.flatnonzero(~required):
        routing.AddDisjunction([manager.NodeToIndex(int(i))], _int(prize[i], s, 0))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    del seed  # OR-Tools' routing search is deterministic for a given time budget
    found = routing.SolveWithParameters(params)
    if found is None:
        raise InputError("OR-Tools found no feasible solution")
    routes, groups = [], []
    for k in range(n_v):
        index, visits = routing.Start(k), []
        index = found.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            visits.append(manager.IndexToNode(index))
            index = found.Value(routing.NextVar(index))
        if visits:
            routes.append(visits)
            groups.append(owner[k])
    return routes, groups


def _solve_vroom(problem: Problem, seconds: float, seed: int) -> tuple[list, list]:
    import vroom

    s = problem.scale
    del seed  # VROOM's heuristics are deterministic
    solver = vroom.Input()
    solver.set_durations_matrix("car", _ints(problem.duration, s).clip(max=1 << 31).tolist())
    solver.set_costs_matrix("car", _ints(problem.cost, s).clip(max=1 << 31).tolist())
    service, early = problem.column("service", 0), problem.column("tw_early", 0)
    late, prize = problem.column("tw_late", np.inf), problem.column("prize", 0)
    demand = problem.column("demand", 0)
    has_capacity = any(v.capacity is not None for v in problem.vehicles)
    restricted = [g for g, v in enumerate(problem.vehicles) if v.allowed is not None]
    skills_of = {}
    vid = 0
    for g, v in enumerate(problem.vehicles):
        # skill g+1 means "not banned by group g": every vehicle has it but group g's own
        skills = {h + 1 for h in restricted if h != g}
        for _ in range(v.count):
            tw = vroom.TimeWindow(_int(v.tw_early, s, 0),
                                  min(_int(v.tw_late, s, 1 << 31), 1 << 31))
            kwargs = {"capacity": [int(v.capacity or demand.sum())]} if has_capacity else {}
            if np.isfinite(v.shift):
                kwargs["max_travel_time"] = _int(v.shift, s, 1 << 31)
            solver.add_vehicle(vroom.Vehicle(vid, start=int(v.start), end=int(v.end),
                                             profile="car", time_window=tw, skills=skills,
                                             **kwargs))
            skills_of[vid] = g
            vid += 1
    top = max(float(prize.max()), 1.0) if problem.n_clients else 1.0
    for i in range(problem.n_clients):
        banned_by = {h + 1 for h in restricted if i not in problem.vehicles[h].allowed}
        kwargs = {"delivery": [int(demand[i])]} if has_capacity else {}
        tw = [vroom.TimeWindow(_int(early[i], s, 0), min(_int(late[i], s, 1 << 31), 1 << 31))]
        solver.add_job(vroom.Job(i, location=int(problem.client_location[i]),
                                 default_service=_int(service[i], s, 0), time_windows=tw,
                                 skills=banned_by, priority=int(round(100 * prize[i] / top)),
                                 **kwargs))
    answer = solver.solve(exploration_level=5, nb_threads=1, timeout=timedelta(seconds=seconds))
    routes: dict[int, list[int]] = {}
    frame = answer.routes
    for vehicle, job, kind in zip(frame["vehicle_id"], frame["id"], frame["type"],
                                  strict=True):
        if kind == "job":
            routes.setdefault(int(vehicle), []).append(int(job))
    keys = sorted(routes)
    return [routes[k] for k in keys], [skills_of[k] for k in keys]


def _tsp_matrix(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """The TSP over the depot and the clients: its integer matrix and the node locations."""
    nodes = np.concatenate([[problem.vehicles[0].start], problem.client_location]).astype(int)
    return _ints(problem.cost, problem.scale)[np.ix_(nodes, nodes)], nodes


def _rotate(tour: list[int]) -> list[int]:
    """A tour over nodes 0..n (0 = depot) as client indices, starting after the depot."""
    at = tour.index(0)
    return [t - 1 for t in tour[at + 1:] + tour[:at]]


def _solve_elkai(problem: Problem, seconds: float, seed: int) -> tuple[list, list]:
    import elkai

    matrix, _ = _tsp_matrix(problem)
    # elkai has no time limit: its run count stands in for one, sized by 2.5e-5 * n^2 s a
    # run. Measured (bench_routes): 0.17 s a run at 107 nodes, but one run took 11-30 s at
    # 442-666 nodes, so large tours overrun the limit; at least one run is made.
    runs = max(1, min(10, int(seconds / (2.5e-5 * len(matrix) ** 2))))
    del seed  # elkai fixes LKH's seed
    tour = elkai.DistanceMatrix(matrix.tolist()).solve_tsp(runs=runs)
    return [_rotate(list(tour[:-1]) if tour[0] == tour[-1] else list(tour))], [0]


def _solve_fast_tsp(problem: Problem, seconds: float, seed: int) -> tuple[list, list]:
    import fast_tsp

    matrix, _ = _tsp_matrix(problem)
    del seed
    if matrix.max() > 65_535 or not np.array_equal(matrix, matrix.T):
        raise InputError("fast-tsp needs symmetric integer costs up to 65,535")
    tour = fast_tsp.find_tour(matrix.tolist(), duration_seconds=seconds)
    return [_rotate(list(tour))], [0]


SOLVERS = {"pyvrp": _solve_pyvrp, "ortools": _solve_ortools, "vroom": _solve_vroom,
           "elkai": _solve_elkai, "fast_tsp": _solve_fast_tsp}
#: Solvers that only take a pure tour (one vehicle, every client, nothing else)
TSP_SOLVERS = ("elkai", "fast_tsp")


def _auto(problem: Problem) -> str:
    """fast-tsp for a symmetric tour whose costs fit its 16-bit integers, LKH for any other
    tour, PyVRP for the rest (measured in bench/bench_routes.py)."""
    if not problem.is_tsp or problem.n_clients < 3:
        return "pyvrp"
    matrix, _ = _tsp_matrix(problem)
    if matrix.max() <= 65_535 and np.array_equal(matrix, matrix.T):
        return "fast_tsp"
    return "elkai"


def solve(problem: Problem, solver: str = "auto", seconds: float = 5.0,
          seed: int = 311) -> Solution:
    """Solve ``problem`` with ``solver`` within about ``seconds``; ``auto`` picks by kind.

    ``auto`` is fast-tsp or LKH (``elkai``) for a pure tour and PyVRP otherwise
    (see :func:`_auto`). Clients a solution leaves out are listed in ``Solution.dropped``.

    Raises
    ------
    InputError
        For an unknown solver, a tour-only solver given a richer problem, or no clients.
    """
    if problem.n_clients == 0:
        raise InputError("no stops to route")
    if solver == "auto":
        solver = _auto(problem)
    if solver not in SOLVERS:
        raise InputError(f"unknown solver {solver!r} (known: {', '.join(SOLVERS)})",
                         solver=solver)
    if solver in TSP_SOLVERS and not problem.is_tsp:
        raise InputError(f"{solver} solves a single tour only (one vehicle, every stop, no "
                         "windows or shift limit)", solver=solver)
    if seconds <= 0:
        raise InputError(f"time limit {seconds} s: must be positive", field="time_limit")
    began = time.perf_counter()
    routes, groups = SOLVERS[solver](problem, seconds, seed)
    elapsed = time.perf_counter() - began
    served = {c for r in routes for c in r}
    dropped = [i for i in range(problem.n_clients) if i not in served]
    return Solution(routes, groups, solver, elapsed, tour_cost(problem, routes, groups), dropped)
