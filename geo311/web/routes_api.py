"""``POST /api/v1/routes`` (staff): crew routes through the stored open requests.

One library call: the store's open requests (of the body's types and districts) become
stops (:func:`~geo311.crews.routes.stops_from_requests`, weighted by how overdue they
are) and :func:`~geo311.crews.routes.plan_routes` plans them. The JSON body::

    {"types": ["GRAFFITI"], "districts": {"ward": ["3"]},
     "depots": [[lon, lat], ...], "crews": 3,              # or a list of crews:
     "crews": [{"id": "north", "depot": [lon, lat], "skills": ["GRAFFITI"],
                "position": [lon, lat]}],
     "date": "2026-01-05", "start": "08:00", "shift_hours": 8,
     "break_minutes": 30, "break_after": "12:00",          # each crew's break
     "done": ["id", ...], "time_limit": 5, "seed": 311}

Only ``depots`` (with a number of crews) or a list of crews is required. The answer is
``RoutePlan.as_dict()`` plus ``geojson`` (each crew's route and stops). The solver time
is capped by the app setting ``GEO311_ROUTE_TIME_LIMIT`` (seconds, default 30).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import ServiceUnavailable

from geo311.errors import InputError
from geo311.service.requests import RequestFilter
from geo311.web.auth import staff_required

__all__ = ["blueprint", "city_travel"]

blueprint = Blueprint("routes_api", __name__)

MAX_CREWS = 50
MAX_ITEMS = 10_000
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME = re.compile(r"\d{2}:\d{2}")


def _point(value: Any, name: str) -> tuple[float, float]:
    if (not isinstance(value, list | tuple) or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)):
        raise InputError(f"{name} must be [lon, lat]", field=name)
    return float(value[0]), float(value[1])


def _number(body: dict, name: str, default: float, low: float, high: float) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InputError(f"{name} must be a number from {low:g} to {high:g}", field=name)
    return float(value)


def _texts(body: dict, name: str) -> list[str]:
    value = body.get(name, [])
    if isinstance(value, str):
        value = [value]
    if (not isinstance(value, list) or len(value) > MAX_ITEMS
            or not all(isinstance(v, str) and "\x00" not in v for v in value)):
        raise InputError(f"{name} must be a list of texts", field=name)
    return value


def _shift(body: dict) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The shift's start (``date`` at ``start``, default today 08:00) and end."""
    day = body.get("date", f"{pd.Timestamp.now():%Y-%m-%d}")
    at = body.get("start", "08:00")
    if not isinstance(day, str) or not DATE.fullmatch(day):
        raise InputError("date must be YYYY-MM-DD", field="date")
    if not isinstance(at, str) or not TIME.fullmatch(at):
        raise InputError("start must be HH:MM", field="start")
    try:
        start = pd.Timestamp(f"{day} {at}")
    except ValueError:
        raise InputError(f"{day} {at} is not a date and time", field="date") from None
    return start, start + pd.Timedelta(hours=_number(body, "shift_hours", 8.0, 0.25, 24.0))


def _break(body: dict, start: pd.Timestamp, end: pd.Timestamp) -> dict[str, Any]:
    """Each crew's break: ``break_minutes`` from ``break_after`` (HH:MM; default mid-shift)."""
    limit = (end - start).total_seconds() / 60
    minutes = _number(body, "break_minutes", 0.0, 0.0, limit)
    at = body.get("break_after")
    if at is None:
        return {"break_minutes": minutes}
    if not isinstance(at, str) or not TIME.fullmatch(at):
        raise InputError("break_after must be HH:MM", field="break_after")
    try:
        return {"break_minutes": minutes, "break_after": pd.Timestamp(f"{start:%Y-%m-%d} {at}")}
    except ValueError:
        raise InputError(f"break_after {at} is not a time", field="break_after") from None


def _crews(body: dict, start: pd.Timestamp, end: pd.Timestamp) -> list:
    from geo311.crews.routes import Crew

    rest = _break(body, start, end)
    given = body.get("crews", 1)
    if isinstance(given, int) and not isinstance(given, bool):
        depots = body.get("depots")
        if not isinstance(depots, list) or not 1 <= len(depots) <= MAX_CREWS:
            raise InputError(f"depots must list 1 to {MAX_CREWS} [lon, lat]", field="depots")
        places = [_point(d, "depots") for d in depots]
        if not 1 <= given <= MAX_CREWS:
            raise InputError(f"crews must be 1 to {MAX_CREWS}", field="crews")
        return [Crew(f"crew-{k + 1}", places[k % len(places)], start, end, **rest)
                for k in range(given)]
    if not isinstance(given, list) or not 1 <= len(given) <= MAX_CREWS:
        raise InputError(f"crews must be a number or a list of 1 to {MAX_CREWS} crews",
                         field="crews")
    out = []
    for k, item in enumerate(given):
        if not isinstance(item, dict):
            raise InputError("each crew must be an object", field="crews")
        name = item.get("id", f"crew-{k + 1}")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise InputError("a crew id must be a text of 1 to 100 characters", field="crews")
        out.append(Crew(name, _point(item.get("depot"), "crews.depot"), start, end,
                        skills=(None if item.get("skills") is None
                                else frozenset(_texts(item, "skills"))),
                        position=(None if item.get("position") is None
                                  else _point(item["position"], "crews.position")), **rest))
    return out


def _districts(body: dict, keys: set[str]) -> dict[str, list[str]]:
    districts = body.get("districts", {})
    if not isinstance(districts, dict):
        raise InputError("districts must be an object {key: [ids]}", field="districts")
    unknown = sorted(set(districts) - keys)
    if unknown:
        raise InputError(f"no district layer {unknown[0][:50]!r}; the profile's are: "
                         f"{', '.join(sorted(keys))}", field="districts")
    return {key: _texts(districts, key) for key in districts}


@blueprint.post("/routes")
@staff_required
def routes():
    """Plan the crews' routes through the stored open requests that the body selects."""
    from geo311.crews.routes import plan_routes, stops_from_requests
    from geo311.service.history import stored_requests

    state = current_app.extensions["geo311"]
    city, store = state["city"], state["store"]
    if store is None:
        raise ServiceUnavailable("this service runs without a request store")
    body = request.get_json(silent=True) if request.mimetype == "application/json" else None
    if not isinstance(body, dict):
        raise InputError("the body must be a JSON object")
    keys = {layer.key for layer in city.locator.districts}
    rows = RequestFilter(types=tuple(_texts(body, "types")) or None, status=("open",),
                         districts=_districts(body, keys))
    start, end = _shift(body)
    crews = _crews(body, start, end)
    cap = float(current_app.config["GEO311_ROUTE_TIME_LIMIT"])
    time_limit = _number(body, "time_limit", min(5.0, cap), 0.1, cap)
    seed = _number(body, "seed", 311, 0, 2**31 - 1)
    done = _texts(body, "done")
    requests = stored_requests(store, rows, city.locator)
    stops = stops_from_requests(requests.frame, city.catalog if city.has_catalog else None,
                                as_of=start,
                                service_minutes=city.profile.routing.service_minutes)
    plan = plan_routes(stops, crews, city_travel(city), done=done, time_limit=time_limit,
                       seed=int(seed))
    return jsonify({**plan.as_dict(), "geojson": plan.geojson()})


def city_travel(city):
    """The city's travel model, built once per application (the street graph is cached)."""
    from geo311.crews.routes import Travel

    cache = current_app.extensions.setdefault("geo311_routes", {})
    if "travel" not in cache:
        cache["travel"] = Travel.from_profile(city.profile)
    return cache["travel"]
