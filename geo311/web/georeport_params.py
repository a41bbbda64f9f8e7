"""GeoReport v2 arguments: the protocol's rules for reading them, without Flask.

- An empty optional argument counts as absent (:func:`optional`).
- ``jurisdiction_id`` is required only where one endpoint serves several jurisdictions;
  an unknown one is a 404 (:func:`resolve_jurisdiction`).
- Dates are W3C date-times with a time zone (``2010-01-01T00:00:00Z``,
  ``...-08:00``); a bare date ``2010-01-01`` is that day's start in UTC
  (:func:`parse_datetime`).
- ``GET requests`` covers at most 90 days, the last 90 by default (:func:`date_window`).
- Lists are comma-delimited (:func:`comma_list`).
- ``attribute[code]=value`` answers a service attribute, ``attribute[code][]=value`` (repeated)
  a multivaluelist (:func:`parse_attributes`); ``district[key]=id,id`` is the district filter
  of ``GET requests``, a geo311 extension (:func:`parse_bracketed`).

Errors are :class:`~geo311.errors.InputError` (400) and :class:`~geo311.errors.NotFoundError`
(404) with a description meant for the client.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from geo311.errors import InputError, NotFoundError

__all__ = [
    "MAX_ROWS",
    "MAX_WINDOW",
    "comma_list",
    "date_window",
    "optional",
    "parse_attributes",
    "parse_bracketed",
    "parse_datetime",
    "resolve_jurisdiction",
    "shown",
]

MAX_WINDOW = timedelta(days=90)
"""The longest span of ``GET requests`` (and its default: the most recent 90 days)."""
MAX_ROWS = 1000
"""The most requests one ``GET requests`` answers."""

T = TypeVar("T")

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)

_W3C = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:T(?P<time>[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?)"
    r"(?P<zone>Z|[+-][0-9]{2}:[0-9]{2}))?\Z")
_BRACKETED = re.compile(r"(?P<name>[a-z_]+)\[(?P<key>[^\[\]]+)\](?P<many>\[\])?\Z")


def shown(value: str, limit: int = 60) -> str:
    """``value`` quoted for an error message: printable ASCII, at most ``limit`` characters."""
    text = value if len(value) <= limit else value[:limit] + "..."
    return ascii(text)


def optional(value: str | None) -> str | None:
    """An optional argument: None when absent or empty (the spec's "optional" rule)."""
    if value is None or value.strip() == "":
        return None
    return value


def resolve_jurisdiction(given: str | None, known: Mapping[str, T]) -> T:
    """The jurisdiction ``given`` names among ``known`` (id -> anything).

    Absent (or empty) is fine when every known id names the same jurisdiction (a
    single-jurisdiction deployment accepts its own id and no id at all).

    Raises
    ------
    InputError
        When ``jurisdiction_id`` is absent and the endpoint serves several jurisdictions (400).
    NotFoundError
        When ``given`` is not a known id (404).
    """
    given = optional(given)
    if given is None:
        distinct = {id(value): value for value in known.values()}
        if len(distinct) == 1:
            return next(iter(distinct.values()))
        raise InputError("jurisdiction_id was not provided: this endpoint serves "
                         f"{', '.join(sorted(known))}", field="jurisdiction_id")
    try:
        return known[given]
    except KeyError:
        raise NotFoundError(f"jurisdiction_id {shown(given)} was not found; this endpoint "
                            f"serves {', '.join(sorted(known))}",
                            field="jurisdiction_id") from None


def parse_datetime(value: str, name: str) -> datetime:
    """A W3C date-time argument as an aware datetime (a bare date: its start in UTC).

    Raises InputError (naming ``name``) for anything else, a date-time without a time
    zone included.
    """
    match = _W3C.match(value.strip())
    if match is None:
        raise InputError(f"{name} {shown(value)} is not a W3C date-time "
                         "(e.g. 2010-01-01T00:00:00Z or 2010-01-01T00:00:00-08:00)", field=name)
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text if match["time"] else text + "T00:00:00+00:00")
        utc = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InputError(f"{name} {shown(value)} is not a valid date", field=name) from None
    if not EARLIEST <= utc <= LATEST:
        raise InputError(f"{name} {shown(value)} is out of range (years 1900 to 9000)",
                         field=name)
    return moment


def date_window(start: datetime | None, end: datetime | None, *,
                now: datetime | None = None) -> tuple[datetime, datetime]:
    """The ``(start, end)`` of ``GET requests``: at most :data:`MAX_WINDOW` long.

    Neither given: the 90 days up to ``now``. One given: 90 days from the start, or up to the end.

    Raises InputError when the end comes before the start or the span exceeds 90 days.
    """
    if start is None and end is None:
        end = now or datetime.now(UTC)
        return end - MAX_WINDOW, end
    if start is None:
        return end - MAX_WINDOW, end
    if end is None:
        return start, start + MAX_WINDOW
    if end < start:
        raise InputError("end_date is before start_date", field="end_date")
    if end - start > MAX_WINDOW:
        raise InputError(f"start_date to end_date spans {_days(end - start)} days; "
                         "the most is 90", field="end_date")
    return start, end


def _days(span: timedelta) -> str:
    days = span / timedelta(days=1)
    return f"{days:.0f}" if days == int(days) else f"{days:.2f}"


def comma_list(value: str | None, name: str, *, allowed: Iterable[str] | None = None,
               limit: int = MAX_ROWS) -> list[str] | None:
    """A comma-delimited argument as its distinct non-empty items, in order (None when absent).

    Raises InputError for an item not in ``allowed`` (when given) or more than ``limit`` items.
    """
    value = optional(value)
    if value is None:
        return None
    items = list(dict.fromkeys(item.strip() for item in value.split(",") if item.strip()))
    if not items:
        return None
    if len(items) > limit:
        raise InputError(f"{name} lists {len(items)} values; the most is {limit}", field=name)
    if allowed is not None:
        allowed = list(allowed)
        wrong = [item for item in items if item not in allowed]
        if wrong:
            raise InputError(f"{name} {shown(wrong[0])} is not one of {', '.join(allowed)}",
                             field=name)
    return items


def parse_bracketed(pairs: Iterable[tuple[str, str]], name: str) -> dict[str, list[str]]:
    """``name[key]=value`` and ``name[key][]=value`` arguments as ``{key: [values]}``.

    Values keep their order; empty values are dropped (an attribute left blank is
    absent), and a key whose values are all empty is left out.

    Raises InputError for a malformed ``name[...]`` argument (``name[]``, ``name[a][b]``).
    """
    found: dict[str, list[str]] = {}
    for arg, value in pairs:
        if arg != name and not arg.startswith(name + "["):
            continue
        match = _BRACKETED.match(arg)
        if match is None or match["name"] != name or not match["key"].strip():
            raise InputError(f"{shown(arg)}: write {name}[code]=value, or {name}[code][]=value "
                             "once per value", field=name)
        if value.strip() != "":
            found.setdefault(match["key"], []).append(value)
    return found


def parse_attributes(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """The ``attribute[code]`` answers of a POST as ``{code: [values]}``."""
    return parse_bracketed(pairs, "attribute")
