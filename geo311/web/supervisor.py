"""The supervisors' page (staff): today's crew routes on a map, their stops, the downloads.

``/routes`` asks for the request types, a district, the number of crews, their depot(s),
the day, the shift's start and length; it shows each crew's route on a map with numbered
stops, the stops in order with their ETAs, and every request left out with its reason.
``/routes/stops.csv``, ``/routes/routes.geojson``, ``/routes/sheet.html`` and
``/routes/sheet.pdf`` are the downloads of the same query. Re-planning mid-day: the page's
second form sends the time now and, per crew, the stops it has done (``done.<crew>``);
those stops are removed and the crew starts from the last of them at that time.

One library call, as the CLI and ``POST /api/v1/routes`` make it: the open requests (the
store's, else the profile's requests file) become stops weighted by how overdue they are
(:func:`~geo311.crews.routes.stops_from_requests`) and
:func:`~geo311.crews.routes.plan_routes` plans them. The last few plans are kept, so the
downloads of a view reuse its plan while the requests are unchanged.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import pandas as pd
from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from geo311.crews.routes import Crew, RoutePlan, plan_routes, stops_from_requests
from geo311.errors import Geo311Error, InputError
from geo311.service.requests import RequestFilter
from geo311.web.csrf import check_csrf
from geo311.web.pages import error_page, page_headers
from geo311.web.staff import require_staff

__all__ = ["RoutesQuery", "blueprint", "parse_query"]

blueprint = Blueprint("supervisor", __name__, template_folder="templates",
                      static_folder="static", static_url_path="/supervisor-static")

MAX_CREWS = 20
_MAX_TYPES = 50
_KEPT = 8
_lock = threading.Lock()
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}")


@dataclass(frozen=True)
class RoutesQuery:
    """The page's choices, checked. ``done`` is, per crew, the ids it has done (in order);
    ``now`` the time of a re-plan (None: the plan of the whole shift)."""

    types: tuple[str, ...]
    district: tuple[str, str] | None
    crews: int
    depots: tuple[tuple[float, float], ...]
    day: str
    start: str
    shift_hours: float
    seconds: float
    now: str | None = None
    done: tuple[tuple[str, tuple[str, ...]], ...] = ()
    break_minutes: float = 0.0
    break_after: str | None = None

    @property
    def begin(self) -> pd.Timestamp:
        return pd.Timestamp(f"{self.day} {self.start}")

    def args(self, *, replan: bool = True) -> dict[str, Any]:
        """The query string of this view (downloads), without the re-plan unless asked."""
        out: dict[str, Any] = {"type": list(self.types), "crews": str(self.crews),
                               "depot": "; ".join(f"{x:.6f},{y:.6f}" for x, y in self.depots),
                               "date": self.day, "start": self.start,
                               "shift": f"{self.shift_hours:g}", "seconds": f"{self.seconds:g}"}
        if self.break_minutes:
            out["break"] = f"{self.break_minutes:g}"
        if self.break_after:
            out["break_after"] = self.break_after
        if self.district:
            out["district"] = ":".join(self.district)
        if replan and self.now:
            out["now"] = self.now
            out.update({f"done.{crew}": ",".join(ids) for crew, ids in self.done})
        return out


def _number(args, name: str, default: float, low: float, high: float) -> float:
    text = (args.get(name) or "").strip()
    try:
        value = float(text) if text else default
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise InputError(gettext("%(field)s must be a number from %(low)s to %(high)s",
                                 field=name, low=f"{low:g}", high=f"{high:g}"), field=name)
    return value


def _depots(text: str) -> tuple[tuple[float, float], ...]:
    places = []
    for part in [p for p in text.split(";") if p.strip()][:MAX_CREWS]:
        try:
            lon, lat = (float(v) for v in part.split(","))
        except ValueError:
            lon = lat = float("nan")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InputError(gettext("A depot must be given as longitude,latitude "
                                     "(several separated by ;)"), field="depot")
        places.append((lon, lat))
    if not places:
        raise InputError(gettext("Give the depot as longitude,latitude."), field="depot")
    return tuple(places)


def parse_query(args, keys: list[str], cap: float) -> RoutesQuery:
    """Read the page's query string (``keys``: the profile's district layers; ``cap``: the
    most solver seconds); a value out of bounds is an InputError in words."""
    types = tuple(t.strip() for t in args.getlist("type") if t.strip())[:_MAX_TYPES]
    district = None
    if args.get("district"):
        key, _, feature = args["district"].partition(":")
        if key not in keys or not feature:
            raise InputError(gettext("Choose a district of the list."), field="district")
        district = (key, feature)
    day = (args.get("date") or f"{pd.Timestamp.now():%Y-%m-%d}").strip()
    start = (args.get("start") or "08:00").strip()
    now = (args.get("now") or "").strip() or None
    break_after = (args.get("break_after") or "").strip() or None
    for value, name in ((day, "date"), (start, "start"), (now, "now"),
                        (break_after, "break_after")):
        pattern = _DATE if name == "date" else _TIME
        if value is not None and not pattern.fullmatch(value):
            raise InputError(gettext("%(field)s is not a date or time", field=name), field=name)
    try:
        pd.Timestamp(f"{day} {start}")
    except ValueError:
        raise InputError(gettext("%(field)s is not a date or time", field="date"),
                         field="date") from None
    crews = int(_number(args, "crews", 1, 1, MAX_CREWS))
    done = tuple((f"crew-{k + 1}", tuple(i for i in args.get(f"done.crew-{k + 1}", "")
                                         .split(",") if i.strip()))
                 for k in range(crews) if args.get(f"done.crew-{k + 1}"))
    shift = _number(args, "shift", 8.0, 0.25, 24.0)
    return RoutesQuery(types, district, crews, _depots(args.get("depot") or ""), day, start,
                       shift, _number(args, "seconds", min(5.0, cap), 0.5, cap), now, done,
                       _number(args, "break", 0.0, 0.0, 60 * shift - 1), break_after)


def _open_requests(city, store, query: RoutesQuery):
    districts = {query.district[0]: [query.district[1]]} if query.district else {}
    rows = RequestFilter(types=list(query.types) or None, status=("open",),
                         districts=districts)
    if store is None:
        return city.load_requests(rows)
    from geo311.service.history import stored_requests

    return stored_requests(store, rows, city.locator)


def _crews(query: RoutesQuery, stops: pd.DataFrame, store) -> list[Crew]:
    """The crews; on a re-plan, each starts at the time now from its last stop done."""
    end = query.begin + pd.Timedelta(hours=query.shift_hours)
    start = query.begin if query.now is None else pd.Timestamp(f"{query.day} {query.now}")
    if start >= end:
        raise InputError(gettext("The time now is after the end of the shift."), field="now")
    where = stops.set_index("id")[["lon", "lat"]]
    rest_at = (None if query.break_after is None
               else pd.Timestamp(f"{query.day} {query.break_after}"))
    done = dict(query.done)
    crews = []
    for k in range(query.crews):
        name = f"crew-{k + 1}"
        position = None
        if done.get(name):
            last = done[name][-1]
            if last in where.index:
                position = tuple(map(float, where.loc[last]))
            elif store is not None and (stored := store.get_request(last)) is not None \
                    and stored.lon is not None:
                position = (float(stored.lon), float(stored.lat))
        crews.append(Crew(name, query.depots[k % len(query.depots)], start, end,
                          position=position, break_minutes=query.break_minutes,
                          break_after=rest_at))
    return crews


def build(city, store, query: RoutesQuery) -> RoutePlan:
    """The plan of ``query``: the library's call (an InputError says what is wrong)."""
    from geo311.web.routes_api import city_travel

    requests = _open_requests(city, store, query)
    stops = stops_from_requests(requests.frame, city.catalog if city.has_catalog else None,
                                as_of=query.begin,
                                service_minutes=city.profile.routing.service_minutes)
    crews = _crews(query, stops, store)
    done = [i for _, ids in query.done for i in ids]
    return plan_routes(stops, crews, city_travel(city), done=done, time_limit=query.seconds,
                       seed=311)


# -- views ----------------------------------------------------------------------------------

@blueprint.before_request
def _before() -> None:
    check_csrf()


blueprint.after_request(page_headers)
blueprint.errorhandler(HTTPException)(error_page)


@blueprint.errorhandler(Geo311Error)
def _library_error(exc: Geo311Error):
    return render_template("error.html", code=400, description=exc.message), 400


def _state():
    state = current_app.extensions["geo311"]
    return state["city"], state["store"]


def _plan() -> tuple[RoutesQuery, RoutePlan]:
    """The query string's plan, from the kept plans while the requests are unchanged."""
    from geo311.web.dashboard import source_stamp

    city, store = _state()
    keys = [d.key for d in city.profile.districts]
    query = parse_query(request.args, keys, float(current_app.config["GEO311_ROUTE_TIME_LIMIT"]))
    key = (query, source_stamp(city, store))
    kept = current_app.extensions.setdefault("geo311_supervisor", OrderedDict())
    with _lock:
        plan = kept.get(key)
    if plan is None:
        plan = build(city, store, query)
        with _lock:
            kept[key] = plan
            while len(kept) > _KEPT:
                kept.popitem(last=False)
    return query, plan


def _choices(city) -> dict[str, Any]:
    types = []
    if city.has_catalog:
        catalog = city.catalog
        types = sorted(zip(catalog["service_code"].astype(str),
                           catalog["service_name"].astype(str), strict=True), key=lambda t: t[1])
    districts = [(d.key, d.label or d.key,
                  sorted(zip(d.layer.ids.astype(str), d.layer.names.astype(str), strict=True),
                         key=lambda f: (len(f[0]), f[0])))
                 for d in city.profile.districts]
    point = city.locator.city.geoms[0].representative_point()
    return {"types": types, "districts": districts,
            "depot": f"{point.x:.5f},{point.y:.5f}"}


def map_data(plan: RoutePlan) -> dict[str, Any]:
    """What the page's map draws: each crew's line (lon/lat rounded to ~1 m) and stops."""
    crews = list(plan.crews["crew"].astype(str))
    return {"routes": [{"crew": crew, "color": k, "coords": [[round(x, 5), round(y, 5)]
                                                            for x, y in plan.legs.get(crew, [])]}
                       for k, crew in enumerate(crews)],
            "stops": [{"crew": str(r.crew), "color": crews.index(str(r.crew)),
                       "seq": int(r.seq), "id": str(r.id), "type": str(r.type),
                       "eta": f"{r.eta:%H:%M}", "lon": float(r.lon), "lat": float(r.lat)}
                      for r in plan.stops.itertuples(index=False)]}


@blueprint.get("/routes")
@require_staff
def routes_page():
    """The supervisors' page: the form and, once a depot is given, the plan."""
    city, _ = _state()
    context: dict[str, Any] = {"choices": _choices(city), "args": request.args, "plan": None,
                               "error": None}
    if not request.args.get("depot"):
        return render_template("supervisor_routes.html", **context)
    try:
        query, plan = _plan()
    except InputError as exc:
        context["error"] = exc.message
        return render_template("supervisor_routes.html", **context), 400
    stops = {crew: rows.sort_values("seq").to_dict(orient="records")
             for crew, rows in plan.stops.groupby("crew", sort=False)}
    done = dict(query.done)
    replan = {}  # per crew, the choices "done up to stop k": the ids done so far and new
    for crew in plan.crews["crew"].astype(str):
        ids = [str(s["id"]) for s in stops.get(crew, [])]
        replan[crew] = [(",".join([*done.get(crew, ()), *ids[:k + 1]]), k + 1, ids[k])
                        for k in range(len(ids))]
    context.update(plan=plan, query=query, stops=stops, map=map_data(plan), replan=replan,
                   crews=plan.crews.to_dict(orient="records"),
                   dropped=plan.dropped.to_dict(orient="records"),
                   done=done, downloads=query.args())
    return render_template("supervisor_routes.html", **context)


def _download(data: str | bytes, mimetype: str, name: str) -> Response:
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@blueprint.get("/routes/stops.csv")
@require_staff
def routes_csv():
    """The stops of the view in visit order, with ETAs (the CLI's stops.csv)."""
    return _download(_plan()[1].stops.to_csv(index=False), "text/csv", "stops.csv")


@blueprint.get("/routes/routes.geojson")
@require_staff
def routes_geojson():
    """Each crew's route along the streets and its stops, as GeoJSON."""
    return _download(json.dumps(_plan()[1].geojson()), "application/geo+json",
                     "routes.geojson")


@blueprint.get("/routes/sheet.html")
@require_staff
def routes_sheet():
    """The printable crew sheet (one printed page per crew)."""
    from geo311.render.crew_sheet import crew_sheet

    response = Response(crew_sheet(_plan()[1]), mimetype="text/html")
    # the sheet's own inline stylesheet (its page breaks); it holds no script
    response.headers["Content-Security-Policy"] = ("default-src 'none'; style-src "
                                                   "'unsafe-inline'; frame-ancestors 'none'")
    return response


@blueprint.get("/routes/sheet.pdf")
@require_staff
def routes_pdf():
    """The crew sheet as PDF."""
    from geo311.render.crew_sheet import crew_sheet_pdf

    return _download(crew_sheet_pdf(_plan()[1]), "application/pdf", "crew_sheet.pdf")
