"""Crew routes: solvers on published instances and on real streets; matrix vs networkx.

    python bench/bench_routes.py [--seconds 5] [--quick] [--out bench/results/bench_routes.json]

1. Published instances (tests/data/routes, from the pyvrp and tsplib95 sdists): every solver
   that takes the problem kind, the same time limit, gap to the optimum / best known.
2. Streets: 500 open demo requests with 5 crews, 300 real Cambridge points (rodent
   citations and 311 reports) with 3 crews, through ``plan_routes`` with PyVRP, OR-Tools
   and VROOM: weight served, distance, time.
3. One crew, heaviest first (``crews/keep.py``): the demo's open potholes and bulky-item
   requests, 4 h and 8 h shifts: time, stops and weight kept, against the prize-collecting
   rule (PyVRP maximizing the total weight kept, as for several crews).
4. The stop-to-stop street matrix (scipy csgraph) against a networkx baseline (each stop
   spliced into its segment, one Dijkstra per stop), and the graph build (cold / cached).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from common import REPO, ensure_demo

from geo311.crews.instances import read_instance
from geo311.crews.routes import Crew, Travel, plan_routes, stops_from_requests
from geo311.crews.solvers import Problem, VehicleGroup, solve
from geo311.crews.streets import StreetGraph
from geo311.profile import load_profile

DATA = REPO / "tests" / "data" / "routes"
SHARED = Path(os.environ.get("GEO311_SHARED", REPO.parent / "shared"))
INSTANCES = {  # name: (optimum or best known, solvers)
    "gr17.tsp": (2085, ["fast_tsp", "elkai", "pyvrp", "ortools"]),
    "pr107.tsp": (44303, ["fast_tsp", "elkai", "pyvrp", "ortools"]),
    "pcb442.tsp": (50778, ["fast_tsp", "elkai", "pyvrp", "ortools"]),
    "att532.tsp": (27686, ["fast_tsp", "elkai", "pyvrp", "ortools"]),
    "gr666.tsp": (294358, ["fast_tsp", "elkai", "pyvrp", "ortools"]),
    "E-n22-k4.txt": (375, ["pyvrp", "ortools", "vroom"]),
    "RC208.vrp": (776.1, ["pyvrp", "ortools", "vroom"]),
}


def published(seconds: float, quick: bool) -> list[dict]:
    rows = []
    for name, (best, solvers) in INSTANCES.items():
        if quick and name not in ("gr17.tsp", "pr107.tsp", "E-n22-k4.txt"):
            continue
        inst = read_instance(DATA / name)
        limit = 2 * seconds if inst.kind == "VRPTW" else seconds
        for solver in solvers:
            answer = solve(inst.problem, solver, limit, seed=311)
            rows.append({"instance": name, "kind": inst.kind, "solver": solver,
                         "time_limit_s": limit, "seconds": round(answer.seconds, 2),
                         "cost": round(answer.cost, 2), "best_known": best,
                         "gap_pct": round(100 * (answer.cost / best - 1), 3),
                         "vehicles": len(answer.routes), "dropped": len(answer.dropped)})
            print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


def cambridge_profile(tmp: Path) -> Path:
    text = (REPO / "profiles" / "cambridge" / "profile.toml").read_text().replace(
        "${GEO311_SHARED:-../../../shared}", str(SHARED))
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "profile.toml").write_text(text)
    return tmp


def cambridge_points(n: int) -> pd.DataFrame:
    data = SHARED / "data" / "cambridge"
    frames = [gpd.read_file(data / "rodent_violations" / "rodent_violations.geojson"),
              gpd.read_file(data / "311" / "obs_bike_lanes.geojson")]
    geoms = pd.concat([f.geometry for f in frames], ignore_index=True)
    xy = shapely.get_coordinates(geoms.values)
    rng = np.random.default_rng(311)
    pick = rng.permutation(len(xy))[:n]
    return pd.DataFrame({"id": [f"p{i}" for i in range(len(pick))], "type": "INSPECT",
                         "lon": xy[pick, 0], "lat": xy[pick, 1],
                         "weight": rng.uniform(1, 30, len(pick)).round(1)})


def street_runs(seconds: float, quick: bool) -> list[dict]:
    day = pd.Timestamp("2026-01-05 08:00")
    cases = []
    demo = ensure_demo()
    from geo311.city import City

    city = City.open(demo)
    requests = city.load_requests()
    stops = stops_from_requests(requests.frame, city.catalog, as_of="2026-01-01")
    stops = stops.sample(n=min(500, len(stops)), random_state=311).reset_index(drop=True)
    depots = [(float(stops["lon"].quantile(q)), float(stops["lat"].quantile(q)))
              for q in (0.3, 0.7)]
    cases.append(("demo, 500 open requests, 5 crews", city.profile, stops,
                  [Crew(f"c{k}", depots[k % 2], day, day + pd.Timedelta(hours=8))
                   for k in range(5)]))
    if (SHARED / "data" / "cambridge").exists():
        profile = load_profile(cambridge_profile(REPO / "bench" / "results" / "cambridge"))
        points = cambridge_points(300)
        depot = (-71.1056, 42.3736)  # near City Hall
        cases.append(("Cambridge, 300 real points, 3 crews", profile, points,
                      [Crew(f"c{k}", depot, day, day + pd.Timedelta(hours=8))
                       for k in range(3)]))
    rows = []
    for label, profile, stops, crews in cases:
        travel = Travel.from_profile(profile)
        for solver in (["pyvrp"] if quick else ["pyvrp", "ortools", "vroom"]):
            began = time.perf_counter()
            plan = plan_routes(stops, crews, travel, time_limit=seconds * 2, solver=solver)
            rows.append({"case": label, "solver": solver, "model": plan.model,
                         "wall_s": round(time.perf_counter() - began, 2),
                         "solver_s": round(plan.seconds, 2), "served": len(plan.stops),
                         "dropped": len(plan.dropped),
                         "weight_served": round(float(plan.stops["weight"].sum()), 1),
                         "distance_km": round(float(plan.crews["distance_m"].sum()) / 1000, 2),
                         "crew_km": [round(v / 1000, 1) for v in plan.crews["distance_m"]]})
            print(json.dumps(rows[-1]), file=sys.stderr)
        best = max(r["weight_served"] for r in rows if r["case"] == label)
        for r in rows:
            if r["case"] == label:
                r["weight_gap_pct"] = round(100 * (1 - r["weight_served"] / best), 2)
    return rows


def most_weight(stops: pd.DataFrame, crew: Crew, travel: Travel, seconds: float) -> float:
    """The weight kept by the prize-collecting rule (PyVRP, prizes far above travel)."""
    lonlat = np.concatenate([[crew.depot, crew.depot], stops[["lon", "lat"]].to_numpy(float)])
    distance = travel.matrix(travel.place(lonlat[:, 0], lonlat[:, 1]))
    shift = (crew.end - crew.start).total_seconds()
    unit = 2 * float(distance[np.isfinite(distance)].max()) + 1
    service = stops["service_min"].to_numpy(float) * 60
    problem = Problem(distance, distance / travel.speed_ms, np.arange(2, len(lonlat)),
                      [VehicleGroup(0, 1, 1, shift=shift, tw_early=0, tw_late=shift)],
                      service=service, prize=stops["weight"].to_numpy(float) * unit,
                      required=np.zeros(len(stops), bool), scale=1.0)
    answer = solve(problem, "pyvrp", seconds, seed=311)
    return float(stops["weight"].to_numpy()[[c for r in answer.routes for c in r]].sum())


def one_crew(seconds: float, quick: bool) -> list[dict]:
    from geo311.city import City
    from geo311.service.requests import RequestFilter

    city = City.open(ensure_demo())
    travel = Travel.from_profile(city.profile)
    day = pd.Timestamp("2026-01-05 08:00")
    rows = []
    for code in ["POTHOLE"] if quick else ["POTHOLE", "BULKY"]:
        requests = city.load_requests(RequestFilter(types=[code], status=("open",)))
        stops = stops_from_requests(requests.frame, city.catalog, as_of=day)
        depot = (float(stops["lon"].median()), float(stops["lat"].median()))
        for hours in (4, 8):
            crew = Crew("c", depot, day, day + pd.Timedelta(hours=hours))
            began = time.perf_counter()
            plan = plan_routes(stops, [crew], travel, time_limit=seconds)
            wall = time.perf_counter() - began
            left = plan.dropped[plan.dropped["reason"].str.startswith("left out")]
            rows.append({"case": f"demo open {code}, 1 crew, {hours} h", "stops": len(stops),
                         "wall_s": round(wall, 2), "solver": plan.solver,
                         "kept": len(plan.stops), "left_out": len(left),
                         "weight_kept": round(float(plan.stops["weight"].sum()), 1),
                         "lightest_kept": round(float(plan.stops["weight"].min()), 1),
                         "heaviest_left_out": round(float(left["weight"].max()), 1),
                         "prize_rule_weight_kept": round(most_weight(
                             plan_stops(stops, travel), crew, travel, seconds), 1)})
            print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


def plan_stops(stops: pd.DataFrame, travel: Travel) -> pd.DataFrame:
    """The stops as plan_routes sees them: the profile's service time where none is given."""
    return stops.assign(service_min=stops["service_min"].fillna(travel.settings.service_minutes))


def networkx_matrix(graph: StreetGraph, snapped) -> np.ndarray:
    """The baseline: a networkx DiGraph of the segments with the stops spliced in."""
    g = nx.DiGraph()
    marks: dict[int, list] = {}
    for k, (s, a) in enumerate(zip(snapped.segment, snapped.along, strict=True)):
        marks.setdefault(int(s), []).append((float(a), ("s", k)))
    for s in range(len(graph.seg_from)):
        chain = [(0.0, int(graph.seg_from[s])), *sorted(marks.get(s, [])),
                 (float(graph.seg_length[s]), int(graph.seg_to[s]))]
        for (d1, u), (d2, v) in zip(chain[:-1], chain[1:], strict=True):
            way = graph.seg_oneway[s] if d2 > d1 else 0  # stops at one spot: both ways
            for a, b in ([(u, v)] if way == 1 else [(v, u)] if way == -1 else [(u, v), (v, u)]):
                if not g.has_edge(a, b) or g[a][b]["w"] > d2 - d1:
                    g.add_edge(a, b, w=d2 - d1)
    n = len(snapped.segment)
    out = np.full((n, n), np.inf)
    for k in range(n):
        reach = nx.single_source_dijkstra_path_length(g, ("s", k), weight="w")
        for j in range(n):
            out[k, j] = reach.get(("s", j), np.inf)
    return out


def matrices() -> list[dict]:
    rows = []
    cases = [("demo", load_profile(ensure_demo()), None)]
    if (SHARED / "data" / "cambridge").exists():
        cases.append(("cambridge", load_profile(cambridge_profile(
            REPO / "bench" / "results" / "cambridge")), cambridge_points(300)))
    for name, profile, points in cases:
        with tempfile.TemporaryDirectory() as empty:  # a cache that misses: a cold build
            began = time.perf_counter()
            graph = StreetGraph.from_profile(profile, cache_dir=Path(empty))
            cold = time.perf_counter() - began
        StreetGraph.from_profile(profile)  # fills the profile's cache
        began = time.perf_counter()
        warm_graph = StreetGraph.from_profile(profile)
        warm = time.perf_counter() - began
        if points is None:
            rng = np.random.default_rng(311)
            w, s, e, n = profile.boundary.bounds
            lon, lat = rng.uniform(w, e, 500), rng.uniform(s, n, 500)
        else:
            lon, lat = points["lon"].to_numpy(), points["lat"].to_numpy()
        snapped = graph.snap(lon, lat)
        began = time.perf_counter()
        ours = graph.matrix_between(snapped)
        ours_s = time.perf_counter() - began
        began = time.perf_counter()
        base = networkx_matrix(graph, snapped)
        base_s = time.perf_counter() - began
        finite = np.isfinite(base)
        rows.append({"profile": name, "nodes": graph.n_nodes, "segments": len(graph.seg_from),
                     "stops": len(lon), "graph_build_s": round(cold, 3),
                     "graph_cached_s": round(warm, 3), "cache_hit": warm_graph.cache_hit,
                     "matrix_s": round(ours_s, 3), "networkx_s": round(base_s, 3),
                     "speedup": round(base_s / ours_s, 1),
                     "max_abs_diff_m": float(np.abs(ours[finite] - base[finite]).max()),
                     "same_unreachable": bool(np.array_equal(np.isinf(ours), ~finite))})
        print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="Solver time limit.")
    parser.add_argument("--quick", action="store_true", help="A few instances, PyVRP only.")
    parser.add_argument("--out", default=str(REPO / "bench/results/bench_routes.json"))
    args = parser.parse_args()
    result = {"seconds": args.seconds, "matrix": matrices(),
              "published": published(args.seconds, args.quick),
              "streets": street_runs(args.seconds, args.quick),
              "one_crew": one_crew(args.seconds, args.quick)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
