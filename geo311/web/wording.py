"""Words and numbers for people: what the pages print instead of codes and raw floats.

Match qualities and statuses in plain words, counts as integers with separators, shares as
percentages, p-values as "< 0.001" (never "3.000" or a snake_case name). Every text goes
through Flask-Babel's ``gettext`` so that the Spanish pages say it in Spanish.
"""

from __future__ import annotations

import math

from flask_babel import format_decimal, format_percent, lazy_gettext

__all__ = ["STATUS_WORDS", "count", "match_words", "p_value", "percent", "points", "rate",
           "status_words"]

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
