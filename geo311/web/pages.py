"""Pages for people, server-rendered (Jinja): the citizen's pages, agent intake, the dashboard.

Mounted at the site root. Public: ``/`` (start), ``/serves`` ("Who serves this
address?"), ``/report`` ("Report a problem", rate-limited), ``/status`` and
``/status/<token>`` ("Status of my request"), the fields of a service type
(``/service-form``) and the offline basemap's streets (``/basemap/streets.json``). Staff
(signed in at ``/staff/login`` with the service's staff login): ``/intake`` (agent intake,
with the live check ``/intake/check``) and ``/dashboard`` (with its downloads). Each view
parses the request, makes the library call the API makes (the validator, the intake rules,
the store, the analyses) and renders a template; Jinja autoescapes everything, data for
scripts goes through ``|tojson``, and every POST carries the session's CSRF token. Leaflet
is served from ``geo311/render/assets``; no page loads anything from another host.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import Babel, get_locale, gettext
from werkzeug.exceptions import HTTPException

from geo311.errors import Geo311Error, InputError, NotFoundError
from geo311.web import intake_words, wording
from geo311.web.csrf import check_csrf, csrf_token
from geo311.web.errors import error_headers
from geo311.web.mapdata import MapShapes
from geo311.web.staff import current_staff, require_staff, sign_in, sign_out

__all__ = ["LANGUAGES", "blueprint"]

blueprint = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/pages-static")

LANGUAGES = ("en", "es")
"""The pages' languages (Flask-Babel catalogs in ``geo311/web/translations``)."""

_VENDOR = {"leaflet.js": "text/javascript", "leaflet.css": "text/css",
           "layers.png": "image/png", "layers-2x.png": "image/png"}
_MAX_TEXT = 500
_MAX_DESCRIPTION = 4000
_CONTACT = ("first_name", "last_name", "email", "phone")


# -- set-up -------------------------------------------------------------------------------

def _locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


def _language_url(code: str) -> str:
    """This page in language ``code`` (a GET keeps its query)."""
    args = request.args.to_dict(flat=False) if request.method == "GET" else {}
    args["lang"] = [code]
    return request.path + "?" + urlencode(args, doseq=True)


@blueprint.record_once
def _setup(state) -> None:
    """Flask-Babel, template helpers and the pages' own state (the session's secret and
    cookie settings are create_app's)."""
    app = state.app
    app.config.setdefault("GEO311_REPORT_LIMIT", "10 per minute")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          str(Path(__file__).with_name("translations")))
    Babel(app, locale_selector=_locale)
    app.jinja_env.globals.update(csrf_token=csrf_token, current_staff=current_staff,
                                 languages=LANGUAGES, get_locale=get_locale,
                                 language_url=_language_url, map_tiles=map_tiles,
                                 redirect_words=intake_words.redirect_words)
    app.jinja_env.filters.update(count=wording.count, percent=wording.percent,
                                 rate=wording.rate, points=wording.points, p_value=wording.p_value,
                                 match_words=wording.match_words,
                                 status_words=wording.status_words,
                                 reason_words=wording.reason_words,
                                 route_reason_words=wording.route_reason_words,
                                 notice_words=intake_words.notice_words)
    app.extensions["geo311_pages"] = {}


@blueprint.before_request
def _before() -> None:
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    check_csrf()


_CSP = ("default-src 'self'; img-src 'self' data:{tiles}; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def map_tiles() -> dict[str, str] | None:
    """The online tiles of the profile's ``[maps] tiles`` (``url``, ``attribution``, and
    ``origin``, the one host the pages may then load images from), or None: no tiles."""
    maps = _city().profile.maps
    if not maps.tiles:
        return None
    parts = urlsplit(maps.tiles)
    origin = f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"
    return {"url": maps.tiles, "attribution": maps.tiles_attribution or parts.netloc,
            "origin": origin}


@blueprint.after_request
def page_headers(response: Response) -> Response:
    """Pages run only the site's own scripts (no inline script runs, whatever a page holds);
    images come from the site, and from the tile host only when the profile names one.
    (Every blueprint of pages registers it.)"""
    if response.mimetype == "text/html":
        tiles = map_tiles()
        csp = _CSP.format(tiles=f" {tiles['origin']}" if tiles else "")
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@blueprint.errorhandler(HTTPException)
def error_page(exc: HTTPException):
    """An HTTP error as the pages' error page."""
    code = exc.code or 500
    return (render_template("error.html", code=code, description=exc.description), code,
            error_headers(exc))


def _geo311() -> dict[str, Any]:
    return current_app.extensions["geo311"]


def _city():
    return _geo311()["city"]


def _store():
    store = _geo311()["store"]
    if store is None:
        abort(503, gettext("This service has no request store configured."))
    return store


def _shapes() -> MapShapes:
    own = current_app.extensions["geo311_pages"]
    if "shapes" not in own:
        own["shapes"] = MapShapes(_city().locator)
    return own["shapes"]


def _rules():
    """The app's intake rules (with their service definitions); 503 for a city without a
    service catalog, where nothing can be filed."""
    rules = _geo311().get("rules")
    if rules is None:
        abort(503, gettext("This service has no service catalog: requests cannot be filed "
                           "here."))
    return rules


def _text(name: str, source=None, *, max_len: int = _MAX_TEXT) -> str | None:
    """A form or query field as stripped text (None when blank); too long is a 400."""
    value = (source if source is not None else request.values).get(name, "")
    value = value.strip()
    if len(value) > max_len:
        abort(400, gettext("%(field)s is longer than %(n)s characters", field=name, n=max_len))
    return value or None


# -- assets -------------------------------------------------------------------------------

@blueprint.get("/vendor/images/<name>", endpoint="vendor_image")
@blueprint.get("/vendor/<name>")
def vendor(name: str):
    """Leaflet's script, stylesheet and images, from the package (never a CDN)."""
    if name not in _VENDOR:
        abort(404)
    data = resources.files("geo311.render").joinpath("assets", name).read_bytes()
    response = Response(data, mimetype=_VENDOR[name])
    response.cache_control.max_age = 86400
    return response


_BASEMAP_SPAN = 0.03  # degrees (~3 km): wider views get no streets (zoom in for them)


def _basemap():
    own = current_app.extensions["geo311_pages"]
    if "basemap" not in own:
        from geo311.render.basemap import Basemap

        own["basemap"] = Basemap.from_profile(_city().profile)
    return own["basemap"]


@blueprint.get("/basemap/streets.json")
def basemap_streets():
    """The named streets in ``bbox=west,south,east,north`` (the offline basemap), with one
    label point per street (none for a view wider than about 3 km), the water there, and
    the city's and the neighbors' limits with their names."""
    parts = (request.args.get("bbox") or "").split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        abort(400, gettext("bbox must be west,south,east,north"))
    if not (west < east and south < north and all(map(math.isfinite, (west, south, east,
                                                                      north)))):
        abort(400, gettext("bbox must be west,south,east,north"))
    basemap = _basemap()
    bbox = (west, south, east, north)
    water, limits = basemap.water_features(bbox), basemap.limit_features(bbox)
    if east - west > _BASEMAP_SPAN or north - south > _BASEMAP_SPAN:
        return {"streets": {"type": "FeatureCollection", "features": []}, "labels": [],
                "water": water, "limits": limits}
    return {"streets": basemap.streets(bbox), "water": water, "limits": limits,
            "labels": [{"name": n, "lon": x, "lat": y} for n, x, y in basemap.label_points(bbox)]}


# -- citizen pages --------------------------------------------------------------------------

@blueprint.get("/")
def home():
    """The start page: what a person can do here."""
    return render_template("home.html", city=_city().profile.jurisdiction)


def _card(answer: dict, *, duplicates: list[dict] | None = None) -> dict:
    """What the answer card shows: the validator's answer with the labels and the map."""
    location = answer.get("location")
    labels = {d.key: d.label or d.key for d in _city().profile.districts}
    points = [{"lon": d["lon"], "lat": d["lat"],
               "label": f"{d['service_request_id']} ({d['distance_m']:.0f} m)"}
              for d in duplicates or [] if d.get("lon") is not None]
    return {"answer": answer, "labels": labels,
            "map": _shapes().answer(location, duplicates=points) if location else None,
            "duplicates": duplicates or []}


@blueprint.get("/serves")
def serves():
    """"Who serves this address?": the card with every district, the agency and a map."""
    address = _text("address")
    card = None
    if address:
        card = _card(_city().validator.validate(address, zip=_text("zip", max_len=20)))
    return render_template("serves.html", address=address or "", card=card)


def _block(stored: Any) -> str | None:
    """The request's address rounded to its block ("1200 block of N MAIN ST")."""
    address = stored.address
    if not address:
        return None
    number, _, street = address.partition(" ")
    if number.isdigit() and street:
        return gettext("%(block)s block of %(street)s", block=f"{int(number) // 100 * 100}",
                       street=street)
    return address


@blueprint.get("/status")
def status_lookup():
    """The form asking for a tracking token."""
    token = _text("token", max_len=100)
    if token:
        return redirect(url_for("pages.status", token=token))
    return render_template("status_lookup.html")


@blueprint.get("/status/<token>")
def status(token: str):
    """"Status of my request": status, dates, public notes, the block; no personal data."""
    store = _store()
    stored = store.get_by_token(token) if len(token) <= 100 else None
    if stored is None:
        abort(404, gettext("No request has this tracking number. Check it and try again."))
    public = stored.public()
    notes = store.notes(stored.service_request_id, public_only=True)
    point = None
    if stored.lon is not None:
        point = [round(stored.lon, 3), round(stored.lat, 3)]  # ~100 m: the block, not the door
    return render_template("status.html", request_=public, block=_block(stored), point=point,
                           notes=notes)


def _submission(form, *, service_code: str | None) -> Any:
    """An intake :class:`Submission` from a page's form."""
    from geo311.service.intake import Submission

    definitions = _rules().definitions
    attributes: dict[str, list[str]] = {}
    if service_code and service_code in definitions:
        for attribute in definitions.attributes(service_code):
            values = [v.strip() for v in form.getlist(f"attribute[{attribute.code}]")
                      if v.strip()]
            if values:
                attributes[attribute.code] = values
    return Submission(
        service_code=service_code, address_string=_text("address", form),
        zip=_text("zip", form, max_len=20), attributes=attributes,
        description=_text("description", form, max_len=_MAX_DESCRIPTION),
        **{name: _text(name, form, max_len=200) for name in _CONTACT})


def _services() -> list[tuple[str, list[dict]]]:
    """The service list grouped by ``group``, groups and services by name."""
    groups: dict[str, list[dict]] = {}
    for row in _rules().definitions.services():
        groups.setdefault(row.get("group") or gettext("Other"), []).append(row)
    return [(name, sorted(rows, key=lambda r: r["service_name"]))
            for name, rows in sorted(groups.items())]


def _errors(decision) -> list[dict[str, Any]]:
    """The intake rules' refusals of ``decision`` for the form, in the reader's language."""
    labels = {d.key: d.label or d.key for d in _city().profile.districts}
    return [{"field": e.field, "description": intake_words.error_words(e, labels)}
            for e in decision.errors]


def _attributes(code: str | None) -> list:
    definitions = _rules().definitions
    if not code or code not in definitions:
        return []
    return list(definitions.attributes(code))


@blueprint.route("/report", methods=["GET", "POST"])
def report():
    """"Report a problem": the public form, checked by the intake rules (rate-limited)."""
    code = _text("service_code")
    context: dict[str, Any] = {"services": _services(), "service_code": code,
                               "attributes": _attributes(code), "form": request.form,
                               "errors": [], "decision": None}
    if request.method == "POST":
        limiter = _geo311()["limiter"]
        with limiter.limit(lambda: current_app.config["GEO311_REPORT_LIMIT"]):
            decision = _rules().check(_submission(request.form, service_code=code),
                                      nearby=_store().nearby_open, source="web")
        if decision.accepted:
            stored = _store().create_request(decision.new)
            return render_template("filed.html", stored=stored, decision=decision), 201
        context.update(errors=_errors(decision), decision=decision)
        return render_template("report.html", fill=True, **context), decision.status
    return render_template("report.html", **context)


# -- staff ----------------------------------------------------------------------------------

def _safe_next(target: str | None) -> str:
    """A local path to return to after sign-in (never another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("pages.intake")


@blueprint.route("/staff/login", methods=["GET", "POST"])
def login():
    """Staff sign-in (the service's staff users)."""
    error = None
    if request.method == "POST":
        if sign_in(request.form.get("username", "")[:200], request.form.get("password", "")):
            return redirect(_safe_next(request.form.get("next")))
        error = gettext("Unknown user or wrong password.")
    return render_template("login.html", next=request.values.get("next", ""), error=error), (
        401 if error else 200)


@blueprint.post("/staff/logout")
def logout():
    """Close the staff session."""
    sign_out()
    return redirect(url_for("pages.home"))


@blueprint.get("/intake")
@require_staff
def intake():
    """Agent intake: address (checked live), service type, its form, the caller."""
    code = _text("service_code")
    return render_template("intake.html", services=_services(), service_code=code,
                           attributes=_attributes(code), form={}, errors=[], card=None,
                           staff=True)


def _intake_card(address: str, code: str | None, zipcode: str | None) -> dict:
    store = _store()
    found: dict[str, tuple[float, float]] = {}

    def nearby(*args: Any, **kwargs: Any):
        """The store's search, keeping each request's point for the map (no second read)."""
        pairs = store.nearby_open(*args, **kwargs)
        found.update((r.service_request_id, (r.lon, r.lat)) for r, _ in pairs)
        return pairs

    answer = _rules().validate(address, zip=zipcode, service_code=code, nearby=nearby)
    duplicates = answer.get("possible_duplicates") or []
    for row in duplicates:
        row["lon"], row["lat"] = found.get(row["service_request_id"], (None, None))
    return _card(answer, duplicates=duplicates)


@blueprint.get("/intake/check")
@require_staff
def intake_check():
    """The live check of an address: the card fragment (suggestions, districts, edge
    warning, redirect, possible duplicates of the chosen service)."""
    address = _text("address")
    if not address:
        return ""
    try:
        card = _intake_card(address, _text("service_code"), _text("zip", max_len=20))
    except InputError as exc:
        return render_template("_message.html", message=exc.message), 400
    return render_template("_card.html", card=card, staff=True)


@blueprint.get("/service-form")
def service_form():
    """The fields of one service type (a fragment), built from its service definition."""
    return render_template("_attributes.html", attributes=_attributes(_text("service_code")),
                           form={})


def _confirmed_side(decision, side: str | None) -> tuple[Any, str | None]:
    """Apply the agent's choice of side at a near edge: ``here`` keeps the located districts;
    ``<key>:<id>`` of a district on the other side files it there. Returns the decision and
    an error when a near-edge location has no choice."""
    location = decision.location or {}
    if not location.get("near_boundary") or not location.get("alternatives"):
        return decision, None
    if not side:
        return decision, gettext("This address is near an edge: confirm which side it is on.")
    if side == "here":
        return decision, None
    key, _, feature = side.partition(":")
    for other in location["alternatives"]:
        if other["layer"] == key and other["id"] == feature:
            if key == "agency":
                return decision, gettext(
                    "That side is served by %(name)s: %(contact)s. Give the caller their "
                    "number instead of filing here.", name=other["name"],
                    contact=" ".join(str(other.get(k) or "") for k in ("phone", "url")))
            districts = dict(decision.new.districts, **{key: feature})
            return replace(decision, new=replace(decision.new, districts=districts)), None
    return decision, gettext("Pick one of the sides shown.")


@blueprint.post("/intake")
@require_staff
def intake_submit():
    """File the request (or attach it to an open one) and give the tracking token."""
    code = _text("service_code")
    store = _store()
    decision = _rules().check(_submission(request.form, service_code=code),
                              nearby=store.nearby_open, source="web")
    error = None
    if decision.accepted:
        decision, error = _confirmed_side(decision, _text("side", max_len=200))
    if decision.accepted and error is None:
        staff = current_staff()["name"]
        parent = _text("attach_to", max_len=100)
        stored = store.create_request(decision.new)
        store.audit(staff, "intake", stored.service_request_id)
        learner = _geo311()["learner"]
        if learner is not None:  # the caller's words for the accepted address: an alias
            learner.accept(_text("said") or _text("address"), stored.address, source="intake",
                           actor=staff, request_id=stored.service_request_id)
        if parent:
            stored = store.link_duplicate(stored.service_request_id, parent, actor=staff)
        return render_template("filed.html", stored=stored, decision=decision,
                               staff=True), 201
    errors = _errors(decision)
    if error:
        errors.append({"field": "side", "description": error})
    address = _text("address")
    card = _intake_card(address, code, _text("zip", max_len=20)) if address else None
    return render_template("intake.html", services=_services(), service_code=code,
                           attributes=_attributes(code), form=request.form, errors=errors,
                           card=card, staff=True), 400 if error else decision.status


@blueprint.errorhandler(Geo311Error)
def _library_error(exc: Geo311Error):
    code = 404 if isinstance(exc, NotFoundError) else 400
    return render_template("error.html", code=code, description=exc.message), code


# -- planners' dashboard ------------------------------------------------------------------

def _dashboard_choices() -> dict[str, Any]:
    """What the filters offer: types, districts, departments (from the profile)."""
    city = _city()
    types = []
    if city.has_catalog:
        catalog = city.catalog
        types = sorted(zip(catalog["service_code"].astype(str),
                           catalog["service_name"].astype(str), strict=True),
                       key=lambda t: t[1])
    districts = [(d.key, d.label or d.key,
                  sorted(zip(d.layer.ids.astype(str), d.layer.names.astype(str), strict=True),
                         key=lambda f: (len(f[0]), f[0])))
                 for d in city.profile.districts]
    departments = []
    if city.profile.services.staffing is not None:
        departments = sorted(city.staffing["department"].astype(str).unique())
    return {"types": types, "districts": districts, "departments": departments}


_VIEWS_KEPT = 8
_views_lock = threading.Lock()


def _dashboard_view():
    """The dashboard's view of the query string, the last few kept (the downloads of a view
    reuse the page's analysis while the requests are unchanged): the stored requests when the
    service has a store, else the profile's requests file."""
    from geo311.web import dashboard

    city = _city()
    store = _geo311()["store"]
    query = dashboard.parse_filters(request.args, city)
    key = (query, dashboard.source_stamp(city, store))
    kept = current_app.extensions["geo311_pages"].setdefault("views", OrderedDict())
    with _views_lock:
        view = kept.get(key)
    if view is None:
        view = dashboard.build(city, query, store)
        with _views_lock:
            kept[key] = view
            while len(kept) > _VIEWS_KEPT:
                kept.popitem(last=False)
    return dashboard, query, view


@blueprint.get("/dashboard")
@require_staff
def dashboard_page():
    """The planners' dashboard: filters, the map, the district table, the reallocation."""
    from geo311.web import dashboard

    context: dict[str, Any] = {"choices": _dashboard_choices(), "methods": dashboard.METHODS,
                               "columns": dashboard.COLUMNS, "view": None, "error": None,
                               "args": request.args}
    try:
        module, query, view = _dashboard_view()
    except InputError as exc:
        context["error"] = exc.message
        return render_template("dashboard.html", **context), 400
    labels = {d.key: d.label or d.key for d in _city().profile.districts}
    names = dict(zip(view.table["id"].astype(str), view.table["name"].astype(str), strict=True))
    features = module.map_features(view.result)["features"]
    for feature in features:  # the popup's count in words
        feature["properties"]["requests_words"] = gettext(
            "%(n)s requests", n=wording.count(feature["properties"]["requests"]))
    crews = []
    if view.reallocation is not None:  # in the district table's order
        order = {name: i for i, name in enumerate(names)}
        crews = sorted(view.reallocation.table.to_dict(orient="records"),
                       key=lambda row: order.get(str(row[query.by]), len(order)))
    context.update(view=view, query=query, layer_label=labels[query.by], district_names=names,
                   legend=module.legend(view.result), crews=crews,
                   map={"features": features, "point": None, "points": [], "fill": True},
                   downloads=query.args())
    return render_template("dashboard.html", **context)


@blueprint.get("/dashboard/table.csv")
@require_staff
def dashboard_csv():
    """The district table of the dashboard's view, as CSV."""
    module, query, view = _dashboard_view()
    labels = {"district": gettext("District")}
    return Response(module.table_csv(view, labels), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=districts.csv"})


@blueprint.get("/dashboard/map.geojson")
@require_staff
def dashboard_geojson():
    """The map cells of the dashboard's view, as GeoJSON."""
    module, query, view = _dashboard_view()
    return Response(module.map_geojson(view), mimetype="application/geo+json",
                    headers={"Content-Disposition": "attachment; filename=map.geojson"})


@blueprint.get("/dashboard/map.png")
@require_staff
def dashboard_png():
    """The map of the dashboard's view, as a PNG."""
    module, query, view = _dashboard_view()
    title = str(module.METHODS[query.method])
    return Response(module.map_png(view, _city(), title), mimetype="image/png",
                    headers={"Content-Disposition": "attachment; filename=map.png"})
