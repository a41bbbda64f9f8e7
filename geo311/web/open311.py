"""Open311 GeoReport v2, mounted at ``/open311``: discovery, services, requests, tokens, updates.

Every resource answers in XML or JSON by its extension (``services.xml``,
``requests/ID.json``). A view reads its arguments by the rules of
:mod:`geo311.web.georeport_params`, makes one library call and writes the answer with
:mod:`geo311.web.georeport_format`; errors go to the app's one error handler
(400 for bad input, 403 for a bad ``api_key``, 404 for an unknown id or jurisdiction).

- ``GET  /discovery.{fmt}`` — the Service Discovery document.
- ``GET  /v2/services.{fmt}``, ``/v2/services/{code}.{fmt}`` — service list and definition.
- ``POST /v2/requests.{fmt}`` — file a request (``api_key``; located and checked by the
  intake rules; committed before the answer, which carries the ``service_request_id`` for
  a realtime service, the ``token`` for a batch one and neither for a blackbox one, with
  the ``service_notice``; an unknown ``service_code`` is a 404).
- ``GET  /v2/tokens/{token}.{fmt}``, ``/v2/requests/{id}.{fmt}``, ``/v2/requests.{fmt}``
  (``service_request_id``, ``service_code``, ``start_date``, ``end_date``, ``status``, and the
  geo311 extensions ``district[key]=id,...`` and ``extensions=true``).
- ``GET/POST /v2/servicerequestupdates.{fmt}`` — FixMyStreet's update extension (POST needs a
  staff key; the client's ``update_id`` makes a retry answer the first post's id and
  record nothing; ``media_url`` is kept).

Contact details (email, phone, names, device and account ids) never appear in an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import Forbidden, UnsupportedMediaType

from geo311.city import City
from geo311.errors import InputError, NotFoundError
from geo311.profile import Profile
from geo311.service.definitions import ServiceDefinitions, load_definitions
from geo311.service.intake import IntakeRules, Submission
from geo311.service.records import (
    CONTACT_FIELDS,
    STATUSES,
    RequestQuery,
    StatusUpdate,
    StoredRequest,
)
from geo311.web.errors import error_response
from geo311.web.georeport_format import iso8601, render
from geo311.web.georeport_params import (
    MAX_ROWS,
    comma_list,
    date_window,
    optional,
    parse_attributes,
    parse_bracketed,
    parse_datetime,
    resolve_jurisdiction,
    shown,
)

__all__ = ["Jurisdiction", "blueprint", "created_row", "register_jurisdiction", "request_row",
           "update_row"]

blueprint = Blueprint("open311", __name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FMS_OPEN = ("OPEN", "INVESTIGATING", "IN_PROGRESS", "ACTION_SCHEDULED")
FMS_CLOSED = ("CLOSED", "FIXED", "DUPLICATE", "NOT_COUNCILS_RESPONSIBILITY",
              "NO_FURTHER_ACTION", "INTERNAL_REFERRAL")
TEXT_LIMIT = 4000
INSTANT = timedelta(microseconds=1)
EXTENSION_KEY = "geo311_open311"


@dataclass(frozen=True)
class Jurisdiction:
    """One jurisdiction served by the endpoint: its city, store, services and intake rules
    (``definitions`` and ``rules`` are None for a city without a service catalog)."""

    id: str
    city: City
    store: Any
    definitions: ServiceDefinitions | None
    rules: IntakeRules | None

    def services(self) -> ServiceDefinitions:
        """The service definitions; 404 when the city has no service catalog."""
        if self.definitions is None:
            raise NotFoundError(f"{self.city.profile.jurisdiction.name} publishes no services "
                                "(its profile has no service catalog)")
        return self.definitions


def register_jurisdiction(app: Flask, city: City, store: Any, *,
                          jurisdiction_id: str | None = None,
                          aliases: tuple[str, ...] = ()) -> Jurisdiction:
    """Serve ``city`` (with its own ``store``) on ``app``'s Open311 endpoint too.

    With two jurisdictions or more, every call must name one (``jurisdiction_id``).
    ``jurisdiction_id`` defaults to the profile's id; ``aliases`` are other ids of the
    same jurisdiction (such as its web domain, as the spec suggests).
    """
    definitions = load_definitions(city.profile) if city.has_catalog else None
    jurisdiction = Jurisdiction(
        id=jurisdiction_id or city.profile.jurisdiction.id, city=city, store=store,
        definitions=definitions,
        rules=None if definitions is None else IntakeRules(city, definitions=definitions))
    known = app.extensions.setdefault(EXTENSION_KEY, {})
    for name in (jurisdiction.id, *aliases):
        if name in known:
            raise ValueError(f"jurisdiction_id {name!r} is already served")
        known[name] = jurisdiction
    return jurisdiction


@blueprint.record_once
def _serve_the_app_city(state: BlueprintSetupState) -> None:
    """Serve the app's own city (``app.extensions["geo311"]``), sharing its engines."""
    app = state.app
    shared = app.extensions["geo311"]
    city = shared["city"]
    jurisdiction = Jurisdiction(id=city.profile.jurisdiction.id, city=city,
                                store=shared["store"], definitions=shared["definitions"],
                                rules=shared["rules"])
    known = app.extensions.setdefault(EXTENSION_KEY, {})
    for name in (jurisdiction.id, *app.config.get("OPEN311_JURISDICTION_ALIASES", ())):
        known[name] = jurisdiction


# -- helpers -------------------------------------------------------------------------------

@blueprint.before_request
def _refuse_nul() -> None:
    """A NUL in the path or an argument is a 400 (no text holds one; PostgreSQL cannot)."""
    if "\x00" in request.path or any("\x00" in name or "\x00" in value
                                      for name, value in _pairs()):
        raise InputError("the path or an argument holds a NUL character")


def _answer(value: Any, root: str, fmt: str) -> Response:
    """``value`` in ``fmt``, with the content types the spec shows (UTF-8 declared)."""
    body, mimetype = render(value, root, fmt)
    return Response(body, content_type=f"{mimetype}; charset=utf-8")


def _args() -> Mapping[str, str]:
    """The call's arguments: the form of a POST (with the query string), or the query
    (gathered once per call: ``request.values`` builds a new mapping on each access)."""
    args = g.get("open311_args")
    if args is None:
        if request.method == "POST":
            if request.mimetype != "application/x-www-form-urlencoded":
                raise UnsupportedMediaType(
                    "GeoReport POSTs are application/x-www-form-urlencoded")
            args = request.values
        else:
            args = request.args
        g.open311_args = args
    return args


def _pairs() -> list[tuple[str, str]]:
    """Every (name, value) argument of the call, repeats kept (gathered once per call)."""
    pairs = g.get("open311_pairs")
    if pairs is None:
        pairs = g.open311_pairs = list(_args().items(multi=True))
    return pairs


def _jurisdiction() -> Jurisdiction:
    known = current_app.extensions.get(EXTENSION_KEY, {})
    return resolve_jurisdiction(_args().get("jurisdiction_id"), known)


def _store(jurisdiction: Jurisdiction) -> Any:
    if jurisdiction.store is None:
        raise NotFoundError("this endpoint keeps no service requests (no store configured)")
    return jurisdiction.store


def _api_key(jurisdiction: Jurisdiction, *, staff: bool = False) -> Any:
    """The caller's key info; 403 when the key is missing, unknown or (``staff``) not staff."""
    key = optional(_args().get("api_key"))
    if key is None:
        raise Forbidden("api_key is required")
    info = _store(jurisdiction).check_api_key(key)
    if info is None:
        raise Forbidden("invalid api_key")
    if staff and not info.staff:
        raise Forbidden("this api_key may not post status updates (a staff key is needed)")
    return info


def _text(name: str, *, limit: int = 500) -> str | None:
    value = optional(_args().get(name))
    if value is not None and len(value) > limit:
        raise InputError(f"{name} is longer than {limit} characters", field=name)
    return value


def _date(name: str) -> datetime | None:
    value = optional(_args().get(name))
    return None if value is None else parse_datetime(value, name)


def _flag(name: str) -> bool:
    value = optional(_args().get(name))
    if value is None:
        return False
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise InputError(f"{name} must be true or false", field=name)


def request_row(values: Mapping[str, Any], *, extensions: bool = False) -> dict[str, Any]:
    """A request's public values (``StoredRequest.public_values()`` with ``attributes``)
    as a GeoReport ``request`` (public fields only, in the spec's order; ``attributes``,
    ``districts`` and ``duplicate_of`` with extensions). ``Store.list_public`` gives such
    rows itself."""
    row: dict[str, Any] = {
        "service_request_id": values["service_request_id"],
        "status": "closed" if values["status"] == "closed" else "open",
        "status_notes": values["status_notes"],
        "service_name": values["service_name"],
        "service_code": values["service_code"],
        "description": values["description"],
        "agency_responsible": values["agency_responsible"],
        "service_notice": values["service_notice"],
        "requested_datetime": iso8601(values["requested_datetime"]),
        "updated_datetime": iso8601(values["updated_datetime"]),
        "expected_datetime": iso8601(values["expected_datetime"]),
        "address": values["address"],
        "address_id": values["address_id"],
        "zipcode": values["zipcode"],
        "lat": values["lat"],
        "long": values["long"],
        "media_url": values["media_url"],
    }
    if extensions:
        row["attributes"] = _attribute_list(values["attributes"])
        row["districts"] = dict(values["districts"])
        row["duplicate_of"] = values["duplicate_of"]
    return row


def _attribute_list(attributes: Mapping[str, list[str]]) -> list[dict[str, str]]:
    """``{code: [values]}`` as the extension's ``attributes``: one ``{code, value}`` each."""
    return [{"code": code, "value": value} for code, found in attributes.items()
            for value in found]


# -- discovery -----------------------------------------------------------------------------

@blueprint.get("/discovery.<any(json,xml):fmt>")
def discovery(fmt: str) -> Response:
    """The Service Discovery document: where the GeoReport v2 endpoint is and what it speaks."""
    config = current_app.config
    known = current_app.extensions.get(EXTENSION_KEY, {})
    first = next(iter(known.values()))
    agency = first.city.profile.jurisdiction
    changeset = _changeset(first.city.profile)
    base = config.get("OPEN311_BASE_URL") or request.host_url.rstrip("/")
    contact = config.get("OPEN311_CONTACT") or " ".join(
        part for part in (agency.name, agency.phone, agency.url) if part)
    document = {
        "changeset": changeset,
        "contact": contact,
        "key_service": config.get("OPEN311_KEY_SERVICE")
        or "API keys are issued by the operator of this service (geo311 keys create).",
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": f"{base}/open311/v2",
            "changeset": changeset,
            "type": config.get("OPEN311_ENDPOINT_TYPE", "production"),
            "formats": ["text/xml", "application/json"],
        }],
    }
    return _answer(document, "discovery", fmt)


def _changeset(profile: Profile) -> str:
    """When the service list or definitions last changed: the newest of their files' times."""
    paths = [profile.resolve_path(value, f"[services] {item.name}")
             for item in fields(profile.services)
             if isinstance(value := getattr(profile.services, item.name), str)]
    times = [path.stat().st_mtime for path in paths if path.is_file()]
    moment = datetime.fromtimestamp(max(times, default=0), UTC).replace(microsecond=0)
    return iso8601(moment)


# -- services ------------------------------------------------------------------------------

SERVICE_KEYS = ("service_code", "service_name", "description", "metadata", "type", "keywords",
                "group")
ATTRIBUTE_KEYS = ("variable", "code", "datatype", "required", "datatype_description", "order",
                  "description")


@blueprint.get("/v2/services.<any(json,xml):fmt>")
def services(fmt: str) -> Response:
    """GET Service List."""
    rows = _jurisdiction().services().services()
    return _answer([{key: row.get(key) for key in SERVICE_KEYS} for row in rows],
                   "services", fmt)


@blueprint.get("/v2/services/<code>.<any(json,xml):fmt>")
def service_definition(code: str, fmt: str) -> Response:
    """GET Service Definition (404 for an unknown service_code)."""
    definition = _jurisdiction().services().definition(code)
    attributes = []
    for attribute in definition["attributes"]:
        row = {key: attribute.get(key) for key in ATTRIBUTE_KEYS}
        if attribute.get("values"):
            row["values"] = [{"key": value["key"], "name": value["name"]}
                             for value in attribute["values"]]
        attributes.append(row)
    return _answer({"service_code": definition["service_code"], "attributes": attributes},
                   "service_definition", fmt)


# -- requests ------------------------------------------------------------------------------

@blueprint.post("/v2/requests.<any(json,xml):fmt>")
def create_request(fmt: str) -> Response:
    """POST Service Request: checked by the intake rules, committed, then answered."""
    jurisdiction = _jurisdiction()
    store = _store(jurisdiction)
    _api_key(jurisdiction)
    jurisdiction.services()         # a city without a service catalog takes no request
    submission = Submission(
        service_code=_text("service_code", limit=200),
        address_string=_text("address_string"),
        zip=_text("zip", limit=20) or _text("zipcode", limit=20),
        lat=_text("lat", limit=64),
        long=_text("long", limit=64),
        address_id=_text("address_id", limit=200),
        attributes=parse_attributes(_pairs()),
        description=_text("description", limit=TEXT_LIMIT),
        media_url=_text("media_url", limit=2000),
        jurisdiction_id=None,       # resolved above (aliases and other jurisdictions too)
        **{name: _text(name, limit=200) for name in CONTACT_FIELDS},
    )
    decision = jurisdiction.rules.check(submission, nearby=store.nearby_open)
    if not decision.accepted:
        errors = [(error.code, error.description) for error in decision.errors]
        return error_response(decision.status, errors, xml=fmt == "xml")
    stored = store.create_request(decision.new)
    return _answer([created_row(stored, jurisdiction.services().service(
        stored.service_code)["type"])], "service_requests", fmt)


def created_row(stored: StoredRequest, service_type: str) -> dict[str, Any]:
    """The answer to a POST by the service's ``type`` (GeoReport v2 Service List): realtime
    gives the ``service_request_id``, batch the ``token`` (``GET tokens/{token}`` gives the
    id: here at once), blackbox neither; each its ``service_notice``. The spec's POST
    response says the id "should not be returned if token is returned" and the token
    "should not be returned if service_request_id is returned": never both."""
    row: dict[str, Any] = {}
    if service_type == "realtime":
        row["service_request_id"] = stored.service_request_id
    elif service_type == "batch":
        row["token"] = stored.token
    row["service_notice"] = stored.service_notice
    return row


@blueprint.get("/v2/tokens/<token>.<any(json,xml):fmt>")
def token(token: str, fmt: str) -> Response:
    """GET service_request_id from a token."""
    stored = _store(_jurisdiction()).get_by_token(token)
    if stored is None:
        raise NotFoundError(f"token {shown(token)} was not found")
    return _answer([{"service_request_id": stored.service_request_id, "token": stored.token}],
                   "service_requests", fmt)


@blueprint.get("/v2/requests/<request_id>.<any(json,xml):fmt>")
def get_request(request_id: str, fmt: str) -> Response:
    """GET Service Request (404 for an unknown id)."""
    stored = _store(_jurisdiction()).get_request(request_id)
    if stored is None:
        raise NotFoundError(f"service_request_id {shown(request_id)} was not found")
    values = {**stored.public_values(), "attributes": stored.attributes}
    return _answer([request_row(values, extensions=_flag("extensions"))],
                   "service_requests", fmt)


@blueprint.get("/v2/requests.<any(json,xml):fmt>")
def list_requests(fmt: str) -> Response:
    """GET Service Requests: at most 90 days and 1,000 requests (the last 90 days by default)."""
    jurisdiction = _jurisdiction()
    store = _store(jurisdiction)
    args = _args()
    extensions = _flag("extensions")
    ids = comma_list(args.get("service_request_id"), "service_request_id")
    if ids is not None:         # "this overrides all other arguments"
        query = RequestQuery(ids=ids, limit=MAX_ROWS)
    else:
        start, end = date_window(_date("start_date"), _date("end_date"))
        query = RequestQuery(  # end_date is the latest time included; the query's end is not
            service_codes=comma_list(args.get("service_code"), "service_code"),
            statuses=comma_list(args.get("status"), "status", allowed=STATUSES),
            start=start, end=end + INSTANT, districts=_districts(jurisdiction),
            limit=MAX_ROWS)
    rows = store.list_public(query, extensions=extensions)   # already GeoReport rows
    if extensions:
        for row in rows:
            row["attributes"] = _attribute_list(row["attributes"])
    return _answer(rows, "service_requests", fmt)


def _districts(jurisdiction: Jurisdiction) -> dict[str, list[str]]:
    """The ``district[key]=id,id`` filter; a key the profile does not have is a 400."""
    keys = [layer.key for layer in jurisdiction.city.profile.districts]
    wanted: dict[str, list[str]] = {}
    for key, values in parse_bracketed(_pairs(), "district").items():
        if key not in keys:
            raise InputError(f"district[{shown(key)}]: the district keys are "
                             f"{', '.join(keys)}", field="district")
        for value in values:
            wanted.setdefault(key, []).extend(comma_list(value, f"district[{key}]") or [])
    return wanted


# -- FixMyStreet servicerequestupdates -------------------------------------------------------

def update_row(update: StatusUpdate) -> dict[str, Any]:
    """A status history row as a FixMyStreet ``request_update``."""
    return {
        "update_id": str(update.update_id),
        "service_request_id": update.service_request_id,
        "status": update.status.upper(),
        "updated_datetime": iso8601(update.updated_datetime),
        "description": update.description,
        "media_url": update.media_url,
    }


@blueprint.get("/v2/servicerequestupdates.<any(json,xml):fmt>")
def list_updates(fmt: str) -> Response:
    """GET Service Request Updates: status changes within ``start_date``..``end_date``."""
    store = _store(_jurisdiction())
    start, end = date_window(_date("start_date"), _date("end_date"))
    rows = [update_row(update)
            for update in store.updates(start, end + INSTANT, limit=MAX_ROWS)]
    return _answer(rows, "service_request_updates", fmt)


@blueprint.post("/v2/servicerequestupdates.<any(json,xml):fmt>")
def post_update(fmt: str) -> Response:
    """POST Service Request Update (a staff key): change a request's status, with its note."""
    jurisdiction = _jurisdiction()
    store = _store(jurisdiction)
    key = _api_key(jurisdiction, staff=True)
    request_id = _required("service_request_id")
    status = _required("status").upper()
    if status not in FMS_OPEN + FMS_CLOSED:
        raise InputError(f"status {shown(status)} is not one of "
                         f"{', '.join(FMS_OPEN + FMS_CLOSED)}", field="status")
    when = _date("updated_datetime") or datetime.now(UTC)
    description = _text("description", limit=TEXT_LIMIT)
    if store.get_request(request_id) is None:
        raise NotFoundError(f"service_request_id {shown(request_id)} was not found")
    change = store.change_status(request_id, "closed" if status in FMS_CLOSED else "open",
                                 actor=f"open311:{key.name}", note=description, at=when,
                                 update_id=_text("update_id", limit=128),
                                 media_url=_text("media_url", limit=2000))
    return _answer([{"update_id": change.update_id}], "service_request_updates", fmt)


def _required(name: str) -> str:
    value = _text(name, limit=200)
    if value is None:
        raise InputError(f"{name} is required", field=name)
    return value
