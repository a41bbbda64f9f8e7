"""Crew routes: which open requests each crew visits today, in what order, with ETAs.

:func:`plan_routes` takes stops (a table of open requests with a weight) and
crews (a start and end point, a shift, skills) and returns a :class:`RoutePlan`:
ordered stops with ETAs, the stops left out each with its reason, and the
travel model used. It is the one library call behind the CLI (``geo311
route``) and the web layer (a list of open requests from the store becomes a
stops table through :func:`stops_from_requests`, or is built directly with
the columns below).

- **Travel** (:class:`Travel`): on the profile's street graph when it has one
  (one-way streets respected, stops snapped to segments), else the metric
  distance times the profile's detour factor; ``RoutePlan.model`` says which.
- **Which stops**, one crew: strictly the heaviest first (:mod:`geo311.crews.keep`): a
  stop is kept when it fits in the shift with every heavier stop kept, so no stop is left
  out to make room for lighter ones, and lighter stops fill the time left; each stop left
  out says it does not fit with the heavier ones. The tour is LKH's (PyVRP's with time
  windows); ``solver`` applies to several crews. Several crews: a stop's prize is its
  weight times more than it can add to any route's travel, so the solver keeps the
  greatest total weight that fits in the shifts and only then minimizes travel (a heavy
  stop may be left out when the shift time it needs would serve more weight nearer the
  routes; its reason says so). Weight grows with how overdue a request is
  (:func:`stops_from_requests`).
- **Balance**: when every stop fits, a plan whose busiest crew works over 1.2 x
  the mean is solved again with each shift capped at 1.15 x the mean (kept when
  it still serves every stop).
- **Breaks**: a crew's break (``Crew.break_minutes`` from ``break_after``) is taken at
  the first stop it finishes after that time; routes are planned on a shift shorter by the
  break, windows closing after a break may start closing that much earlier, so that every
  window and the shift's end still hold with the break put in.
- **Re-planning** mid-day: give each crew its current ``position`` and a
  ``start`` of now, and the ids already ``done``; they are removed.

Stops table columns: ``id, type, lon, lat, weight`` and optionally
``address`` (shown on the crew sheet), ``service_min`` (minutes on site),
``window_start``/``window_end`` (timestamps: the visit must start within them, e.g.
a street-sweeping window).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo311.crews.keep import OneCrew, keep_heaviest
from geo311.crews.solvers import Problem, VehicleGroup, solve
from geo311.crews.streets import StreetGraph, streets_path
from geo311.errors import InputError
from geo311.profile import Profile
from geo311.service.catalog import age_days, as_of_time, catalog_lookup, sla_days_of

__all__ = ["Crew", "RoutePlan", "Travel", "plan_routes", "stops_from_requests"]


@dataclass(frozen=True)
class Crew:
    """A crew: ``depot`` (lon, lat) where its shift ends, ``start``/``end`` of the shift
    (timestamps), ``skills`` (the request types it can do; None: all), ``position``
    (lon, lat) where it is now (default the depot), and a break of ``break_minutes``
    taken at the first stop it finishes after ``break_after`` (default: mid-shift)."""

    id: str
    depot: tuple[float, float]
    start: pd.Timestamp
    end: pd.Timestamp
    skills: frozenset[str] | None = None
    position: tuple[float, float] | None = None
    break_minutes: float = 0.0
    break_after: pd.Timestamp | None = None

    @property
    def break_from(self) -> pd.Timestamp:
        """When the break may start (``break_after``, else the middle of the shift)."""
        return self.break_after or self.start + (self.end - self.start) / 2


class Travel:
    """Distances and paths between points: the street graph, or straight lines × detour."""

    def __init__(self, profile: Profile, graph: StreetGraph | None = None) -> None:
        self.settings = profile.routing
        self.graph = graph
        self.speed_ms = self.settings.speed_kmh / 3.6
        if graph is None:
            metric = profile.metric_crs
            self._to_metric = Transformer.from_crs("EPSG:4326", metric, always_xy=True)

    @classmethod
    def from_profile(cls, profile: Profile) -> Travel:
        """On the street graph when the profile has one (cached), else straight lines."""
        graph = StreetGraph.from_profile(profile) if streets_path(profile) else None
        return cls(profile, graph)

    @property
    def model(self) -> str:
        """Which travel model, in words."""
        if self.graph is not None:
            return "street network (one-way streets respected)"
        return f"straight line x {self.settings.detour_factor:g} detour"

    def place(self, lon: np.ndarray, lat: np.ndarray) -> Any:
        """Points placed for :meth:`matrix`: snapped to segments, or projected."""
        if self.graph is not None:
            return self.graph.snap(lon, lat)
        x, y = self._to_metric.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.column_stack([x, y])

    def offsets(self, placed: Any) -> np.ndarray:
        """How far each point is from the network (0 for straight lines)."""
        return placed.offset if self.graph is not None else np.zeros(len(placed))

    def matrix(self, placed: Any) -> np.ndarray:
        """Travel distance in metres between placed points (``inf``: unreachable)."""
        if self.graph is not None:
            return self.graph.matrix_between(placed)
        diff = placed[:, None, :] - placed[None, :, :]
        return np.hypot(diff[..., 0], diff[..., 1]) * self.settings.detour_factor

    def path(self, placed: Any, lonlat: np.ndarray, i: int, j: int) -> np.ndarray:
        """Lon/lat vertices from point ``i`` to ``j``: along streets or a straight line."""
        if self.graph is not None:
            return self.graph.path_lonlat(placed, i, j)
        return lonlat[[i, j]]


@dataclass
class RoutePlan:
    """The answer of :func:`plan_routes`.

    ``stops``: one row per visit (``crew, seq, id, type, lon, lat, weight, eta,
    depart`` (after the break when the crew takes it there), ``travel_m, snap_m`` (metres
    from the stop to the street it was snapped to), ``address``); ``crews``: per crew
    totals, with ``break_start``/``break_end`` (NaT when its route ends first);
    ``dropped``: ``id, type, weight, reason``; ``model``: the travel model; ``solver``,
    ``seconds``;
    ``legs``: lon/lat vertices of each crew's route (for GeoJSON and maps); ``notes``:
    what the caller should know about the travel model (disconnected streets, far snaps).
    """

    stops: pd.DataFrame
    crews: pd.DataFrame
    dropped: pd.DataFrame
    model: str
    solver: str
    seconds: float
    legs: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the model, the solver, per-crew routes with their stops, the dropped."""
        def rows(frame: pd.DataFrame) -> list[dict]:
            out = frame.copy()
            for column in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[column]):
                    out[column] = out[column].map(lambda t: None if pd.isna(t) else t.isoformat())
            return json.loads(out.to_json(orient="records", double_precision=6, date_format="iso"))

        crews = []
        for crew in rows(self.crews):
            crew["stops"] = rows(self.stops[self.stops["crew"] == crew["crew"]])
            crews.append(crew)
        return {"model": self.model, "solver": self.solver,
                "seconds": round(self.seconds, 3), "routes": crews,
                "dropped": rows(self.dropped), "notes": self.notes}

    def geojson(self) -> dict[str, Any]:
        """A FeatureCollection: one LineString per crew along its path, one Point per stop."""
        features = []
        for crew, coords in self.legs.items():
            if len(coords) >= 2:
                line = shapely.LineString(coords)
                features.append({"type": "Feature",
                                 "geometry": json.loads(shapely.to_geojson(line)),
                                 "properties": {"crew": crew, "kind": "route"}})
        for row in self.stops.itertuples(index=False):
            features.append({"type": "Feature",
                             "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
                             "properties": {"crew": row.crew, "seq": int(row.seq),
                                            "id": str(row.id), "type": str(row.type),
                                            "eta": row.eta.isoformat(), "kind": "stop"}})
        return {"type": "FeatureCollection", "features": features}


def stops_from_requests(requests: pd.DataFrame, catalog: pd.DataFrame | None, *,
                        as_of: Any = None, service_minutes: float = 15.0) -> pd.DataFrame:
    """The open requests of a request frame as stops, weighted by how overdue they are.

    ``requests`` has the normalized columns of :class:`~geo311.service.requests.Requests`
    (``id, type, created, is_closed, lon, lat, valid``). A request is due ``sla_days``
    (the catalog's, by type) after it was created; its weight is ``1 + days overdue``
    (1 when not yet due or its type has no SLA). ``service_min`` is the catalog's
    ``service_minutes`` column when it has one, else ``service_minutes``.
    """
    frame = requests[requests["valid"] & ~requests["is_closed"].astype(bool)]
    if frame.empty:
        raise InputError("no open request with a usable location to route")
    when = as_of_time(as_of, requests["created"])
    sla = (sla_days_of(frame["type"], catalog) if catalog is not None
           else pd.Series(np.nan, index=frame.index))
    overdue = (age_days(frame["created"], when) - sla).clip(lower=0).fillna(0)
    service = pd.Series(service_minutes, index=frame.index, dtype=float)
    if catalog is not None and "service_minutes" in catalog:
        found = pd.to_numeric(catalog_lookup(frame["type"], catalog, "service_minutes"),
                              errors="coerce")
        service = found.fillna(service_minutes)
    due = frame["created"] + pd.to_timedelta(sla.fillna(0), unit="D")
    return pd.DataFrame({"id": frame["id"].astype(str).to_numpy(),
                         "type": frame["type"].astype(str).to_numpy(),
                         "lon": frame["lon"].to_numpy(float), "lat": frame["lat"].to_numpy(float),
                         "weight": (1.0 + overdue).to_numpy(float),
                         "days_overdue": overdue.to_numpy(float),
                         "due": due.where(sla.notna()).to_numpy(),
                         "service_min": service.to_numpy(float),
                         "address": (frame["address"].astype("string").fillna("").to_numpy()
                                     if "address" in frame else "")})


def _check_stops(stops: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("id", "type", "lon", "lat", "weight") if c not in stops]
    if missing:
        raise InputError(f"stops need the column(s) {', '.join(missing)}", field="stops")
    if stops.empty:
        raise InputError("no stops to route", field="stops")
    out = stops.reset_index(drop=True).copy()
    out["id"] = out["id"].astype(str)
    duplicated = out["id"][out["id"].duplicated()].unique().tolist()
    if duplicated:
        raise InputError(f"stop id(s) given twice: {', '.join(duplicated[:10])}", field="stops")
    for column in ("lon", "lat", "weight"):
        out[column] = pd.to_numeric(out[column], errors="coerce")
    if "service_min" not in out:
        out["service_min"] = np.nan
    out["address"] = out["address"].fillna("").astype(str) if "address" in out else ""
    return out


def _check_crews(crews: Sequence[Crew]) -> None:
    if not crews:
        raise InputError("no crews to route", field="crews")
    ids = [c.id for c in crews]
    if len(set(ids)) != len(ids):
        raise InputError("crew ids must be distinct", field="crews")
    for crew in crews:
        if not crew.end > crew.start:
            raise InputError(f"crew {crew.id}: the shift ends ({crew.end}) before it starts "
                             f"({crew.start})", field="shift", crew=crew.id)
        if not 0 <= crew.break_minutes < (crew.end - crew.start).total_seconds() / 60:
            raise InputError(f"crew {crew.id}: a break of {crew.break_minutes:g} min does not "
                             "fit in its shift", field="break", crew=crew.id)
        for name, point in (("depot", crew.depot), ("position", crew.position)):
            if point is not None and not (np.isfinite(point).all() and -180 <= point[0] <= 180
                                          and -90 <= point[1] <= 90):
                raise InputError(f"crew {crew.id}: {name} {point} is not a lon/lat",
                                 field=name, crew=crew.id)


def plan_routes(stops: pd.DataFrame, crews: Sequence[Crew], travel: Travel, *,
                done: Iterable[str] = (), time_limit: float = 5.0, seed: int = 311,
                solver: str = "auto") -> RoutePlan:
    """Plan the crews' routes through ``stops`` (see the module doc for the columns).

    Stops that cannot be served are returned in ``dropped`` with the reason: off the
    street network, unreachable (one-way trap), no crew with the skill, too far for
    any shift even alone, a window no crew can meet, or left out for stops of
    greater weight. ``done`` ids are removed first (re-planning).

    Raises
    ------
    InputError
        No stops or crews, a malformed stops table, a depot off the street network,
        a shift that ends before it starts.
    """
    stops = _check_stops(stops)
    _check_crews(crews)
    done = {str(d) for d in done}
    stops = stops[~stops["id"].isin(done)].reset_index(drop=True)
    if stops.empty:
        raise InputError("no stops left to route (every stop is done)", field="stops")
    default_service = travel.settings.service_minutes
    stops["service_min"] = stops["service_min"].fillna(default_service)
    t0 = min(c.start for c in crews)
    reasons: dict[int, str] = {}
    bad = ~(np.isfinite(stops["lon"]) & np.isfinite(stops["lat"])
            & stops["lon"].between(-180, 180) & stops["lat"].between(-90, 90))
    for i in np.flatnonzero(bad):
        reasons[i] = "no usable location"
    weight_ok = np.isfinite(stops["weight"]) & (stops["weight"] > 0)
    for i in np.flatnonzero(~weight_ok & ~bad):
        reasons[i] = "weight is not a positive number"
    # locations: each crew's start, each crew's end, then the stops
    n_crews = len(crews)
    starts = np.array([c.position or c.depot for c in crews], float)
    ends = np.array([c.depot for c in crews], float)
    stop_xy = stops[["lon", "lat"]].to_numpy(float)
    stop_xy[~np.isfinite(stop_xy)] = 0.0
    lonlat = np.concatenate([starts, ends, stop_xy])
    placed = travel.place(lonlat[:, 0], lonlat[:, 1])
    offset = travel.offsets(placed)
    limit = travel.settings.max_snap_m
    for k, crew in enumerate(crews):
        for name, row in (("position" if crew.position else "depot", k),
                          ("depot", n_crews + k)):
            if offset[row] > limit:
                raise InputError(f"crew {crew.id}: {name} {lonlat[row, 0]:.6f},"
                                 f"{lonlat[row, 1]:.6f} is "
                                 f"{offset[row]:,.0f} m from the nearest street (more than "
                                 f"{limit:g} m): off the street network", field=name,
                                 crew=crew.id)
    first = 2 * n_crews
    for i in np.flatnonzero(offset[first:] > limit):
        reasons.setdefault(int(i), f"off the street network ({offset[first + i]:,.0f} m from "
                                   f"the nearest street, more than {limit:g} m)")
    distance = travel.matrix(placed)
    seconds = distance / travel.speed_ms
    service = stops["service_min"].to_numpy(float) * 60
    window_lo = _window(stops, "window_start", t0, 0.0)
    window_hi = _window(stops, "window_end", t0, np.inf)
    shift_lo = np.array([(c.start - t0).total_seconds() for c in crews])
    shift_hi = np.array([(c.end - t0).total_seconds() for c in crews])
    pause = np.array([c.break_minutes * 60 for c in crews])
    pause_at = np.array([(c.break_from - t0).total_seconds() for c in crews])
    # planned without the breaks, on shifts shorter by them and, for a window that closes
    # after a break may start, a window closing that much earlier: the break is then put in
    # at the first stop finished after its time, and every window and shift end still holds
    shift_hi = shift_hi - pause
    if pause.any():
        window_hi = np.where(window_hi > pause_at[pause > 0].min(), window_hi - pause.max(),
                             window_hi)
    types = stops["type"].astype(str).to_numpy()
    for i in range(len(stops)):
        if i in reasons:
            continue
        row = first + i
        able = [k for k, c in enumerate(crews) if c.skills is None or types[i] in c.skills]
        if not able:
            reasons[i] = f"no crew has the skill for type {types[i]!r}"
            continue
        there = seconds[able, row]
        back = seconds[row, [n_crews + k for k in able]]
        if not (np.isfinite(there) & np.isfinite(back)).any():
            reasons[i] = "unreachable on the street network (one-way streets)"
            continue
        arrive = np.maximum(shift_lo[able] + there, window_lo[i])
        ok_window = arrive <= window_hi[i]
        fits = ok_window & (arrive + service[i] + back <= shift_hi[able])
        if not ok_window.any():
            reasons[i] = "its time window cannot be met by any crew"
        elif not fits.any():
            alone = float(np.nanmin(there + service[i] + back)) / 60
            reasons[i] = f"does not fit in any shift even alone (needs {alone:,.0f} min)"
    candidates = np.array([i for i in range(len(stops)) if i not in reasons], dtype=int)
    routes: list[list[int]] = []
    groups: list[int] = []
    used, elapsed = "none", 0.0
    weight = stops["weight"].to_numpy(float)
    if len(candidates) and n_crews == 1:
        routes, groups, used, elapsed, left = _one_crew(
            candidates, distance, seconds, service, window_lo, window_hi, shift_lo[0],
            shift_hi[0], weight, time_limit, seed)
        reasons.update(left)
    elif len(candidates):
        args = (crews, candidates, first, distance, seconds, service, window_lo, window_hi,
                shift_lo)
        rest = (weight, types, time_limit, seed, solver)
        routes, groups, used, elapsed = _solve(*args, shift_hi, *rest)
        hours = {g: _finish(g, r, n_crews, seconds, service, window_lo, shift_lo) - shift_lo[g]
                 for g, r in zip(groups, routes, strict=True)}
        busy = sum(hours.values())
        served_all = sum(map(len, routes)) == len(candidates)
        if served_all and max(hours.values()) > 1.2 * busy / n_crews:
            # everything fits: share the work out by capping each shift near the mean
            cap = np.minimum(shift_hi, shift_lo + 1.15 * busy / n_crews)
            again = _solve(*args, cap, *rest)
            if sum(map(len, again[0])) == len(candidates):
                routes, groups, used = again[0], again[1], again[2]
                elapsed += again[3]
        served = {i for r in routes for i in r}
        kept_weight = min((weight[i] for i in served), default=np.inf)
        for i in candidates:
            if i not in served:
                reasons[int(i)] = (
                    "left out: the shifts are full with stops of greater or equal weight"
                    if weight[i] <= kept_weight else
                    "left out: its travel time would displace more weight of stops nearer "
                    "the routes than it carries")
    return _assemble(stops, crews, routes, groups, reasons, travel, placed, lonlat, distance,
                     seconds, service, window_lo, t0, shift_lo, used, elapsed,
                     (pause, pause_at))


def _one_crew(candidates, distance, seconds, service, window_lo, window_hi, shift_lo,
              shift_hi, weight, time_limit, seed):
    """One crew: the heaviest stops first, strictly (:func:`~geo311.crews.keep.keep_heaviest`),
    in the order of least travel. Returns routes, groups, solver, seconds, reasons."""
    began = time.perf_counter()
    local = np.concatenate([[0, 1], 2 + candidates])
    day = OneCrew(distance[np.ix_(local, local)], seconds[np.ix_(local, local)],
                  service[candidates], window_lo[candidates], window_hi[candidates],
                  float(shift_lo), float(shift_hi), time_limit=time_limit, seed=seed)
    route, left = keep_heaviest(day, weight[candidates])
    used = "+".join(sorted(day.solvers)) or "brute force"
    reasons = {int(candidates[j]): reason for j, reason in left.items()}
    routes = [[int(candidates[j]) for j in route]] if route else []
    return routes, [0] * len(routes), used, time.perf_counter() - began, reasons


def _finish(k: int, route: list[int], n_crews: int, seconds: np.ndarray, service: np.ndarray,
            window_lo: np.ndarray, shift_lo: np.ndarray) -> float:
    """When crew ``k`` is back at its depot after ``route`` (seconds from the plan's start)."""
    path = [k, *[2 * n_crews + i for i in route], n_crews + k]
    clock = shift_lo[k]
    for a, b in zip(path[:-1], path[1:], strict=True):
        clock += seconds[a, b]
        if b >= 2 * n_crews:
            clock = max(clock, window_lo[b - 2 * n_crews]) + service[b - 2 * n_crews]
    return float(clock)


def _window(stops: pd.DataFrame, column: str, t0: pd.Timestamp, default: float) -> np.ndarray:
    if column not in stops:
        return np.full(len(stops), default)
    times = pd.to_datetime(stops[column])
    out = (times - t0).dt.total_seconds().to_numpy(float)
    return np.where(np.isnan(out), default, out)


def _solve(crews, candidates, first, distance, seconds, service, window_lo, window_hi,
           shift_lo, shift_hi, weight, types, time_limit, seed, solver):
    """The solver's routes over ``candidates`` (stop indices), as stop indices per crew."""
    n_crews = len(crews)
    locations = np.concatenate([np.arange(2 * n_crews), first + candidates])
    cost = distance[np.ix_(locations, locations)]
    duration = seconds[np.ix_(locations, locations)]
    finite = cost[np.isfinite(cost)]
    # a prize per unit of weight above what any one stop can add to a route (a detour of
    # at most two of the longest legs): keeping weight comes first, travel second
    unit = 2.0 * float(finite.max() if finite.size else 1.0) + 1.0
    position = {int(s): j for j, s in enumerate(candidates)}
    vehicles = []
    for k, crew in enumerate(crews):
        allowed = None
        if crew.skills is not None:
            allowed = frozenset(position[int(s)] for s in candidates if types[s] in crew.skills)
        vehicles.append(VehicleGroup(k, n_crews + k, 1, shift=shift_hi[k] - shift_lo[k],
                                     tw_early=shift_lo[k], tw_late=shift_hi[k],
                                     allowed=allowed))
    problem = Problem(cost, duration, np.arange(2 * n_crews, len(locations)), vehicles,
                      service=service[candidates], tw_early=window_lo[candidates],
                      tw_late=window_hi[candidates], prize=weight[candidates] * unit,
                      required=np.zeros(len(candidates), bool), scale=1.0)
    answer = solve(problem, solver, time_limit, seed)
    routes = [[int(candidates[c]) for c in r] for r in answer.routes]
    return routes, answer.vehicle_group, answer.solver, answer.seconds


def _assemble(stops, crews, routes, groups, reasons, travel, placed, lonlat, distance, seconds,
              service, window_lo, t0, shift_lo, solver, elapsed, breaks) -> RoutePlan:
    offset = travel.offsets(placed)
    n_crews = len(crews)
    first = 2 * n_crews
    rows, totals, legs = [], [], {}
    by_crew = dict(zip(groups, routes, strict=True))
    for k, crew in enumerate(crews):
        route = by_crew.get(k, [])
        path = [k, *[first + i for i in route], n_crews + k]
        clock, travelled = shift_lo[k], 0.0
        pause, pause_at = breaks[0][k], breaks[1][k]
        rest = None
        for seq, (a, b) in enumerate(zip(path[:-1], path[1:], strict=True), start=1):
            clock += seconds[a, b]
            travelled += distance[a, b]
            if b >= first:
                i = b - first
                clock = max(clock, window_lo[i])
                leave = clock + service[i]
                if pause > 0 and rest is None and leave >= pause_at:
                    rest = leave                    # the break, where this stop is
                    leave += pause
                rows.append({"crew": crew.id, "seq": seq, "id": stops["id"][i],
                             "type": stops["type"][i], "lon": float(stops["lon"][i]),
                             "lat": float(stops["lat"][i]), "weight": float(stops["weight"][i]),
                             "eta": t0 + pd.Timedelta(seconds=float(clock)),
                             "depart": t0 + pd.Timedelta(seconds=float(leave)),
                             "travel_m": float(distance[a, b]),
                             "snap_m": float(offset[b]),
                             "address": str(stops["address"][i])})
                clock = leave
        totals.append({"crew": crew.id, "stops": len(route), "distance_m": travelled,
                       "start": crew.start, "back": t0 + pd.Timedelta(seconds=float(clock)),
                       "shift_end": crew.end,
                       "break_start": (pd.NaT if rest is None
                                       else t0 + pd.Timedelta(seconds=float(rest))),
                       "break_end": (pd.NaT if rest is None
                                     else t0 + pd.Timedelta(seconds=float(rest + pause))),
                       "weight": float(stops["weight"][route].sum()) if route else 0.0})
        pieces = [travel.path(placed, lonlat, a, b) for a, b in zip(path[:-1], path[1:],
                                                                     strict=True)]
        pieces = [p for p in pieces if len(p)]
        legs[crew.id] = np.concatenate(pieces) if pieces else np.empty((0, 2))
    columns = ["crew", "seq", "id", "type", "lon", "lat", "weight", "eta", "depart", "travel_m",
               "snap_m", "address"]
    dropped = pd.DataFrame(
        [{"id": stops["id"][i], "type": stops["type"][i], "weight": stops["weight"][i],
          "reason": reason} for i, reason in sorted(reasons.items())],
        columns=["id", "type", "weight", "reason"])
    notes = []
    if travel.graph is not None and (parts := travel.graph.components()) > 1:
        notes.append(f"the street graph has {parts} strongly connected parts (one-way "
                     "streets and disconnected pieces): a stop in another part than a depot "
                     "is unreachable")
    far = int((offset[2 * n_crews:] > 50).sum())
    if far:
        notes.append(f"{far} stop(s) are more than 50 m from the nearest street; each visit "
                     "row gives its snap_m")
    return RoutePlan(pd.DataFrame(rows, columns=columns), pd.DataFrame(totals), dropped,
                     travel.model, solver, elapsed, legs, notes)
