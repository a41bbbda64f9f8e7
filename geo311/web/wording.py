"""Words and numbers for people: what the pages print instead of codes and raw floats.

Match qualities and statuses in plain words, counts as integers with separators, shares as
percentages, p-values as "< 0.001" (never "3.000" or a snake_case name). Every text goes
through Flask-Babel's ``gettext`` so that the Spanish pages say it in Spanish.
"""

from __future__ import annotations

import math
import re

from flask_babel import format_decimal, format_percent, lazy_gettext

__all__ = ["STATUS_WORDS", "count", "match_words", "p_value", "percent", "points", "rate",
           "reason_words", "route_reason_words", "status_words"]

_MATCH = {
    "exact": lazy_gettext("Exact address on file"),
    "exact_ignoring_unit": lazy_gettext("Address on file (the unit was not checked)"),
    "centerline_interpolated": lazy_gettext("Placed along the street from its address range"),
    "point_interpolated": lazy_gettext("Placed between neighboring addresses on file"),
    "street_only": lazy_gettext("The street exists, but not this house number"),
    "street_interpolated": lazy_gettext("Placed along the street between distant numbers"),
    "fuzzy_street": lazy_gettext("Street name corrected"),
    "intersection": lazy_gettext("Street intersection"),
    "not_found": lazy_gettext("Not found"),
}
STATUS_WORDS = {
    "valid": lazy_gettext("Address found"),
    "corrected": lazy_gettext("Address found after a correction"),
    "ambiguous": lazy_gettext("More than one address fits: pick one"),
    "approximate": lazy_gettext("Street found, house number not: the place is approximate"),
    "not_found": lazy_gettext("Address not found"),
    "needs_review": lazy_gettext("Could not read this address with confidence"),
    "rejected": lazy_gettext("Not a service location (a PO box)"),
    "open": lazy_gettext("Open"),
    "closed": lazy_gettext("Closed"),
}


_REASONS = {
    "one-letter typo": lazy_gettext("one-letter typo"),
    "spelling differs": lazy_gettext("spelling differs"),
    "directional missing": lazy_gettext("directional missing"),
    "directional moved": lazy_gettext("directional moved"),
    "directional not on this street": lazy_gettext("directional not on this street"),
    "directional differs": lazy_gettext("directional differs"),
    "suffix missing": lazy_gettext("suffix missing"),
    "suffix not on this street": lazy_gettext("suffix not on this street"),
    "suffix differs": lazy_gettext("suffix differs"),
    "ZIP differs": lazy_gettext("ZIP differs"),
    "no house number": lazy_gettext("no house number"),
    "unit designator differs": lazy_gettext("unit designator differs"),
    "unit not in reference": lazy_gettext("unit not in reference"),
    "unit not found": lazy_gettext("unit not found"),
    "address also names a cross street": lazy_gettext("address also names a cross street"),
    "intersection without a second street": lazy_gettext("intersection without a second street"),
    "PO box is not a service location": lazy_gettext("PO box is not a service location"),
    "no street found": lazy_gettext("no street found"),
    "no address ranges on the street": lazy_gettext("no address ranges on the street"),
    "no US address found": lazy_gettext("no US address found"),
    "usaddress: ambiguous": lazy_gettext("the parts of the address are unclear"),
}
_REASON_PATTERNS = [
    (re.compile(r"alias of (?P<x>.+)"), lazy_gettext("alias of %(x)s")),
    (re.compile(r"number out of range, nearest is (?P<x>.+)"),
     lazy_gettext("number out of range, nearest is %(x)s")),
    (re.compile(r"number between ranges, (?P<low>.+) to (?P<high>.+)"),
     lazy_gettext("number between ranges, %(low)s to %(high)s")),
    (re.compile(r"nearest existing number to (?P<x>.+)"),
     lazy_gettext("nearest existing number to %(x)s")),
    (re.compile(r"house number has no digit: (?P<x>.+)"),
     lazy_gettext("house number has no digit: %(x)s")),
    (re.compile(r"house number not understood: (?P<x>.+)"),
     lazy_gettext("house number not understood: %(x)s")),
    (re.compile(r"two house numbers found: (?P<x>.+)"),
     lazy_gettext("two house numbers found: %(x)s")),
    (re.compile(r"unknown state: (?P<x>.+)"), lazy_gettext("unknown state: %(x)s")),
    (re.compile(r"ZIP code not 5 digits: (?P<x>.+)"),
     lazy_gettext("ZIP code not 5 digits: %(x)s")),
    (re.compile(r"usaddress: repeated label (?P<x>.+)"),
     lazy_gettext("a part of the address is repeated: %(x)s")),
]


def reason_words(reason: str | None) -> str:
    """The address validator's reasons (``"; "``-separated English phrases of a suggestion
    or a review) in the reader's language; a phrase it does not know stays as it is."""
    out = [_phrase_words(part, _REASONS, _REASON_PATTERNS) for part in (reason or "").split("; ")]
    return "; ".join(p for p in out if p)


def _phrase_words(phrase: str, exact: dict, patterns: list) -> str:
    """``phrase`` in the reader's language: its words in ``exact``, else the template of
    the first of ``patterns`` it matches whole, filled with the match's parts; else as is."""
    words = exact.get(phrase)
    if words is not None:
        return str(words)
    for pattern, template in patterns:
        found = pattern.fullmatch(phrase)
        if found:
            return str(template) % found.groupdict()
    return phrase


def match_words(match_type: str | None) -> str:
    """How an address was matched, in words."""
    return str(_MATCH.get(match_type or "not_found", _MATCH["not_found"]))


def status_words(status: str) -> str:
    """A validation or request status in words (the code itself when unknown)."""
    return str(STATUS_WORDS.get(status, status))


def _finite(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def count(value: object) -> str:
    """A count as an integer with the locale's separators ("1,234"); "–" when missing."""
    number = _finite(value)
    return "–" if number is None else format_decimal(round(number), format="#,##0")


def percent(value: object, digits: int = 1) -> str:
    """A share (0..1) as a percentage ("12.5%"); "–" when missing."""
    number = _finite(value)
    if number is None:
        return "–"
    return format_percent(number, format="#,##0." + "0" * digits + "%" if digits else "#,##0%")


def points(value: object, digits: int = 1) -> str:
    """A percentage given in points (0..100) as "79.3%"; "–" when missing."""
    number = _finite(value)
    return "–" if number is None else percent(number / 100, digits)


def rate(value: object, digits: int = 1) -> str:
    """A rate or a median with ``digits`` decimals ("3.2"); "–" when missing."""
    number = _finite(value)
    if number is None:
        return "–"
    return format_decimal(number, format="#,##0." + "0" * digits if digits else "#,##0")


def p_value(value: object) -> str:
    """A p-value for people: "< 0.001" below a thousandth, else three decimals."""
    number = _finite(value)
    if number is None:
        return "–"
    if number < 0.001:
        return "< " + format_decimal(0.001, format="0.000")
    return format_decimal(number, format="0.000")


_ROUTE_REASONS = {
    "no usable location": lazy_gettext("no usable location"),
    "weight is not a positive number": lazy_gettext("weight is not a positive number"),
    "unreachable on the street network (one-way streets)":
        lazy_gettext("unreachable on the street network (one-way streets)"),
    "its time window cannot be met by any crew":
        lazy_gettext("its time window cannot be met by any crew"),
    "left out: the shifts are full with stops of greater or equal weight":
        lazy_gettext("left out: the shifts are full with stops of greater or equal weight"),
    "left out: its travel time would displace more weight of stops nearer the routes than "
    "it carries":
        lazy_gettext("left out: its travel time would displace more weight of stops nearer the "
                     "routes than it carries"),
}
_ROUTE_REASON_PATTERNS = [
    (re.compile(r"off the street network \((?P<m>[\d,.]+) m from the nearest street, more "
                r"than (?P<limit>[\d,.]+) m\)"),
     lazy_gettext("off the street network (%(m)s m from the nearest street, more than "
                  "%(limit)s m)")),
    (re.compile(r"no crew has the skill for type (?P<type>.+)"),
     lazy_gettext("no crew has the skill for type %(type)s")),
    (re.compile(r"does not fit in any shift even alone \(needs (?P<min>[\d,.]+) min\)"),
     lazy_gettext("does not fit in any shift even alone (needs %(min)s min)")),
    (re.compile(r"left out: it does not fit in the shift together with the (?P<n>\d+) kept "
                r"stop\(s\) of greater or equal weight"),
     lazy_gettext("left out: it does not fit in the shift together with the %(n)s kept "
                  "stop(s) of greater or equal weight")),
]


def route_reason_words(reason: str | None) -> str:
    """Why a crew route left a request out (:func:`geo311.crews.routes.plan_routes`'s
    ``dropped.reason``) in the reader's language; a reason it does not know stays as it is."""
    return _phrase_words(reason or "", _ROUTE_REASONS, _ROUTE_REASON_PATTERNS)
