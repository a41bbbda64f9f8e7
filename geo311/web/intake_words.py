"""The intake rules' messages in the reader's language, for the pages.

The intake rules (:mod:`geo311.service.intake`) give each refusal and each notice a
``kind`` and its ``params`` beside the English sentence that the API returns. The pages
word them here through Flask-Babel instead: in plain words (the form's labels, never a
field's code), numbers in the locale's format. The results are plain text; the templates
escape them (user-supplied text in ``params`` stays text).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext, lazy_gettext

from geo311.web.wording import percent, rate

__all__ = ["error_words", "notice_words", "redirect_words"]

_FIELDS = {
    "address_string": lazy_gettext("Address"),
    "zip": lazy_gettext("ZIP code"),
    "description": lazy_gettext("Description"),
    "media_url": lazy_gettext("Photo link"),
    "first_name": lazy_gettext("First name"),
    "last_name": lazy_gettext("Last name"),
    "email": lazy_gettext("Email"),
    "phone": lazy_gettext("Phone"),
    "service_code": lazy_gettext("Service type"),
    "lat": lazy_gettext("Latitude"),
    "long": lazy_gettext("Longitude"),
}


def _field(name: object) -> str:
    return str(_FIELDS.get(str(name), name))


def _listed(values: Sequence[Any]) -> str:
    return "; ".join(str(v) for v in values)


def _metres(value: object) -> str:
    return rate(value, 0)


def redirect_words(city: str, agency: Mapping[str, Any] | None,
                   nearest: Mapping[str, Any] | None = None) -> str:
    """What to tell a caller whose address the city does not serve: the Gardena sentence
    with the serving agency's phone and web site, or, with no agency, the nearest one."""
    if agency and agency.get("name"):
        text = gettext("The service request address entered is not located in the %(city)s. "
                       "It is located within the boundaries of the following agency: "
                       "%(agency)s.", city=city, agency=agency["name"])
        contact = agency
    else:
        text = gettext("This address is not in %(city)s, and no agency we know of serves it.",
                       city=city)
        contact = nearest or {}
        if contact.get("name"):
            text += " " + gettext("The nearest is %(name)s, %(distance)s m away.",
                                  name=contact["name"],
                                  distance=_metres(contact.get("distance_m")))
    if contact.get("phone"):
        text += " " + gettext("Phone") + ": " + str(contact["phone"]) + "."
    if contact.get("url"):
        text += " " + str(contact["url"])
    return text


def _outside(p: Mapping[str, Any]) -> str:
    text = redirect_words(p.get("city") or "", p.get("agency"), p.get("nearest"))
    if p.get("swapped"):
        text += " " + gettext("Latitude and longitude look swapped: the swapped point is in "
                              "the city.")
    return text


def _uncertain(p: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    sides = "; ".join(
        labels.get(side["layer"], side["layer"]) + ": " + ", ".join(
            f"{c['name'] or gettext('outside the city')} ({percent(c['probability'], 0)})"
            for c in side["candidates"])
        for side in p.get("sides") or [])
    if sides:
        return gettext("The street of “%(text)s” is known but not this house number, and the "
                       "place may lie in more than one district (%(sides)s). Give the number "
                       "of a nearby address or a cross street.", text=p["text"], sides=sides)
    return gettext("The street of “%(text)s” is known but not this house number: the place "
                   "is known only to within %(distance)s m. Give the number of a nearby "
                   "address or a cross street.", text=p["text"],
                   distance=_metres(p.get("precision_m") or 0))


def _attribute(kind: str, p: Mapping[str, Any]) -> str | None:
    label = p.get("label") or p.get("code")
    if kind == "attribute_required":
        return gettext("“%(label)s” is required.", label=label)
    if kind == "attribute_not_in_list":
        return gettext("“%(label)s”: %(values)s is not one of the choices.", label=label,
                       values=_listed(p.get("values") or []))
    if kind == "attribute_one_value":
        return gettext("“%(label)s” takes one answer, not %(n)s.", label=label, n=p["count"])
    if kind == "attribute_not_number":
        return gettext("“%(label)s”: %(value)s is not a number.", label=label,
                       value=p["value"])
    if kind == "attribute_not_datetime":
        return gettext("“%(label)s”: %(value)s is not a date and time.", label=label,
                       value=p["value"])
    if kind == "attribute_not_list":
        return gettext("The answer to “%(label)s” could not be read.", label=label)
    if kind == "attributes_not_mapping":
        return gettext("The answers to the service type's questions could not be read.")
    if kind == "unknown_attributes":
        return gettext("This service type does not ask %(codes)s.",
                       codes=_listed(p.get("codes") or []))
    return None


def _address(kind: str, p: Mapping[str, Any]) -> str | None:
    if kind == "ambiguous":
        return gettext("More than one address fits “%(text)s”: did you mean %(listed)s?",
                       text=p["text"], listed=_listed(p.get("suggestions") or []))
    if kind == "not_found":
        if p.get("suggestions"):
            return gettext("The address “%(text)s” was not found. The closest: %(listed)s.",
                           text=p["text"], listed=_listed(p["suggestions"]))
        return gettext("The address “%(text)s” was not found.", text=p["text"])
    if kind == "needs_review":
        return gettext("The address “%(text)s” could not be read with confidence: give the "
                       "house number and the street.", text=p["text"])
    if kind == "po_box":
        return gettext("“%(text)s” is a PO box, not a place: give the street address of the "
                       "problem.", text=p["text"])
    if kind == "unknown_address_id":
        return gettext("There is no address with the id %(id)s.", id=p["address_id"])
    if kind == "location_required":
        return gettext("Give the address of the problem.")
    return None


def _other(kind: str, p: Mapping[str, Any]) -> str | None:
    if kind == "service_required":
        return gettext("Choose a service type.")
    if kind == "unknown_service":
        return gettext("There is no service type %(code)s: choose one from the list.",
                       code=p["service_code"])
    if kind == "unknown_jurisdiction":
        return gettext("This service is for %(own)s, not %(given)s.", own=p["own"],
                       given=p["given"])
    if kind == "not_text":
        return gettext("%(field)s must be text.", field=_field(p.get("field")))
    if kind == "bad_text":
        return gettext("%(field)s holds a control character or text that is not valid "
                       "Unicode.", field=_field(p.get("field")))
    if kind == "media_url":
        return gettext("The photo link must be an http or https address.")
    if kind == "coordinate_missing":
        return gettext("Give both the latitude and the longitude.")
    if kind == "coordinate_range":
        text = gettext("Latitude %(lat)s, longitude %(long)s is not a place on Earth.",
                       lat=p["lat"], long=p["long"])
        if p.get("swapped"):
            text += " " + gettext("Latitude and longitude look swapped.")
        return text
    if kind == "not_a_number":
        return gettext("%(field)s: %(value)s is not a number.", field=_field(p.get("field")),
                       value=p["value"])
    if kind == "not_finite":
        return gettext("%(field)s must be a finite number.", field=_field(p.get("field")))
    if kind == "point_refused":
        return gettext("This point cannot be located: %(message)s", message=p["message"])
    return None


def error_words(error: Any, labels: Mapping[str, str] | None = None) -> str:
    """An :class:`~geo311.service.intake.IntakeError` in the reader's language (its English
    description for a kind this module does not know). ``labels`` names the district layers
    (key: label)."""
    kind, params = error.kind, error.params
    if kind == "outside":
        return _outside(params)
    if kind == "approximate_uncertain":
        return _uncertain(params, labels or {})
    for words in (_attribute, _address, _other):
        text = words(kind, params)
        if text is not None:
            return text
    return str(error.description)


def notice_words(notice: Any) -> str:
    """An :class:`~geo311.service.intake.IntakeNotice` in the reader's language (its
    English text for a kind this module does not know)."""
    kind, p = notice.kind, notice.params
    if kind == "corrected":
        return gettext("Address read as %(address)s.", address=p["address"])
    if kind == "approximate":
        return gettext("Placed on %(address)s, not at the house number (within about "
                       "%(distance)s m).", address=p["address"],
                       distance=_metres(p.get("precision_m")))
    if kind == "edge_city":
        return gettext("Near the limit of %(city)s: %(name)s is %(distance)s m away.",
                       city=p["city"], name=p["name"], distance=_metres(p["distance_m"]))
    if kind == "edge_district":
        return gettext("Near the edge of %(layer)s: %(here)s here, %(other)s at %(distance)s "
                       "m; check which serves it.", layer=p["layer"],
                       here=p.get("here") or gettext("none"), other=p["other"],
                       distance=_metres(p["distance_m"]))
    if kind == "duplicates":
        if p.get("more"):
            return gettext("This may already be reported: open request %(id)s is %(distance)s "
                           "m away (and %(more)s more nearby).", id=p["service_request_id"],
                           distance=_metres(p["distance_m"]), more=p["more"])
        return gettext("This may already be reported: open request %(id)s is %(distance)s m "
                       "away.", id=p["service_request_id"], distance=_metres(p["distance_m"]))
    return str(notice.text)
