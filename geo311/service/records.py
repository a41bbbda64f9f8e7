"""The request records of the 311 service: plain frozen values shared by the store,
the intake rules and the web layer.

:class:`NewRequest` is what intake (or an import) hands to the store;
:class:`StoredRequest` is what the store gives back, with its random
``service_request_id`` and ``token``. :meth:`StoredRequest.public` never holds a
contact field (:data:`CONTACT_FIELDS`); :meth:`StoredRequest.private` is for staff.
:class:`RequestQuery` selects stored requests (the database twin of the file-based
:class:`~geo311.service.requests.RequestFilter`, sharing its bbox and value rules).
All datetimes are timezone-aware; the store keeps them in UTC.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from geo311.errors import InputError
from geo311.service.catalog import parse_bound
from geo311.service.requests import filter_values, parse_bbox

__all__ = [
    "CONTACT_FIELDS",
    "text_or_none",
    "MAX_LIMIT",
    "STATUSES",
    "ApiKeyInfo",
    "Contact",
    "NewRequest",
    "PublicRequest",
    "RequestQuery",
    "StatusChange",
    "StatusUpdate",
    "StoredRequest",
    "aware_utc",
    "check_text",
    "utc_now",
]

STATUSES = ("open", "closed")
"""The request statuses of Open311 GeoReport v2."""

CONTACT_FIELDS = ("email", "phone", "first_name", "last_name", "device_id", "account_id")
"""The personal fields of a request: never in a public answer."""

MAX_LIMIT = 1000
"""The most requests one query returns (GeoReport v2's limit)."""


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def _parsed(value: Any, name: str) -> datetime:
    """A date or time text as a datetime (to the microsecond)."""
    return parse_bound(value, name).floor("us").to_pydatetime()


def aware_utc(value: Any, name: str = "time") -> datetime:
    """Return ``value`` (datetime or ISO 8601 text) as an aware UTC datetime.

    A naive value is refused: the store never guesses a time zone.

    Raises
    ------
    InputError
        If ``value`` is not a date or time, or has no time zone.
    """
    stamp = value if isinstance(value, datetime) else _parsed(value, name)
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise InputError(f"{name} {value!r} has no time zone (give an offset, e.g. +00:00)",
                         field=name)
    return stamp.astimezone(UTC)


def _bound(value: Any, name: str) -> datetime | None:
    """A query bound as aware UTC; a naive bound is read as UTC (the store's zone)."""
    if value is None or value == "":
        return None
    stamp = value if isinstance(value, datetime) else _parsed(value, name)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC)


def check_text(value: Any, name: str) -> Any:
    """Return ``value``; InputError if it is text holding a NUL character (no field may:
    PostgreSQL cannot store one, and SQLite must answer the same)."""
    if isinstance(value, str) and "\x00" in value:
        raise InputError(f"{name} holds a NUL character", field=name)
    return value


def text_or_none(value: Any) -> str | None:
    """Stripped text; None when absent (None, NaN, pandas NA) or blank (an empty optional
    argument counts as absent)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class Contact:
    """The submitter's contact details (all optional); private to staff."""

    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    device_id: str | None = None
    account_id: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The fields by name (:data:`CONTACT_FIELDS`)."""
        return {name: getattr(self, name) for name in CONTACT_FIELDS}


@dataclass(frozen=True)
class NewRequest:
    """A request ready to be stored (from intake, or one row of an import).

    ``lon``/``lat`` (WGS84) are both given or both None (a historical request
    without a location); ``districts`` maps a district layer key to the id
    holding the point (None outside every feature). ``source`` is ``"open311"``,
    ``"api"`` or ``"import:<name>"``; ``external_id`` is the id in that source
    (unique per source: an import adds a row once). ``closed_datetime`` is for
    imported history.

    Raises
    ------
    InputError
        On a naive datetime, an unknown status, half a location or coordinates
        out of range.
    """

    service_code: str
    service_name: str | None = None
    lon: float | None = None
    lat: float | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    districts: Mapping[str, str | None] = field(default_factory=dict)
    description: str | None = None
    status: str = "open"
    requested_datetime: datetime = field(default_factory=utc_now)
    attributes: Mapping[str, list[str]] = field(default_factory=dict)
    media_url: str | None = None
    contact: Contact = field(default_factory=Contact)
    service_notice: str | None = None
    source: str = "api"
    external_id: str | None = None
    agency_responsible: str | None = None
    closed_datetime: datetime | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalize once, here
        code = text_or_none(self.service_code)
        if code is None:
            raise InputError("a request needs a service_code", field="service_code")
        set_(self, "service_code", code)
        status = str(self.status).strip().lower()
        if status not in STATUSES:
            raise InputError(f"status {self.status!r}: use one of {', '.join(STATUSES)}",
                             field="status")
        set_(self, "status", status)
        set_(self, "requested_datetime",
             aware_utc(self.requested_datetime, "requested_datetime"))
        if self.closed_datetime is not None:
            set_(self, "closed_datetime", aware_utc(self.closed_datetime, "closed_datetime"))
        if (self.lon is None) != (self.lat is None):
            raise InputError("give both lon and lat, or neither", field="lon")
        if self.lon is not None:
            lon, lat = float(self.lon), float(self.lat)
            if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180
                    and abs(lat) <= 90):
                raise InputError(f"coordinates ({self.lon}, {self.lat}) out of range",
                                 field="lon")
            set_(self, "lon", lon)
            set_(self, "lat", lat)
        set_(self, "districts", {str(k): (None if v is None else str(v))
                                 for k, v in dict(self.districts).items()})
        set_(self, "attributes", {str(k): [str(v) for v in values]
                                  for k, values in dict(self.attributes).items()})
        if not str(self.source).strip():
            raise InputError("a request needs a source", field="source")
        for name, value in self.__dict__.items():
            check_text(value, name)
        for name, value in self.contact.as_dict().items():
            check_text(value, name)
        for mapping, name in ((self.districts, "districts"), (self.attributes, "attributes")):
            for key, values in mapping.items():
                check_text(key, name)
                for value in (values if isinstance(values, list) else [values]):
                    check_text(value, name)


# Open311 GeoReport v2 request fields, in the spec's order, then geo311's own.
_PUBLIC = ("service_request_id", "status", "status_notes", "service_name", "service_code",
           "description", "agency_responsible", "service_notice", "requested_datetime",
           "updated_datetime", "expected_datetime", "closed_datetime", "address",
           "address_id", "zipcode", "lat", "long", "media_url", "districts", "duplicate_of")


def _public(request: Any) -> dict[str, Any]:
    """The :data:`_PUBLIC` fields of ``request``: ISO 8601 times, mappings copied."""
    answer = {}
    for name in _PUBLIC:
        value = request.lon if name == "long" else getattr(request, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Mapping):
            value = dict(value)
        answer[name] = value
    return answer


@dataclass(frozen=True, kw_only=True)
class PublicRequest:
    """A stored request's public fields only (no contact, token, assignee or attribute),
    as the lean reads of the store give them (``Store.nearby_open``): :meth:`public` is
    what ``StoredRequest.public()`` gives for the same request."""

    service_request_id: str
    status: str
    service_code: str
    requested_datetime: datetime
    updated_datetime: datetime
    service_name: str | None = None
    status_notes: str | None = None
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    expected_datetime: datetime | None = None
    closed_datetime: datetime | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lon: float | None = None
    lat: float | None = None
    media_url: str | None = None
    districts: Mapping[str, str | None] = field(default_factory=dict)
    duplicate_of: str | None = None

    def public(self) -> dict[str, Any]:
        """The request for anyone: Open311 fields, ISO 8601 times, no contact field."""
        return _public(self)


@dataclass(frozen=True, kw_only=True)
class StoredRequest(NewRequest):
    """A stored request: the :class:`NewRequest` fields plus what the store keeps.

    ``service_request_id`` and ``token`` are random (128 bits, URL-safe) and
    unrelated to each other, to time and to order.
    """

    service_request_id: str
    token: str
    updated_datetime: datetime
    status_notes: str | None = None
    expected_datetime: datetime | None = None
    assignee: str | None = None
    duplicate_of: str | None = None

    @classmethod
    def from_store(cls, **fields: Any) -> StoredRequest:
        """A request from values the store checked when it wrote them (not checked again:
        a page of 1,000 rows is built without re-validating each)."""
        request = object.__new__(cls)
        request.__dict__.update(fields)
        return request

    def public_values(self) -> dict[str, Any]:
        """The fields of :meth:`public` as stored (times as aware datetimes)."""
        values = {name: getattr(self, "lon" if name == "long" else name) for name in _PUBLIC}
        values["districts"] = dict(self.districts)
        return values

    def public(self) -> dict[str, Any]:
        """The request for anyone: Open311 fields, ISO 8601 times, no contact field."""
        return _public(self)

    def private(self) -> dict[str, Any]:
        """The request for staff: :meth:`public` plus the token, contact, assignee,
        attributes and where it came from."""
        answer = self.public()
        answer.update(token=self.token, assignee=self.assignee, source=self.source,
                      external_id=self.external_id, attributes=dict(self.attributes),
                      **self.contact.as_dict())
        return answer


@dataclass(frozen=True)
class RequestQuery:
    """Which stored requests to list (each field None/empty: no filter).

    ``start``/``end`` bound ``requested_datetime`` (start inclusive, end
    exclusive), ``updated_start``/``updated_end`` the last change; a naive bound
    is read as UTC. ``districts`` is ``{layer key: ids}`` (a request in one of the
    ids of every key given); ``bbox`` is ``(min_lon, min_lat, max_lon, max_lat)``.
    At most :data:`MAX_LIMIT` rows, newest first.

    Raises
    ------
    InputError
        On a bound that is not a date, a malformed bbox, an unknown status or a
        limit outside 1..1000 or a negative offset.
    """

    ids: tuple[str, ...] | None = None
    service_codes: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    start: Any = None
    end: Any = None
    updated_start: Any = None
    updated_end: Any = None
    districts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    bbox: tuple[float, float, float, float] | None = None
    limit: int = MAX_LIMIT
    offset: int = 0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "ids", filter_values(self.ids))
        set_(self, "service_codes", filter_values(self.service_codes))
        for name in ("ids", "service_codes", "statuses"):
            for value in filter_values(getattr(self, name)) or ():
                check_text(value, name)
        for key, values in dict(self.districts).items():
            for value in (key, *(filter_values(values) or ())):
                check_text(value, "districts")
        statuses = filter_values(self.statuses)
        if statuses is not None:
            statuses = tuple(s.strip().lower() for s in statuses)
            unknown = [s for s in statuses if s not in STATUSES]
            if unknown:
                raise InputError(f"status {', '.join(map(repr, unknown))}: use one of "
                                 f"{', '.join(STATUSES)}", field="status")
        set_(self, "statuses", statuses)
        for name in ("start", "end", "updated_start", "updated_end"):
            set_(self, name, _bound(getattr(self, name), name))
        set_(self, "districts", {str(k).strip(): filter_values(v) or ()
                                 for k, v in dict(self.districts).items()})
        if self.bbox is not None:
            set_(self, "bbox", parse_bbox(self.bbox))
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or not (
                1 <= self.limit <= MAX_LIMIT):
            raise InputError(f"limit {self.limit!r}: give 1 to {MAX_LIMIT}", field="limit")
        if isinstance(self.offset, bool) or not isinstance(self.offset, int) or self.offset < 0:
            raise InputError(f"offset {self.offset!r}: give 0 or more", field="offset")


@dataclass(frozen=True)
class StatusUpdate:
    """One status history row (FixMyStreet ``servicerequestupdates``)."""

    update_id: str
    service_request_id: str
    status: str
    updated_datetime: datetime
    description: str | None
    actor: str
    media_url: str | None = None

    def public_values(self) -> dict[str, Any]:
        """The fields of :meth:`public` as stored (times as aware datetimes)."""
        values = {name: getattr(self, "lon" if name == "long" else name) for name in _PUBLIC}
        values["districts"] = dict(self.districts)
        return values

    def public(self) -> dict[str, Any]:
        """The update with its time in ISO 8601 (the actor is staff-only, left out)."""
        return {"update_id": self.update_id, "service_request_id": self.service_request_id,
                "status": self.status, "updated_datetime": self.updated_datetime.isoformat(),
                "description": self.description, "media_url": self.media_url}


@dataclass(frozen=True)
class StatusChange:
    """What :meth:`Store.change_status` did: the request as it now is, the id of its
    status history row (the ``update_id`` of ``servicerequestupdates``), and whether that
    row is new (False: a retried client ``update_id``, recorded before)."""

    request: StoredRequest
    update_id: str
    recorded: bool = True


@dataclass(frozen=True)
class ApiKeyInfo:
    """A verified API key: its public id, name and whether it is a staff key."""

    key_id: str
    name: str
    staff: bool
