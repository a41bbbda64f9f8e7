"""Street matrices against networkx, plans against brute force and feasibility rules."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from geo311.cli import main
from geo311.crews.routes import Crew, Travel, plan_routes
from geo311.crews.streets import StreetGraph
from geo311.errors import InputError
from geo311.profile import load_profile
from tests.conftest import require

DAY = pd.Timestamp("2026-03-02 08:00")


def crew(name, depot, hours=8.0, **kwargs):
    return Crew(name, depot, DAY, DAY + pd.Timedelta(hours=hours), **kwargs)


@pytest.fixture(scope="module")
def grid_profile(tmp_path_factory) -> Path:
    """A 5 x 5 street grid (~110 m blocks) with a one-way trap: a dead-end spur east of
    the grid that can be entered (one-way) but not left."""
    root = tmp_path_factory.mktemp("grid")
    step = 0.001
    lines, oneway = [], []
    for i in range(5):
        for j in range(4):
            lines.append(shapely.LineString([(j * step, i * step), ((j + 1) * step, i * step)]))
            lines.append(shapely.LineString([(i * step, j * step), (i * step, (j + 1) * step)]))
            oneway += [0, 0]
    # one-way street along row 0 only eastwards, and a spur one can enter but not leave
    oneway[0] = 1
    lines.append(shapely.LineString([(4 * step, 4 * step), (5 * step, 4 * step)]))
    oneway.append(1)
    lines.append(shapely.LineString([(5 * step, 4 * step), (6 * step, 4 * step)]))
    oneway.append(1)
    streets = gpd.GeoDataFrame({"Direction": oneway}, geometry=lines, crs="EPSG:4326")
    streets.to_file(root / "streets.geojson", driver="GeoJSON")
    city = gpd.GeoDataFrame(geometry=[shapely.box(-0.002, -0.002, 0.007, 0.006)],
                            crs="EPSG:4326")
    city.to_file(root / "city.geojson", driver="GeoJSON")
    (root / "profile.toml").write_text(
        '[jurisdiction]\nid = "grid"\nname = "Grid"\nboundary = "city.geojson"\n'
        '[routing]\nstreets = "streets.geojson"\noneway_field = "Direction"\n'
        "speed_kmh = 18\nservice_minutes = 5\n")
    return root


def nx_distances(streets: gpd.GeoDataFrame, metric, node_of, stops_xy, oneway_col):
    """An independent oracle: a networkx DiGraph with each stop spliced into its segment."""
    lines = streets.to_crs(metric)
    graph = nx.DiGraph()
    spliced: dict[int, list] = {}
    points = shapely.points(stops_xy)
    geoms = np.asarray(lines.geometry.values)
    for k, p in enumerate(points):
        seg = int(np.argmin(shapely.distance(geoms, p)))
        spliced.setdefault(seg, []).append((geoms[seg].project(p), ("stop", k)))
    for seg, (geom, (a, b), flag) in enumerate(zip(geoms, node_of, lines[oneway_col],
                                                   strict=True)):
        marks = sorted(spliced.get(seg, []), key=lambda m: m[0])
        chain = [(0.0, a), *marks, (geom.length, b)]
        for (d1, n1), (d2, n2) in zip(chain[:-1], chain[1:], strict=True):
            length = d2 - d1
            for u, v in ([(n1, n2)] if flag == 1 else [(n2, n1)] if flag == -1
                         else [(n1, n2), (n2, n1)]):
                if not graph.has_edge(u, v) or graph[u][v]["w"] > length:
                    graph.add_edge(u, v, w=length)
    n = len(points)
    out = np.full((n, n), np.inf)
    for k in range(n):
        reach = nx.single_source_dijkstra_path_length(graph, ("stop", k), weight="w")
        for j in range(n):
            out[k, j] = reach.get(("stop", j), np.inf)
    return out


def test_grid_matrix_matches_networkx_with_one_way_streets(grid_profile):
    profile = load_profile(grid_profile)
    graph = StreetGraph.from_profile(profile)
    streets = gpd.read_file(grid_profile / "streets.geojson")
    ends = np.array([[g.coords[0], g.coords[-1]] for g in streets.geometry])
    keys = {tuple(np.round(p, 9)) for p in ends.reshape(-1, 2)}
    node_of = [(tuple(np.round(a, 9)), tuple(np.round(b, 9))) for a, b in ends]
    assert len(keys) == graph.n_nodes
    rng = np.random.default_rng(3)
    picks = rng.choice(len(streets), 12, replace=False).tolist() + [0, 0, len(streets) - 1]
    fractions = rng.uniform(0.1, 0.9, len(picks))
    lonlat = np.array([streets.geometry[s].interpolate(f, normalized=True).coords[0]
                       for s, f in zip(picks, fractions, strict=True)])
    snapped = graph.snap(lonlat[:, 0], lonlat[:, 1])
    ours = graph.matrix_between(snapped)
    xy = graph.to_metric(lonlat[:, 0], lonlat[:, 1])
    oracle = nx_distances(streets, profile.metric_crs, node_of, xy, "Direction")
    assert np.array_equal(np.isinf(ours), np.isinf(oracle))
    finite = np.isfinite(oracle)
    np.testing.assert_allclose(ours[finite], oracle[finite], rtol=1e-9, atol=1e-6)
    assert not np.allclose(ours, ours.T)  # one-way streets make it asymmetric


def test_cambridge_matrix_matches_networkx_on_the_real_node_ids(shared_data, tmp_path):
    """Cambridge's real centerlines with their one-way Direction flag. The node count equals
    the layer's distinct FromNode/ToNode ids; the oracle's nodes are the rounded end
    coordinates (79 ids sit at ends > 1 m apart, so the ids cannot orient the segments)."""
    lines_path = require(shared_data / "cambridge" / "centerlines" / "TRANS_Centerlines.geojson")
    profile_dir = Path(__file__).resolve().parents[2] / "profiles" / "cambridge"
    text = (profile_dir / "profile.toml").read_text().replace(
        "${GEO311_SHARED:-../../../shared}", str(shared_data.parent))
    (tmp_path / "profile.toml").write_text(text)
    profile = load_profile(tmp_path)
    graph = StreetGraph.from_profile(profile)
    streets = gpd.read_file(lines_path)
    assert graph.n_nodes == len(set(streets["FromNode"].dropna()) | set(streets["ToNode"]
                                                                       .dropna()))
    rows = streets.explode(index_parts=False).reset_index(drop=True)
    direction = pd.to_numeric(rows["Direction"], errors="coerce").fillna(0).astype(int)
    rows = rows.assign(Direction=direction)
    metric = rows.to_crs(profile.metric_crs).geometry
    node_of = [(tuple(np.round(g.coords[0], 1)), tuple(np.round(g.coords[-1], 1)))
               for g in metric]
    rng = np.random.default_rng(11)
    picks = rng.choice(len(rows), 40, replace=False)
    lonlat = np.array([rows.geometry[s].interpolate(f, normalized=True).coords[0]
                       for s, f in zip(picks, rng.uniform(0.2, 0.8, len(picks)), strict=True)])
    ours = graph.matrix_between(graph.snap(lonlat[:, 0], lonlat[:, 1]))
    oracle = nx_distances(rows, profile.metric_crs, node_of,
                          graph.to_metric(lonlat[:, 0], lonlat[:, 1]), "Direction")
    finite = np.isfinite(oracle) & np.isfinite(ours)
    assert finite.mean() > 0.9
    np.testing.assert_allclose(ours[finite], oracle[finite], rtol=1e-6, atol=0.01)
    assert not np.allclose(ours[finite], ours.T[finite])


def test_graph_is_cached_per_profile(grid_profile):
    profile = load_profile(grid_profile)
    first = StreetGraph.from_profile(profile)
    again = StreetGraph.from_profile(profile)
    assert again.cache_hit
    np.testing.assert_array_equal(first.seg_from, again.seg_from)
    np.testing.assert_array_equal(first.seg_oneway, again.seg_oneway)


def grid_stops(n, seed=5, spacing=0.001):
    rng = np.random.default_rng(seed)
    # points on the vertical streets x = 1..3, between the rows
    lon = rng.integers(1, 4, n) * spacing
    lat = rng.uniform(0.3, 3.7, n) * spacing
    return pd.DataFrame({"id": [f"s{i}" for i in range(n)], "type": ["POTHOLE"] * n,
                         "lon": lon, "lat": lat, "weight": rng.uniform(1, 10, n)})


def test_one_crew_order_is_the_brute_force_optimum(grid_profile):
    travel = Travel.from_profile(load_profile(grid_profile))
    for seed in (1, 2, 3):
        stops = grid_stops(7, seed)
        plan = plan_routes(stops, [crew("a", (0.0, 0.001))], travel, time_limit=0.3)
        assert plan.dropped.empty
        lonlat = np.concatenate([[[0.0, 0.001]], stops[["lon", "lat"]].to_numpy()])
        graph = travel.graph
        d = graph.matrix_between(graph.snap(lonlat[:, 0], lonlat[:, 1]))
        best = min(sum(d[a, b] for a, b in zip((0, *p), (*p, 0), strict=True))
                   for p in itertools.permutations(range(1, 8)))
        assert plan.crews["distance_m"].iloc[0] == pytest.approx(best, rel=1e-9)
        assert "street network" in plan.model


def check_feasible(plan, stops, crews):
    """Every crew's stops: its skills, within windows, back before its shift ends."""
    by_id = stops.set_index("id")
    for c in crews:
        mine = plan.stops[plan.stops["crew"] == c.id].sort_values("seq")
        if c.skills is not None:
            assert set(mine["type"]) <= c.skills
        assert (mine["eta"] >= c.start).all()
        assert (mine["eta"].diff().dropna() > pd.Timedelta(0)).all()
        for row in mine.itertuples():
            if "window_start" in by_id:
                assert by_id.loc[row.id, "window_start"] <= row.eta <= by_id.loc[row.id,
                                                                                "window_end"]
        back = plan.crews.set_index("crew").loc[c.id, "back"]
        assert back <= c.end


def test_several_crews_respect_skills_windows_shifts_and_depots(grid_profile):
    travel = Travel.from_profile(load_profile(grid_profile))
    stops = grid_stops(30, seed=9)
    stops.loc[::3, "type"] = "SWEEP"
    stops["window_start"] = pd.NaT
    stops["window_end"] = pd.NaT
    sweep = stops["type"] == "SWEEP"
    stops.loc[sweep, "window_start"] = DAY + pd.Timedelta(hours=1)
    stops.loc[sweep, "window_end"] = DAY + pd.Timedelta(hours=2)
    # the sweeper's break may fall in the sweeping window: its windows still hold
    crews = [crew("sweeper", (0.0, 0.0), hours=3, skills=frozenset({"SWEEP"}),
                  break_minutes=20, break_after=DAY + pd.Timedelta(minutes=70)),
             crew("fixer", (0.004, 0.004), hours=2, skills=frozenset({"POTHOLE"})),
             crew("any", (0.0, 0.004), hours=1.5)]
    plan = plan_routes(stops, crews, travel, time_limit=1.0)
    check_feasible(plan, stops.fillna({"window_start": DAY, "window_end": DAY
                                       + pd.Timedelta(days=1)}), crews)
    assert set(plan.stops["id"]) | set(plan.dropped["id"]) == set(stops["id"])
    assert len(plan.stops) >= 20
    sweeper = plan.crews.set_index("crew").loc["sweeper"]
    assert sweeper["break_start"] >= DAY + pd.Timedelta(minutes=70)
    visits = plan.stops[plan.stops["crew"] == "sweeper"]
    assert ((visits["depart"] <= sweeper["break_end"]) | (visits["eta"] >= sweeper["break_end"])
            ).all()


def test_lowest_weight_stops_are_left_out_when_the_shift_is_short(grid_profile):
    travel = Travel.from_profile(load_profile(grid_profile))
    stops = grid_stops(12, seed=4)
    stops["weight"] = np.arange(1, 13, dtype=float)
    # all stops lie within 1 km; 5 min each: a 40-minute shift serves only a few
    plan = plan_routes(stops, [crew("a", (0.002, 0.002), hours=40 / 60)], travel,
                       time_limit=0.5)
    assert 0 < len(plan.stops) < 12
    assert plan.dropped["weight"].min() == 1
    assert plan.stops["weight"].mean() > plan.dropped["weight"].mean()
    assert plan.dropped["reason"].str.startswith("left out").all()


def test_bad_input_gets_reasons_not_exceptions(grid_profile):
    travel = Travel.from_profile(load_profile(grid_profile))
    stops = grid_stops(4)
    extra = pd.DataFrame({"id": ["far", "trap"], "type": ["POTHOLE"] * 2,
                          "lon": [0.02, 0.0055], "lat": [0.02, 0.004], "weight": [5.0, 5.0]})
    plan = plan_routes(pd.concat([stops, extra]), [crew("a", (0.0, 0.001))], travel,
                       time_limit=0.3)
    reasons = plan.dropped.set_index("id")["reason"]
    assert "off the street network" in reasons["far"]
    assert "unreachable" in reasons["trap"]
    short = plan_routes(stops, [crew("a", (0.0, 0.001), hours=0.05)], travel, time_limit=0.2)
    assert short.stops.empty and short.dropped["reason"].str.contains("even alone").all()
    with pytest.raises(InputError, match="off the street network"):
        plan_routes(stops, [crew("a", (0.05, 0.05))], travel)
    with pytest.raises(InputError, match="no stops"):
        plan_routes(stops.iloc[:0], [crew("a", (0.0, 0.001))], travel)
    with pytest.raises(InputError, match="ends"):
        plan_routes(stops, [Crew("a", (0.0, 0.001), DAY, DAY)], travel)


def test_replanning_removes_done_stops_and_starts_from_the_current_position(grid_profile):
    travel = Travel.from_profile(load_profile(grid_profile))
    stops = grid_stops(8, seed=6)
    first = plan_routes(stops, [crew("a", (0.0, 0.001))], travel, time_limit=0.3)
    done = first.stops["id"].iloc[:3].tolist()
    here = tuple(first.stops[["lon", "lat"]].iloc[2])
    now = DAY + pd.Timedelta(hours=1)
    again = plan_routes(stops, [Crew("a", (0.0, 0.001), now, DAY + pd.Timedelta(hours=8),
                                     position=here)], travel, done=done, time_limit=0.3)
    assert not set(again.stops["id"]) & set(done)
    assert len(again.stops) == 5
    assert again.stops["eta"].min() >= now
    assert again.legs["a"][0] == pytest.approx(here, abs=2e-4)


def test_straight_line_model_without_streets(tmp_path):
    city = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 0.01, 0.01)], crs="EPSG:4326")
    city.to_file(tmp_path / "city.geojson", driver="GeoJSON")
    (tmp_path / "profile.toml").write_text('[jurisdiction]\nid = "x"\nname = "X"\n'
                                           'boundary = "city.geojson"\n[routing]\n'
                                           "detour_factor = 1.3\n")
    travel = Travel.from_profile(load_profile(tmp_path))
    stops = grid_stops(3)
    plan = plan_routes(stops, [crew("a", (0.0, 0.0))], travel, time_limit=0.2)
    assert plan.model == "straight line x 1.3 detour"
    xy = travel.place(stops["lon"].to_numpy(), stops["lat"].to_numpy())
    assert travel.matrix(xy)[0, 1] == pytest.approx(1.3 * np.hypot(*(xy[0] - xy[1])))


def test_outputs_json_geojson_and_offline_map(grid_profile):
    from geo311.render.route_map import route_map

    travel = Travel.from_profile(load_profile(grid_profile))
    plan = plan_routes(grid_stops(5), [crew("a", (0.0, 0.001))], travel, time_limit=0.2)
    answer = json.loads(json.dumps(plan.as_dict()))
    assert answer["model"].startswith("street network")
    assert [s["seq"] for s in answer["routes"][0]["stops"]] == [1, 2, 3, 4, 5]
    features = plan.geojson()["features"]
    line = [f for f in features if f["properties"]["kind"] == "route"][0]
    coords = np.array(line["geometry"]["coordinates"])
    # the line follows the grid: every vertex lies on a street (x or y on a multiple of 0.001)
    on_grid = np.isclose(np.round(coords / 0.001) * 0.001, coords, atol=2e-6).any(axis=1)
    assert on_grid.all()
    page = route_map(plan)
    assert "<link" not in page and not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?(?:https?:)?//(?!leafletjs\.com)""",
                         page)


def test_cli_instance_and_plan(grid_profile, tmp_path):
    data = Path(__file__).resolve().parents[1] / "data" / "routes" / "gr17.tsp"
    result = CliRunner().invoke(main, ["route", "--instance", str(data), "--time-limit", "0.5"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["cost"] == 2085 and sorted(answer["routes"][0]) == list(range(2, 18))
    requests = tmp_path / "requests.csv"
    stops = grid_stops(6)
    pd.DataFrame({"service_request_id": stops["id"], "service_code": stops["type"],
                  "requested_datetime": "2026-03-01T10:00:00", "updated_datetime": "",
                  "status": "open", "long": stops["lon"], "lat": stops["lat"],
                  "address": ""}).to_csv(requests, index=False)
    out = tmp_path / "plan"
    result = CliRunner().invoke(main, [
        "route", "--profile", str(grid_profile), "--requests", str(requests),
        "--preset", "open311", "--depot", "0,0.001", "--crews", "2", "--shift", "4h",
        "--date", "2026-03-02", "--time-limit", "0.5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "stops.csv")
    assert sorted(table["id"]) == sorted(stops["id"])
    assert {"map.html", "plan.json", "routes.geojson", "crew_sheet.html", "crew_sheet.pdf"} <= {
        p.name for p in out.iterdir()}
    sheet = (out / "crew_sheet.html").read_text()
    assert sheet.count("<section>") == 2 and "break-after:page" in sheet
    assert all(i in sheet for i in stops["id"])
    assert (out / "crew_sheet.pdf").read_bytes().startswith(b"%PDF-")
    # the same requests from a store (--db): the same stops are routed
    from geo311.service.store import open_store

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    open_store(url).import_requests(requests, "open311", name="grid")
    result = CliRunner().invoke(main, [
        "route", "--profile", str(grid_profile), "--db", url, "--depot", "0,0.001",
        "--date", "2026-03-02", "--time-limit", "0.3", "--out", str(tmp_path / "db")])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "db" / "stops.csv")) == len(stops)
    result = CliRunner().invoke(main, ["route", "--profile", str(grid_profile), "--db", url,
                                       "--requests", str(requests), "--depot", "0,0.001"])
    assert result.exit_code == 2 and "not both" in result.output
    # breaks: taken after --break-after, said on the crew sheet
    result = CliRunner().invoke(main, [
        "route", "--profile", str(grid_profile), "--requests", str(requests), "--preset",
        "open311", "--depot", "0,0.001", "--date", "2026-03-02", "--break", "30m",
        "--break-after", "08:05", "--time-limit", "0.3", "--out", str(tmp_path / "brk")])
    assert result.exit_code == 0, result.output
    route = json.loads((tmp_path / "brk" / "plan.json").read_text())["routes"][0]
    assert route["break_start"] >= "2026-03-02T08:05" and route["break_end"] > route[
        "break_start"]
    assert f"Break {route['break_start'][11:16]} to {route['break_end'][11:16]}" in (
        tmp_path / "brk" / "crew_sheet.html").read_text()
    result = CliRunner().invoke(main, ["route", "--profile", str(grid_profile), "--requests",
                                       str(requests), "--depot", "0,0.001", "--break", "1h",
                                       "--break-after", "noon"])
    assert result.exit_code == 2 and "--break-after" in result.output
    result = CliRunner().invoke(main, [
        "route", "--profile", str(grid_profile), "--requests", str(requests),
        "--preset", "open311", "--depot", "1,1", "--time-limit", "0.2"])
    assert result.exit_code == 1 and "off the street network" in result.output
    assert "Traceback" not in result.output


def test_work_is_shared_out_when_everything_fits(grid_profile):
    travel = Travel.from_profile(load_profile(grid_profile))
    stops = grid_stops(16, seed=12)
    crews = [crew(name, (0.002, 0.002)) for name in ("a", "b", "c")]
    plan = plan_routes(stops, crews, travel, time_limit=0.5)
    assert plan.dropped.empty
    worked = (plan.crews["back"] - plan.crews["start"]).dt.total_seconds()
    # 16 stops of 5 minutes plus short drives: one crew alone could do it in 8 hours
    assert worked.max() <= 1.2 * worked.mean() + 20 * 60
    assert (plan.crews["stops"] > 0).all()


def test_weights_grow_with_days_overdue_by_the_catalog_sla():
    from geo311.crews.routes import stops_from_requests

    created = pd.to_datetime(["2026-01-01", "2026-01-08", "2025-12-01", "2026-01-09"])
    frame = pd.DataFrame({"id": ["a", "b", "c", "d"], "type": ["GRAFFITI", "GRAFFITI", "BULKY",
                                                                 "UNKNOWN"],
                          "created": created, "is_closed": [False, False, True, False],
                          "lon": 0.0, "lat": 0.0, "valid": True})
    catalog = pd.DataFrame({"service_code": ["GRAFFITI", "BULKY"], "sla_days": [3.0, 7.0],
                            "service_minutes": [20.0, 45.0]})
    stops = stops_from_requests(frame, catalog, as_of="2026-01-10").set_index("id")
    assert "c" not in stops.index  # closed
    assert stops.loc["a", "weight"] == pytest.approx(1 + (9 - 3))
    assert stops.loc["b", "weight"] == 1.0  # 2 days old, due in 3
    assert stops.loc["d", "weight"] == 1.0 and pd.isna(stops.loc["d", "due"])  # no SLA
    assert stops.loc["a", "service_min"] == 20 and stops.loc["d", "service_min"] == 15


def test_route_map_draws_lines_and_numbered_stops_in_a_browser(grid_profile, tmp_path):
    import subprocess

    from geo311.render.route_map import route_map
    from tests.render.test_map_browser import CHROMIUM_FLAGS, chromium

    browser = chromium()
    travel = Travel.from_profile(load_profile(grid_profile))
    plan = plan_routes(grid_stops(6), [crew("a", (0.0, 0.001)), crew("b", (0.004, 0.003))],
                       travel, time_limit=0.3)
    page = tmp_path / "map.html"
    page.write_text(route_map(plan).replace(
        "<body>", "<body><pre id=errors></pre><script>window.onerror=function(m){"
        "document.getElementById('errors').textContent+=m}</script>", 1))
    dom = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert '<pre id="errors"></pre>' in dom
    routes = sum(1 for c in plan.legs.values() if len(c) >= 2)
    assert len(re.findall(r'<path class="leaflet-interactive"', dom)) == routes
    for seq in plan.stops["seq"]:
        assert f">{seq}</div>" in dom
    assert "leaflet-control-layers" in dom


def test_snap_distance_and_disconnected_streets_are_said(grid_profile):
    travel = Travel.from_profile(load_profile(grid_profile))
    stops = grid_stops(3)
    stops.loc[0, ["lon", "lat"]] = [0.0015, 0.0015]  # a block's centre: ~55 m from streets
    plan = plan_routes(stops, [crew("a", (0.0, 0.001))], travel, time_limit=0.2)
    snap = plan.stops.set_index("id")["snap_m"]
    assert 50 < snap["s0"] < 60 and snap["s1"] < 0.01
    # the spur east of the grid can be entered but not left: more than one strong part
    assert any("strongly connected" in n for n in plan.notes)
    assert any("1 stop(s) are more than 50 m" in n for n in plan.notes)


def test_json_of_a_crew_without_stops_gives_no_pandas_warning(grid_profile):
    import warnings

    travel = Travel.from_profile(load_profile(grid_profile))
    plan = plan_routes(grid_stops(1), [crew("a", (0.0, 0.001)), crew("b", (0.004, 0.003))],
                       travel, time_limit=0.2)
    assert sorted(plan.crews["stops"]) == [0, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        answer = plan.as_dict()
    idle = [r for r in answer["routes"] if r["stops"] == []]
    assert len(idle) == 1 and idle[0]["back"].startswith("2026-03-02T08:00")
