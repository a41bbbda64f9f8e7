"""geo311's own JSON API, mounted at ``/api/v1``: one library call per view.

Public: ``validate``, ``locate``, ``reverse``, ``districts``, ``nearby``, ``hotspots``,
``reallocation`` (GET). Staff (a staff API key, :mod:`geo311.web.auth`): listing and
reading requests with contact details, status changes with a note, assignment,
duplicate links and notes, crew routes through the open requests (``POST /routes``,
:mod:`geo311.web.routes_api`); the store writes each to its audit log, the key's name as
the actor. The OpenAPI document of all of them is
``/api/v1/openapi.json`` (:mod:`geo311.web.openapi`).
"""

from __future__ import annotations

from typing import Any

import shapely
from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import ServiceUnavailable

from geo311.errors import InputError, NotFoundError
from geo311.tables import parse_number
from geo311.web.auth import log_in, log_out, staff_required
from geo311.web.openapi import openapi_document
from geo311.web.routes_api import blueprint as routes_blueprint

__all__ = ["blueprint"]

blueprint = Blueprint("api", __name__)
blueprint.register_blueprint(routes_blueprint)  # POST /routes (crew routes, staff)

MAX_TEXT = 500


def _state() -> dict[str, Any]:
    return current_app.extensions["geo311"]


def _city():
    return _state()["city"]


def _store():
    store = _state()["store"]
    if store is None:
        raise ServiceUnavailable("this service runs without a request store")
    return store


def _text_arg(name: str, *, required: bool = False, max_len: int = MAX_TEXT,
              source=None) -> str | None:
    """An argument as text (an empty one counts as absent)."""
    value = (request.args if source is None else source).get(name, "")
    if not isinstance(value, str):
        raise InputError(f"{name} must be text", field=name)
    if value == "":
        if required:
            raise InputError(f"{name} is required", field=name)
        return None
    if len(value) > max_len:
        raise InputError(f"{name} is longer than {max_len} characters", field=name)
    return value


def _number_arg(name: str, *, required: bool = True, default: float | None = None,
                low: float | None = None, high: float | None = None) -> float | None:
    """An argument as a plain decimal number within [low, high]."""
    text = _text_arg(name, required=required, max_len=64)
    if text is None:
        return default
    number = parse_number(text)
    if number != number:
        raise InputError(f"{name} must be a plain decimal number", field=name)
    if (low is not None and number < low) or (high is not None and number > high):
        raise InputError(f"{name} must be between {low:g} and {high:g}", field=name)
    return number


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    """An argument as a whole number within [low, high]."""
    text = _text_arg(name, max_len=12)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()):
        raise InputError(f"{name} must be a whole number", field=name)
    value = int(text)
    if not low <= value <= high:
        raise InputError(f"{name} must be between {low} and {high}", field=name)
    return value


def _flag_arg(name: str) -> bool:
    """A yes/no argument: true/false, 1/0, yes/no (absent: no)."""
    text = _text_arg(name, max_len=8)
    if text is None:
        return False
    if text.lower() in ("1", "true", "yes"):
        return True
    if text.lower() in ("0", "false", "no"):
        return False
    raise InputError(f"{name} must be true or false", field=name)


def _district_args() -> dict[str, list[str]]:
    """``district=KEY:ID`` arguments (repeatable) as ``{key: [ids]}``."""
    keys = {layer.key for layer in _city().locator.districts}
    chosen: dict[str, list[str]] = {}
    for item in request.args.getlist("district"):
        key, sep, value = item.partition(":")
        if not sep or not value:
            raise InputError(f"district must be KEY:ID, not {item[:50]!r}", field="district")
        if key not in keys:
            raise InputError(f"no district layer {key[:50]!r}; the profile's are: "
                             f"{', '.join(sorted(keys))}", field="district")
        chosen.setdefault(key, []).append(value)
    return chosen


def _body() -> dict[str, Any]:
    """The request body (form or JSON object) as a dict."""
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise InputError("the JSON body must be an object")
        return body
    return request.form.to_dict()


# -- places ---------------------------------------------------------------------------------

@blueprint.get("/validate")
def validate():
    """Validate one address: ``address`` (required), ``zip``, ``city``; with
    ``service_code``, also the open requests it may duplicate (from the store)."""
    address = _text_arg("address", required=True)
    zip_code, city = _text_arg("zip", max_len=20), _text_arg("city", max_len=100)
    code = _text_arg("service_code", max_len=100)
    if code is None:
        return jsonify(_city().validator.validate(address, zip=zip_code, city=city))
    rules = _state()["rules"]
    if rules is None:
        raise InputError("this city has no service catalog: leave service_code out",
                         field="service_code")
    store = _state()["store"]
    return jsonify(rules.validate(address, zip=zip_code, city=city, service_code=code,
                                  nearby=None if store is None else store.nearby_open))


@blueprint.get("/locate")
def locate():
    """Who serves a point: ``lon``, ``lat``."""
    return jsonify(_city().locator.locate(_number_arg("lon"), _number_arg("lat")))


@blueprint.get("/reverse")
def reverse():
    """The nearest reference address to a point: ``lon``, ``lat``."""
    return jsonify(_city().validator.reverse(_number_arg("lon"), _number_arg("lat")))


@blueprint.get("/districts")
def districts():
    """The district layers and their features (``key`` picks one layer;
    ``geometry=true`` adds each feature's GeoJSON geometry)."""
    want = _text_arg("key", max_len=100)
    with_geometry = _flag_arg("geometry")
    labels = {layer.key: layer.label for layer in _city().profile.districts}
    layers = [layer for layer in _city().locator.districts if want in (None, layer.key)]
    if not layers:
        raise NotFoundError(f"no district layer {want!r}; the profile's are: "
                            f"{', '.join(labels)}")
    out = []
    for layer in layers:
        features = [{"id": str(i), "name": str(n)} for i, n in zip(layer.ids, layer.names,
                                                                    strict=True)]
        if with_geometry:
            for feature, text in zip(features, shapely.to_geojson(layer.geoms), strict=True):
                feature["geometry"] = current_app.json.loads(text)
        out.append({"key": layer.key, "label": labels.get(layer.key, layer.key),
                    "features": features})
    return jsonify({"layers": out})


# -- requests ---------------------------------------------------------------------------------

@blueprint.get("/nearby")
def nearby():
    """Open requests within ``radius_m`` (default 50, at most 5,000) of ``lon``/``lat``,
    nearest first, public fields only; ``service_code`` narrows them."""
    found = _store().nearby_open(_number_arg("lon", low=-180.0, high=180.0),
                                 _number_arg("lat", low=-90.0, high=90.0),
                                 _number_arg("radius_m", required=False, default=50.0,
                                             low=0.0, high=5000.0),
                                 service_code=_text_arg("service_code", max_len=100),
                                 limit=_int_arg("limit", 20, 1, 100))
    return jsonify({"requests": [{**stored.public(), "distance_m": round(distance, 2)}
                                 for stored, distance in found]})


def _request_filter():
    from geo311.service.requests import RequestFilter

    types = request.args.getlist("type")
    return RequestFilter(types=[t for t in types if t] or None,
                         start=_text_arg("start", max_len=40), end=_text_arg("end", max_len=40),
                         status=_text_arg("status", max_len=40),
                         districts=_district_args())


@blueprint.get("/hotspots")
def hotspots():
    """The library's hot spot analysis over the stored requests (a small summary)."""
    from geo311.hotspots.analysis import METHODS, analyze
    from geo311.service.history import stored_requests

    method = _text_arg("method", max_len=20) or "counts"
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}", field="method")
    rows = _request_filter()
    requests = stored_requests(_store(), rows, _city().locator)
    result = analyze(requests, _city().locator, by=_text_arg("by", max_len=100) or "hex",
                     method=method, permutations=999, start=rows.start, end=rows.end)
    top = result.cells.sort_values("count", ascending=False).head(_int_arg("top", 10, 1, 100))
    return jsonify({**_json_ready(result.summary()), "by": result.by, "method": result.method,
                    "filter": rows.describe(),
                    "top": _json_ready(top.drop(columns=[c for c in top.columns
                                                         if top[c].dtype == object
                                                         and c not in ("id", "name")])
                                       .to_dict(orient="records"))})


@blueprint.get("/reallocation")
def reallocation():
    """The library's crew reallocation for ``department`` over the stored requests."""
    from geo311.crews.reallocation import reallocate
    from geo311.service.history import stored_requests

    department = _text_arg("department", required=True, max_len=200)
    rows = _request_filter()
    city = _city()
    result = reallocate(stored_requests(_store(), rows, city.locator), city.locator, department,
                        catalog=city.catalog, staffing=city.staffing,
                        key=_text_arg("by", max_len=100) or "ward",
                        weight=_text_arg("weight", max_len=20) or "requests",
                        total_crews=_int_arg("crews", 0, 0, 100_000) or None)
    return jsonify(_json_ready(result.as_dict()))


def _json_ready(value: Any) -> Any:
    """numpy/pandas scalars and NaN turned into plain JSON values, recursively."""
    import math

    import numpy as np
    import pandas as pd

    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NaT or value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _body_number(body: dict[str, Any], name: str, bound: float) -> float | None:
    """A number of the body (JSON number or plain decimal text) within ±``bound``; None if
    absent or empty."""
    value = body.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputError(f"{name} must be a number", field=name)
    number = parse_number(str(value)[:64])
    if number != number or abs(number) > bound:
        raise InputError(f"{name} must be a plain decimal number between {-bound:g} and "
                         f"{bound:g}", field=name)
    return number


# -- staff ------------------------------------------------------------------------------------

def _stored(request_id: str):
    if len(request_id) > 100:
        raise NotFoundError("no such request")
    stored = _store().get_request(request_id)
    if stored is None:
        raise NotFoundError(f"no request {request_id!r}")
    return stored


@blueprint.post("/staff/login")
def staff_login():
    """Log a staff member in (``username``, ``password``): a session cookie follows."""
    body = _body()
    user = log_in(_text_arg("username", required=True, max_len=200, source=body),
                  _text_arg("password", required=True, max_len=1000, source=body))
    return jsonify({"username": user.name})


@blueprint.post("/staff/logout")
def staff_logout():
    """End the staff session."""
    log_out()
    return jsonify({"logged_out": True})


@blueprint.get("/staff/requests")
@staff_required
def staff_list():
    """Stored requests with contact details, newest first (filters as ``hotspots``)."""
    from geo311.service.records import RequestQuery

    codes = [c for c in request.args.getlist("service_code") if c]
    statuses = [s for s in request.args.getlist("status") if s]
    query = RequestQuery(service_codes=codes or None, statuses=statuses or None,
                         start=_text_arg("start", max_len=40), end=_text_arg("end", max_len=40),
                         districts=_district_args(), limit=_int_arg("limit", 100, 1, 1000),
                         offset=_int_arg("offset", 0, 0, 10_000_000))
    found = _store().list_requests(query)
    return jsonify({"requests": [stored.private() for stored in found]})


@blueprint.get("/staff/requests/<request_id>")
@staff_required
def staff_get(request_id: str):
    """One stored request with contact details, notes and status history."""
    stored = _stored(request_id)
    history = [{**row, "at": row["at"].isoformat()} for row in _store().history(request_id)]
    return jsonify({**stored.private(), "history": history,
                    "notes": _store().notes(request_id, public_only=False)})


@blueprint.post("/staff/requests/<request_id>/status")
@staff_required
def staff_status(request_id: str):
    """Change a request's status (``status``), with an optional ``note``."""
    body = _body()
    status = _text_arg("status", required=True, max_len=40, source=body)
    note = _text_arg("note", max_len=4000, source=body)
    _stored(request_id)
    changed = _store().change_status(request_id, status, actor=g.staff.name, note=note).request
    return jsonify(changed.private())


@blueprint.post("/staff/requests/<request_id>/assign")
@staff_required
def staff_assign(request_id: str):
    """Assign a request to ``assignee`` (empty: unassign)."""
    assignee = _text_arg("assignee", max_len=200, source=_body())
    _stored(request_id)
    changed = _store().assign(request_id, assignee, actor=g.staff.name)
    return jsonify(changed.private())


@blueprint.post("/staff/requests/<request_id>/duplicate")
@staff_required
def staff_duplicate(request_id: str):
    """Link a request to the one it repeats (``duplicate_of``)."""
    parent = _text_arg("duplicate_of", required=True, max_len=100, source=_body())
    _stored(request_id)
    _stored(parent)
    changed = _store().link_duplicate(request_id, parent, actor=g.staff.name)
    return jsonify(changed.private())


@blueprint.post("/staff/requests/<request_id>/notes")
@staff_required
def staff_note(request_id: str):
    """Add a ``note`` to a request (``public=true`` shows it with the request)."""
    body = _body()
    note = _text_arg("note", required=True, max_len=4000, source=body)
    public = str(body.get("public", "")).lower() in ("1", "true", "yes")
    _stored(request_id)
    _store().add_note(request_id, note, actor=g.staff.name, public=public)
    return jsonify(_store().notes(request_id, public_only=False)), 201


@blueprint.post("/staff/requests/<request_id>/location")
@staff_required
def staff_location(request_id: str):
    """Confirm (or move, with ``lon`` and ``lat``) the place of a request's ``address``: the
    point joins the address reference, or the answer says why not; ``said`` (the caller's
    words) becomes an alias when it names the street otherwise."""
    body = _body()
    learner = _state()["learner"]
    if learner is None:
        raise ServiceUnavailable("this service has no address reference to learn into")
    stored = _stored(request_id)
    lon, lat = _body_number(body, "lon", 180.0), _body_number(body, "lat", 90.0)
    if (lon is None) != (lat is None):
        raise InputError("give both lon and lat, or neither", field="lon" if lon is None
                         else "lat")
    address = _text_arg("address", max_len=MAX_TEXT, source=body) or stored.address
    if not address:
        raise InputError("the request has no address: give one", field="address")
    moved = lon is not None and (lon, lat) != (stored.lon, stored.lat)
    if lon is None:
        lon, lat = stored.lon, stored.lat
    if lon is None or lat is None:
        raise InputError("the request has no location: give lon and lat", field="lon")
    if moved:
        location = _city().locator.locate(lon, lat)
        if not location["in_jurisdiction"]:
            raise InputError(f"({lon}, {lat}) is outside {location['jurisdiction']['name']}",
                             field="lon")
    rows = learner.confirm(address, lon, lat, source="staff", actor=g.staff.name,
                           said=_text_arg("said", max_len=MAX_TEXT, source=body),
                           zip=stored.zipcode, request_id=stored.service_request_id)
    if moved:
        districts = {k: (v or {}).get("id") for k, v in location["districts"].items()}
        stored = _store().move_location(stored.service_request_id, lon=lon, lat=lat,
                                        address=rows[0].address or address,
                                        districts=districts, actor=g.staff.name)
    return jsonify({"request": stored.private(), "learned": [row.as_dict() for row in rows]})


# -- the document -------------------------------------------------------------------------------

@blueprint.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API."""
    return jsonify(openapi_document())
