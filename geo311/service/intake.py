"""The intake rules: is a submitted service request acceptable, where is it, and who else
reported it?

:meth:`IntakeRules.check` takes a :class:`Submission` (the raw fields of an Open311
``POST requests`` or of an API call, as text) and returns an :class:`IntakeDecision`:
either accepted, with the :class:`~geo311.service.records.NewRequest` ready for the
store, or refused with every :class:`IntakeError` found (the HTTP status inside). It
never raises for bad input. The rules, in order:

- **service**: ``service_code`` is required (400) and must be in the catalog (404, as
  GeoReport v2 lists for POST); a ``jurisdiction_id``, when given, must be the
  profile's (404 otherwise).
- **attributes** (``attribute[code]``, a list of values each): a required attribute
  must have a value; a ``number`` is a plain decimal, a ``datetime`` ISO 8601, a
  ``singlevaluelist`` exactly one of its keys, a ``multivaluelist`` one or more of its
  keys (repeats are kept once), a ``string`` or ``text`` one value. Codes the service
  does not define are refused. Empty values count as absent (so does every empty
  optional argument).
- **location**: ``lat``/``long`` (both, plain decimals in range; a pair that looks
  swapped is named so), else ``address_id`` (a point of the address reference), else
  ``address_string`` (+ ``zip``) through the address validator. Outside the city: 400
  whose description is the redirect message (the serving agency's name, phone and
  URL). An ambiguous address: 400 listing the suggestions; an address not found: 400
  with the closest suggestions.
- **notices** (accepted): a point near a district edge or the city limit (named on both
  sides), an address the validator corrected, and likely duplicates: the open requests
  of the same service within the service's :class:`~geo311.service.definitions.
  DuplicateRule`, nearest first, in ``possible_duplicates``.

Every text field is refused when it holds a NUL or another control character (tabs and
line breaks aside) or a lone surrogate; ``media_url`` must be an http(s) URL.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from geo311.address.validate import redirect_message
from geo311.errors import InputError
from geo311.service.definitions import Attribute, ServiceDefinitions
from geo311.service.duplicates import rank_candidates
from geo311.service.records import CONTACT_FIELDS, Contact, NewRequest, text_or_none

if TYPE_CHECKING:
    from geo311.city import City

__all__ = ["CONTACT_FIELDS", "IntakeDecision", "IntakeError", "IntakeNotice", "IntakeRules",
           "NearbyOpen", "Submission"]

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_BAD_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SUGGESTIONS = 5

NearbyOpen = Callable[..., Sequence[tuple[Any, float]]]
"""``nearby(lon, lat, radius_m, *, service_code=None, since=None, limit=20)``: open
requests within ``radius_m`` metres, nearest first, as ``(request, distance_m)`` pairs
(the shape of ``Store.nearby_open``)."""


@dataclass(frozen=True)
class Submission:
    """A request as submitted: every field the raw text (or None when absent).

    ``attributes`` maps an attribute code to its values (``attribute[code]`` may be
    given several times for a multivaluelist). ``lat`` and ``long`` may also be numbers.
    """

    service_code: str | None = None
    address_string: str | None = None
    zip: str | None = None
    lat: str | float | None = None
    long: str | float | None = None
    address_id: str | None = None
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    description: str | None = None
    media_url: str | None = None
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    jurisdiction_id: str | None = None


@dataclass(frozen=True)
class IntakeError:
    """Why a submission is refused: the HTTP status, the field at fault, the sentence (in
    English, for the API), and the same as a ``kind`` with its ``params`` (for pages that
    word it in the reader's language; user-supplied text in ``params`` is raw, to escape).

    Kinds and their params: ``not_text``, ``bad_text`` (``field``);
    ``attributes_not_mapping``; ``attribute_not_list`` (``code``); ``unknown_jurisdiction``
    (``given``, ``own``); ``service_required``; ``unknown_service`` (``service_code``);
    ``unknown_attributes`` (``service_code``, ``codes``, ``known``); ``attribute_required``
    (``code``, ``label``, ``service_code``); ``attribute_not_in_list`` (``code``, ``label``,
    ``values``, ``keys``); ``attribute_one_value`` (``code``, ``label``, ``count``);
    ``attribute_not_number``, ``attribute_not_datetime`` (``code``, ``label``, ``value``);
    ``media_url``; ``location_required``; ``coordinate_missing`` (``missing``);
    ``coordinate_range`` (``lat``, ``long``, ``swapped``); ``not_a_number`` (``field``,
    ``value``); ``not_finite`` (``field``); ``point_refused`` (``message``);
    ``unknown_address_id`` (``address_id``); ``ambiguous``, ``not_found`` (``text``,
    ``suggestions``: addresses); ``needs_review`` (``text``, ``reasons``); ``po_box``
    (``text``); ``approximate_uncertain`` (``text``, ``precision_m``, ``sides``: a list of
    ``{"layer", "candidates": [{"name", "probability"}]}``); ``outside`` (``address`` or
    ``lat``/``long``, ``city``, ``agency`` and ``nearest``: ``{"name", "phone", "url"}``
    (``nearest`` with ``distance_m``) or None, ``swapped``).
    """

    code: int
    field: str | None
    description: str
    kind: str = "other"
    params: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The Open311 error body item: ``{"code", "description"}`` (and the field)."""
        return {"code": self.code, "description": self.description, "field": self.field}


@dataclass(frozen=True)
class IntakeNotice:
    """One sentence of an accepted request's ``service_notice``: the English ``text`` and
    the same as a ``kind`` with ``params`` (see :class:`IntakeError`). Kinds: ``corrected``
    (``address``), ``approximate`` (``address``, ``precision_m``), ``edge_city`` (``city``,
    ``name``, ``distance_m``), ``edge_district`` (``layer``, ``here``, ``other``,
    ``distance_m``), ``duplicates`` (``service_request_id``, ``distance_m``, ``more``)."""

    kind: str
    text: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)


def _error(status: int, field_name: str | None, kind: str, description: str, /,
           **params: Any) -> IntakeError:
    return IntakeError(status, field_name, description, kind, params)


@dataclass
class IntakeDecision:
    """What :meth:`IntakeRules.check` decided (see the module docstring)."""

    accepted: bool
    errors: list[IntakeError] = field(default_factory=list)
    new: NewRequest | None = None
    service_notice: str | None = None
    notices: list[IntakeNotice] = field(default_factory=list)
    redirect: dict[str, Any] | None = None
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    possible_duplicates: list[dict[str, Any]] = field(default_factory=list)
    location: dict[str, Any] | None = None

    @property
    def status(self) -> int:
        """The HTTP status of the answer: 201 when accepted, else the first error's (a 404
        wins over 400s)."""
        if self.accepted:
            return 201
        return 404 if any(e.code == 404 for e in self.errors) else self.errors[0].code


class _Refused(Exception):
    """Internal: a location rule refused the submission (carries the partial decision)."""

    def __init__(self, error: IntakeError, **extra: Any) -> None:
        super().__init__(error.description)
        self.error = error
        self.extra = extra


@dataclass
class _Place:
    lon: float
    lat: float
    address: str | None
    zipcode: str | None
    address_id: str | None
    location: dict[str, Any]
    notes: list[IntakeNotice]


class IntakeRules:
    """The intake rules of one city; build once (after the city's engines), call often.

    Parameters
    ----------
    city : the :class:`~geo311.city.City` (its locator and, for addresses, validator).
    definitions : the services (:func:`~geo311.service.definitions.load_definitions`).
    """

    def __init__(self, city: City, *, definitions: ServiceDefinitions) -> None:
        self.city = city
        self.definitions = definitions

    # ------------------------------------------------------------------ public

    def check(self, sub: Submission, *, nearby: NearbyOpen | None = None,
              now: datetime | None = None, source: str = "open311") -> IntakeDecision:
        """Decide on ``sub``; see the module docstring. ``nearby`` finds open requests
        (default: no duplicate search); ``now`` is the filing time (aware; default now)."""
        now = _aware_now(now)
        errors = self._text_errors(sub)
        if errors:
            return IntakeDecision(False, errors)
        errors = self._service_errors(sub)
        if errors:
            return IntakeDecision(False, errors)
        code = text_or_none(sub.service_code)
        assert code is not None
        attributes, errors = self._attributes(code, sub.attributes)
        media_url = text_or_none(sub.media_url)
        if media_url is not None and not _http_url(media_url):
            errors.append(_error(400, "media_url", "media_url",
                                 "media_url must be an http or https URL"))
        try:
            place = self._place(sub)
        except _Refused as refused:
            return IntakeDecision(False, [*errors, refused.error], **refused.extra)
        if errors:
            return IntakeDecision(False, errors, location=place.location)
        duplicates = self._duplicates(code, place.lon, place.lat, nearby, now)
        notes = list(place.notes)
        if duplicates:
            first = duplicates[0]
            more = len(duplicates) - 1
            notes.append(IntakeNotice(
                "duplicates",
                f"This may already be reported: open request {first['service_request_id']} "
                f"is {first['distance_m']:.0f} m away"
                + (f" (and {more} more nearby)" if more else "") + ".",
                {"service_request_id": first["service_request_id"],
                 "distance_m": first["distance_m"], "more": more}))
        notice = " ".join(n.text for n in notes) or None
        service = self.definitions.service(code)
        new = NewRequest(
            service_code=code,
            service_name=service["service_name"],
            lon=place.lon,
            lat=place.lat,
            address=place.address,
            address_id=place.address_id,
            zipcode=place.zipcode,
            districts={key: (value or {}).get("id")
                       for key, value in place.location["districts"].items()},
            description=text_or_none(sub.description),
            requested_datetime=now,
            attributes=attributes,
            media_url=media_url,
            contact=Contact(**{name: text_or_none(getattr(sub, name)) for name in CONTACT_FIELDS}),
            service_notice=notice,
            source=source,
            agency_responsible=self._departments.get(code),
        )
        return IntakeDecision(True, [], new=new, service_notice=notice, notices=notes,
                              possible_duplicates=duplicates, location=place.location)

    def validate(self, address: str, *, zip: str | None = None, city: str | None = None,
                 service_code: str | None = None, nearby: NearbyOpen | None = None,
                 now: datetime | None = None) -> dict[str, Any]:
        """The validator's answer for ``address`` (see ``Validator.validate``), plus
        ``possible_duplicates`` (open requests of ``service_code`` within its rule of the
        located address, nearest first) when a service code is given.

        Raises
        ------
        InputError
            If ``address`` is not text or ``service_code`` is not in the catalog.
        """
        code = text_or_none(service_code)
        if code is not None and code not in self.definitions:
            raise InputError(f"unknown service_code {code!r}", field="service_code")
        answer: dict[str, Any] = dict(self.city.validator.validate(address, zip=zip, city=city))
        if code is not None:
            located = answer.get("lon") is not None and answer.get("location") is not None \
                and answer["location"]["in_jurisdiction"]
            answer["possible_duplicates"] = self._duplicates(
                code, answer["lon"], answer["lat"], nearby, _aware_now(now)) if located else []
        return answer

    # ------------------------------------------------------------------ rules

    def _text_errors(self, sub: Submission) -> list[IntakeError]:
        errors = []
        texts: list[tuple[str, Any]] = [(name, getattr(sub, name)) for name in (
            "service_code", "address_string", "zip", "lat", "long", "address_id",
            "description", "media_url", *CONTACT_FIELDS, "jurisdiction_id")]
        if not isinstance(sub.attributes, Mapping):
            errors.append(_error(400, "attribute", "attributes_not_mapping",
                                 "attributes must map codes to values"))
        else:
            for code, values in sub.attributes.items():
                if isinstance(values, str | bytes) or not isinstance(values, Sequence):
                    errors.append(_error(400, f"attribute[{code}]", "attribute_not_list",
                                         f"attribute[{code}] must be a list of values",
                                         code=code))
                    continue
                texts.append((f"attribute[{code}]", code))
                texts += [(f"attribute[{code}]", v) for v in values]
        for name, value in texts:
            if value is None or (name in ("lat", "long") and isinstance(value, int | float)
                                 and not isinstance(value, bool)):
                continue
            if not isinstance(value, str):
                errors.append(_error(400, name, "not_text", f"{name} must be text", field=name))
            elif _BAD_CHAR.search(value) or not _encodable(value):
                errors.append(_error(400, name, "bad_text", f"{name} holds a control character "
                                     "or text that is not valid Unicode", field=name))
        return _first_per_field(errors)

    def _service_errors(self, sub: Submission) -> list[IntakeError]:
        jurisdiction = text_or_none(sub.jurisdiction_id)
        own = self.city.profile.jurisdiction.id
        if jurisdiction is not None and jurisdiction != own:
            return [_error(404, "jurisdiction_id", "unknown_jurisdiction",
                           f"unknown jurisdiction_id {jurisdiction!r} (this is {own!r})",
                           given=jurisdiction, own=own)]
        code = text_or_none(sub.service_code)
        if code is None:
            return [_error(400, "service_code", "service_required", "service_code is required")]
        if code not in self.definitions:
            return [_error(404, "service_code", "unknown_service", f"unknown service_code "
                           f"{code!r} (see GET services for the list)", service_code=code)]
        return []

    def _attributes(self, code: str, raw: Mapping[str, Sequence[str]]
                    ) -> tuple[dict[str, list[str]], list[IntakeError]]:
        defined = {a.code: a for a in self.definitions.attributes(code) if a.variable}
        given = {k: [v.strip() for v in values if v.strip()] for k, values in raw.items()}
        errors = []
        unknown = sorted(k for k, v in given.items() if k not in defined and v)
        if unknown:
            known = ", ".join(defined) or "none"
            errors.append(_error(400, f"attribute[{unknown[0]}]", "unknown_attributes",
                                 f"service {code} has no attribute(s) "
                                 f"{', '.join(unknown)} (its attributes: {known})",
                                 service_code=code, codes=unknown, known=list(defined)))
        out = {}
        for attribute in defined.values():
            values = given.get(attribute.code, [])
            if not values:
                if attribute.required:
                    errors.append(_error(
                        400, f"attribute[{attribute.code}]", "attribute_required",
                        f"attribute[{attribute.code}] is required for service {code}"
                        + (f" ({attribute.description})" if attribute.description else ""),
                        code=attribute.code, label=attribute.description or attribute.code,
                        service_code=code))
                continue
            problem = _attribute_problem(attribute, values)
            if problem:
                kind, text, params = problem
                errors.append(_error(400, f"attribute[{attribute.code}]", kind,
                                     f"attribute[{attribute.code}] {text}", code=attribute.code,
                                     label=attribute.description or attribute.code, **params))
                continue
            out[attribute.code] = list(dict.fromkeys(values))
        return out, errors

    def _place(self, sub: Submission) -> _Place:
        lat, lon = _blank_value(sub.lat), _blank_value(sub.long)
        address_id, text = text_or_none(sub.address_id), text_or_none(sub.address_string)
        zipcode = text_or_none(sub.zip)
        if lat is not None or lon is not None:
            return self._at_point(lat, lon, text, zipcode)
        if address_id is not None:
            reference = self.city.validator.reference
            row = reference.point_row(address_id)
            if row is None:
                raise _Refused(_error(400, "address_id", "unknown_address_id",
                                      f"unknown address_id {address_id!r}",
                                      address_id=address_id))
            place = self._at_address(reference.point_line(row), zipcode, "address_id")
            place.address_id = address_id
            return place
        if text is not None:
            return self._at_address(text, zipcode, "address_string")
        raise _Refused(_error(400, "lat", "location_required", "a location is required: lat "
                              "and long, address_string or address_id"))

    def _at_point(self, lat: str | float | None, lon: str | float | None, text: str | None,
                  zipcode: str | None) -> _Place:
        if lat is None or lon is None:
            missing = "long" if lon is None else "lat"
            raise _Refused(_error(400, missing, "coordinate_missing", f"{missing} is missing: "
                                  "give both lat and long", missing=missing))
        y, x = _coordinate(lat, "lat"), _coordinate(lon, "long")
        if not (-90 <= y <= 90 and -180 <= x <= 180):
            swapped = -90 <= x <= 90 and -180 <= y <= 180
            hint = " (lat and long look swapped)" if swapped else ""
            raise _Refused(_error(400, "lat" if not -90 <= y <= 90 else "long",
                                  "coordinate_range", f"lat {y:g}, long {x:g}: out of range "
                                  f"(lat -90 to 90, long -180 to 180){hint}",
                                  lat=y, long=x, swapped=swapped))
        try:
            location = dict(self.city.locator.locate(x, y))
        except InputError as exc:
            raise _Refused(_error(400, "lat", "point_refused", exc.message,
                                  message=exc.message)) from None
        if not location["in_jurisdiction"]:
            swapped = -90 <= x <= 90 and self._inside(y, x)
            hint = " (lat and long look swapped: the swapped point is in the city)" \
                if swapped else ""
            label = f"The location ({y:.6f}, {x:.6f})"
            raise self._outside(label, location, hint, swapped=swapped, lat=y, long=x)
        address = None
        if text is not None:
            answer = self.city.validator.validate(text, zip=zipcode)
            address = answer["address"] if answer["status"] in ("valid", "corrected") else text
        return _Place(x, y, address, zipcode, None, location, self._edge_notes(location))

    def _at_address(self, text: str, zipcode: str | None, field_name: str) -> _Place:
        answer = self.city.validator.validate(text, zip=zipcode)
        status = answer["status"]
        suggestions = [dict(s) for s in answer["suggestions"][:_SUGGESTIONS]]
        addresses = [s["address"] for s in suggestions]
        listed = "; ".join(addresses)
        if status == "ambiguous":
            raise _Refused(_error(400, field_name, "ambiguous", f"{text!r} is ambiguous: did "
                                  f"you mean {listed}?", text=text, suggestions=addresses),
                           suggestions=suggestions, location=answer["location"])
        if status == "not_found":
            raise _Refused(_error(400, field_name, "not_found", f"address {text!r} not found"
                                  + (f"; closest: {listed}" if listed else ""),
                                  text=text, suggestions=addresses),
                           suggestions=suggestions)
        if status == "needs_review":
            reasons = "; ".join(answer["review_reasons"]) or "not understood"
            raise _Refused(_error(400, field_name, "needs_review", f"address {text!r} could not "
                                  f"be read with confidence ({reasons}); give lat and long or "
                                  "a plainer address", text=text,
                                  reasons=list(answer["review_reasons"])),
                           suggestions=suggestions)
        if status == "rejected":
            raise _Refused(_error(400, field_name, "po_box", f"{text!r} is not a service "
                                  "location (a PO box): give the street address", text=text))
        if status == "approximate" and not _placed_well_enough(answer):
            raise _Refused(_uncertain_place(field_name, text, answer),
                           suggestions=suggestions, location=answer["location"])
        location = dict(answer["location"] or {})
        if not location.get("in_jurisdiction"):
            redirect = answer["redirect"]
            if redirect is not None:
                raise _Refused(_error(400, field_name, "outside", redirect["message"],
                                      **self._outside_params(answer["address"] or text,
                                                             location)),
                               redirect=dict(redirect), location=location)
            raise self._outside(answer["address"] or text, location, "")
        notes = self._edge_notes(location)
        if status == "corrected":
            notes.insert(0, IntakeNotice("corrected", f"Address read as {answer['address']}.",
                                         {"address": answer["address"]}))
        elif status == "approximate":
            notes.insert(0, IntakeNotice(
                "approximate", f"Placed on {answer['address']}, not at the house number "
                f"(within about {answer['precision_m']:,.0f} m).",
                {"address": answer["address"], "precision_m": answer["precision_m"]}))
        return _Place(answer["lon"], answer["lat"], answer["address"],
                      zipcode or (suggestions[0]["zip"] if suggestions else None), None,
                      location, notes)

    def _outside_params(self, address: str | None, location: dict[str, Any]) -> dict[str, Any]:
        """The ``outside`` error's params (see :class:`IntakeError`)."""
        def contact(agency: dict | None, *extra: str) -> dict[str, Any] | None:
            if not agency:
                return None
            return {k: agency.get(k) for k in ("name", "phone", "url", *extra)}

        return {"address": address, "city": self.city.profile.jurisdiction.name,
                "agency": contact(location.get("agency")),
                "nearest": contact(location.get("nearest_agency"), "distance_m"),
                "swapped": False}

    def _outside(self, label: str, location: dict[str, Any], hint: str, *,
                 swapped: bool = False, lat: float | None = None,
                 long: float | None = None) -> _Refused:
        agency, nearest = location.get("agency"), location.get("nearest_agency")
        message = redirect_message(label, self.city.profile.jurisdiction.name, agency,
                                   nearest) + hint
        source = agency or nearest or {}
        redirect = {"id": source.get("id"), "name": source.get("name"),
                    "phone": source.get("phone"), "url": source.get("url"),
                    "message": message}
        point = lat is not None
        params = self._outside_params(None if point else label, location)
        if point:
            params.update(lat=lat, long=long, swapped=swapped)
        field_name = "lat" if point else "address_string"
        return _Refused(_error(400, field_name, "outside", message, **params),
                        redirect=redirect, location=location)

    def _inside(self, lon: float, lat: float) -> bool:
        try:
            return bool(self.city.locator.locate(lon, lat)["in_jurisdiction"])
        except InputError:
            return False

    def _edge_notes(self, location: dict[str, Any]) -> list[IntakeNotice]:
        """Sentences naming both sides of each edge the point is near."""
        if not location.get("near_boundary"):
            return []
        labels = {d.key: d.label for d in self.city.profile.districts}
        notes = []
        for alt in location.get("alternatives") or []:
            if alt.get("layer") == "agency":
                city = self.city.profile.jurisdiction.name
                notes.append(IntakeNotice(
                    "edge_city", f"Near the limit of {city}: {alt['name']} is "
                    f"{alt['distance_m']:.0f} m away.",
                    {"city": city, "name": alt["name"], "distance_m": alt["distance_m"]}))
                continue
            here = (location["districts"].get(alt.get("layer")) or {}).get("name")
            label = labels.get(alt.get("layer"), alt.get("layer"))
            notes.append(IntakeNotice(
                "edge_district", f"Near the edge of {label}: {here or '(none)'} here, "
                f"{alt['name']} at {alt['distance_m']:.0f} m; check which serves it.",
                {"layer": label, "here": here, "other": alt["name"],
                 "distance_m": alt["distance_m"]}))
        return notes

    def _duplicates(self, code: str, lon: float, lat: float, nearby: NearbyOpen | None,
                    now: datetime) -> list[dict[str, Any]]:
        if nearby is None:
            return []
        rule = self.definitions.duplicate_rule(code)
        since = now - timedelta(days=rule.days)
        found = nearby(lon, lat, rule.radius_m, service_code=code, since=since, limit=20)
        return rank_candidates(found, now=now, radius_m=rule.radius_m, since=since)

    @cached_property
    def _departments(self) -> dict[str, str]:
        """The catalog's department of each service code (read once)."""
        if not self.city.has_catalog or "department" not in self.city.catalog:
            return {}
        pairs = zip(self.city.catalog["service_code"], self.city.catalog["department"],
                    strict=True)
        return {str(c): d.strip() for c, d in pairs if isinstance(d, str) and d.strip()}


# ------------------------------------------------------------------ helpers


def _aware_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise InputError("now must be timezone-aware", field="now")
    return now


def _blank_value(value: str | float | None) -> str | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) \
        else text_or_none(value)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _first_per_field(errors: list[IntakeError]) -> list[IntakeError]:
    seen, out = set(), []
    for error in errors:
        if error.field not in seen:
            seen.add(error.field)
            out.append(error)
    return out


def _coordinate(value: str | float, name: str) -> float:
    if isinstance(value, str):
        if not value.isascii() or not _NUMBER.fullmatch(value):
            raise _Refused(_error(400, name, "not_a_number",
                                  f"{name} {value!r} is not a decimal number",
                                  field=name, value=value))
        value = float(value)
    number = float(value)
    if not math.isfinite(number):
        raise _Refused(_error(400, name, "not_finite", f"{name} must be a finite number",
                              field=name))
    return number


def _attribute_problem(attribute: Attribute, values: list[str]
                       ) -> tuple[str, str, dict[str, Any]] | None:
    """Why ``values`` do not fit ``attribute`` (the error's kind, its English words after
    the attribute's name, and its params), or None."""
    kind = attribute.datatype
    keys = [k for k, _ in attribute.values]
    if kind == "multivaluelist":
        bad = [v for v in values if v not in attribute.keys]
        return None if not bad else (
            "attribute_not_in_list", f"has value(s) not in its list: "
            f"{', '.join(map(repr, bad))} (keys: {', '.join(keys)})", {"values": bad,
                                                                        "keys": keys})
    if len(set(values)) > 1:
        return ("attribute_one_value", f"takes one value, not {len(set(values))}",
                {"count": len(set(values))})
    value = values[0]
    if kind == "singlevaluelist" and value not in attribute.keys:
        return ("attribute_not_in_list", f"{value!r} is not in its list (keys: "
                f"{', '.join(keys)})", {"values": [value], "keys": keys})
    if kind == "number" and not (value.isascii() and _NUMBER.fullmatch(value)
                                 and math.isfinite(float(value))):
        return "attribute_not_number", f"{value!r} is not a number", {"value": value}
    if kind == "datetime" and _iso_datetime(value) is None:
        return ("attribute_not_datetime", f"{value!r} is not an ISO 8601 date and time "
                "(e.g. 2025-03-01T14:30:00-08:00)", {"value": value})
    return None


def _iso_datetime(value: str) -> datetime | None:
    if not value.isascii() or len(value) < 10:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and \
        not any(unicodedata.category(c) == "Zs" for c in value)


STREET_LEVEL_MAX_M = 500.0
"""A street-level place (status ``approximate``) is accepted only within this precision,
and only when every district of its spread is the same (``district_certain``)."""


def _placed_well_enough(answer: dict[str, Any]) -> bool:
    precision = answer["precision_m"]
    return bool(answer["district_certain"]) and precision is not None \
        and precision <= STREET_LEVEL_MAX_M


def _uncertain_place(field_name: str, text: str, answer: dict[str, Any]) -> IntakeError:
    """Why a street-level place is refused: the districts it may lie in, and what to give."""
    sides, uncertain = [], []
    for key, candidates in (answer["district_candidates"] or {}).items():
        if len(candidates) > 1:
            named = ", ".join(f"{c['name'] or c['id'] or 'outside the city'} "
                              f"({c['probability']:.0%})" for c in candidates)
            sides.append(f"{key}: {named}")
            uncertain.append({"layer": key, "candidates": [
                {"name": c["name"] or c["id"], "probability": c["probability"]}
                for c in candidates]})
    if sides:
        where = f" and may lie in more than one district ({'; '.join(sides)})"
    else:
        where = f" (the place is known only to within {answer['precision_m'] or 0:,.0f} m)"
    return _error(400, field_name, "approximate_uncertain",
                  f"{text!r}: the street is known but not this house number{where}; give the "
                  "house number of a nearby address, a cross street, or lat and long",
                  text=text, precision_m=answer["precision_m"], sides=uncertain)
