"""Request rows in and out: a :class:`NewRequest` as table rows, stored rows as
:class:`StoredRequest` (children read in one query per table for a whole page)."""

from __future__ import annotations

import functools
import json
import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Row,
    Select,
    String,
    any_,
    bindparam,
    func,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY

from geo311.service.records import (
    CONTACT_FIELDS,
    Contact,
    NewRequest,
    PublicRequest,
    StoredRequest,
)
from geo311.service.store.models import (
    Request,
    RequestAttribute,
    RequestDistrict,
    RequestMedia,
    StatusHistory,
)

__all__ = ["ID_BYTES", "child_rows", "new_id", "public_columns", "public_requests", "public_rows",
           "request_row", "stored_requests"]

ID_BYTES = 16
"""Random bytes of a request id and of a token (128 bits)."""

T = Request.__table__
DISTRICTS = RequestDistrict.__table__
ATTRIBUTES = RequestAttribute.__table__
MEDIA = RequestMedia.__table__
HISTORY = StatusHistory.__table__


def new_id() -> str:
    """A random URL-safe id of :data:`ID_BYTES` bytes (22 characters), from ``secrets``."""
    return secrets.token_urlsafe(ID_BYTES)


def request_row(new: NewRequest, service_request_id: str, token: str,
                updated: datetime) -> dict[str, Any]:
    """The ``requests`` row of ``new``."""
    row = {name: getattr(new, name) for name in (
        "service_code", "service_name", "lon", "lat", "address", "address_id", "zipcode",
        "description", "status", "requested_datetime", "service_notice", "source",
        "external_id", "agency_responsible", "closed_datetime")}
    row.update(new.contact.as_dict())
    row["districts_json"] = json.dumps(new.districts, sort_keys=True)
    row["media_url"] = new.media_url
    row.update(service_request_id=service_request_id, token=token, updated_datetime=updated,
               status_notes=None, expected_datetime=None, assignee=None, duplicate_of=None)
    return row


def child_rows(pk: int, new: NewRequest, actor: str,
               updated: datetime) -> dict[Any, list[dict[str, Any]]]:
    """The rows of ``new`` in the child tables (districts, attributes, media, history:
    its creation, and its closing at ``updated`` when it comes closed)."""
    history = [{"request_pk": pk, "at": new.requested_datetime, "actor": actor,
                "from_status": None, "to_status": "open", "note": None}]
    if new.status == "closed":
        history.append({"request_pk": pk, "at": updated, "actor": actor,
                        "from_status": "open", "to_status": "closed", "note": None})
    return {
        DISTRICTS: [{"request_pk": pk, "layer": k, "district": v,
                     "requested_datetime": new.requested_datetime}
                    for k, v in new.districts.items()],
        ATTRIBUTES: [{"request_pk": pk, "code": code, "value": value, "position": i}
                     for code, values in new.attributes.items()
                     for i, value in enumerate(values)],
        MEDIA: [{"request_pk": pk, "url": new.media_url}] if new.media_url else [],
        HISTORY: history,
    }


def _among(connection: Connection, column: Any, pks: Sequence[int]) -> Any:
    """``column IN pks``; on PostgreSQL ``column = ANY(:array)``: one parameter, so the
    statement text (parsed and prepared once) does not change with the page's size."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam("pks", list(pks), type_=ARRAY(BigInteger)))
    return column.in_(pks)


def _attributes(connection: Connection, pks: Sequence[int]) -> dict[int, dict[str, list[str]]]:
    """The attributes (code: values in order) of the requests ``pks``, in one query."""
    attributes: dict[int, dict[str, list[str]]] = defaultdict(dict)
    if not pks:
        return attributes
    for pk, code, value in connection.execute(
            select(ATTRIBUTES.c.request_pk, ATTRIBUTES.c.code, ATTRIBUTES.c.value)
            .where(_among(connection, ATTRIBUTES.c.request_pk, pks))
            .order_by(ATTRIBUTES.c.request_pk, ATTRIBUTES.c.code, ATTRIBUTES.c.position)):
        attributes[pk].setdefault(code, []).append(value)
    return attributes


_FIELDS = ("service_code", "service_name", "lon", "lat", "address", "address_id", "zipcode",
           "description", "status", "requested_datetime", "service_notice", "source",
           "external_id", "agency_responsible", "closed_datetime", "service_request_id",
           "token", "updated_datetime", "status_notes", "expected_datetime", "assignee",
           "duplicate_of")


def stored_requests(connection: Connection, rows: Sequence[Row]) -> list[StoredRequest]:
    """The :class:`StoredRequest` of each ``requests`` row, in order."""
    attributes = _attributes(connection, [row.pk for row in rows])
    answers = []
    for row in rows:
        values = row._mapping
        answers.append(StoredRequest.from_store(
            **{name: values[name] for name in _FIELDS},
            districts=json.loads(values["districts_json"] or "{}"),
            attributes=attributes.get(row.pk, {}),
            media_url=values["media_url"],
            contact=Contact(**{name: values[name] for name in CONTACT_FIELDS}),
        ))
    return answers



_LEAN = ("service_request_id", "status", "service_code", "requested_datetime",
         "updated_datetime", "service_name", "status_notes", "description",
         "agency_responsible", "service_notice", "expected_datetime", "closed_datetime",
         "address", "address_id", "zipcode", "lon", "lat", "media_url", "duplicate_of")
_PUBLIC_BY_PK = select(T.c.pk, *(T.c[name] for name in _LEAN), T.c.districts_json).where(
    T.c.pk.in_(bindparam("pks", expanding=True)))


def public_requests(connection: Connection, pks: Sequence[int]) -> dict[int, PublicRequest]:
    """The :class:`PublicRequest` of each of the requests ``pks`` (by pk), in one query of
    the public columns (no contact, attribute or media query)."""
    if not pks:
        return {}
    found = {}
    for row in connection.execute(_PUBLIC_BY_PK, {"pks": list(pks)}):
        found[row[0]] = PublicRequest(**dict(zip(_LEAN, row[1:-1], strict=True)),
                                      districts=json.loads(row[-1] or "{}"))
    return found


_TIMES = ("requested_datetime", "updated_datetime", "expected_datetime")
_GEOREPORT = ("service_request_id", "status", "status_notes", "service_name", "service_code",
              "description", "agency_responsible", "service_notice", *_TIMES, "address",
              "address_id", "zipcode", "lat", "long", "media_url")
"""The fields of a GeoReport v2 ``request``, in the spec's order."""


def _w3c_utc(dialect: str, column: Any) -> Any:
    """``column`` (a time) as W3C text in UTC to the second, ``2025-03-01T08:15:30+00:00``,
    written by the database (SQLite keeps ``YYYY-MM-DD HH:MM:SS.ffffff`` UTC text)."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"',
                            type_=String)
    text = type_coerce(column, String)
    return (func.substr(text, 1, 10, type_=String) + "T"
            + func.substr(text, 12, 8, type_=String) + "+00:00")


@functools.cache
def public_columns(dialect: str, *, extensions: bool = False) -> tuple[Any, ...]:
    """The columns :func:`public_rows` reads: the GeoReport fields (no contact, token or
    staff field; times as text, see :func:`public_rows`) and with ``extensions`` the
    districts and ``duplicate_of`` (built once per dialect and kind)."""
    columns: list[Any] = [T.c.pk]
    for name in _GEOREPORT:
        if name in _TIMES:
            columns.append(_w3c_utc(dialect, T.c[name]).label(name))
        else:
            columns.append(T.c.lon.label(name) if name == "long" else T.c[name])
    if extensions:
        columns += [T.c.districts_json, T.c.duplicate_of]
    return tuple(columns)


def public_rows(connection: Connection, statement: Select, *,
                extensions: bool = False) -> list[dict[str, Any]]:
    """The rows of ``statement`` (a select of :func:`public_columns`) as GeoReport v2
    ``request`` values: the public fields in the spec's order, times as W3C text in UTC to
    the second (``2025-03-01T08:15:30+00:00``, as the database writes it); with
    ``extensions`` then ``attributes`` (``{code: [values]}``, the page's in one more
    query), ``districts`` and ``duplicate_of``. Rows go straight to dicts: no ORM object,
    no contact read, no query per row."""
    result = connection.execute(statement)
    rows = result.all()
    if not extensions:
        return [dict(zip(_GEOREPORT, row[1:], strict=True)) for row in rows]
    found = _attributes(connection, [row[0] for row in rows])
    answers = []
    for row in rows:
        answer = dict(zip(_GEOREPORT, row[1:-2], strict=True))
        answer["attributes"] = found.get(row[0], {})
        answer["districts"] = json.loads(row[-2] or "{}")
        answer["duplicate_of"] = row[-1]
        answers.append(answer)
    return answers
