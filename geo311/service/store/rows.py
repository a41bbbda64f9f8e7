"""Request rows in and out: a :class:`NewRequest` as table rows, stored rows as
:class:`StoredRequest` (children read in one query per table for a whole page)."""

from __future__ import annotations

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
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY

from geo311.service.records import CONTACT_FIELDS, Contact, NewRequest, StoredRequest
from geo311.service.store.models import (
    Request,
    RequestAttribute,
    RequestDistrict,
    RequestMedia,
    StatusHistory,
)

__all__ = ["ID_BYTES", "child_rows", "new_id", "public_columns", "public_rows", "request_row",
           "stored_requests"]

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


def _media(connection: Connection, pks: Sequence[int]) -> dict[int, str]:
    """The first media URL of each of the requests ``pks`` that has one, in one query."""
    media: dict[int, str] = {}
    if not pks:
        return media
    for pk, url in connection.execute(
            select(MEDIA.c.request_pk, MEDIA.c.url)
            .where(_among(connection, MEDIA.c.request_pk, pks))
            .order_by(MEDIA.c.pk)):
        media.setdefault(pk, url)
    return media


_FIELDS = ("service_code", "service_name", "lon", "lat", "address", "address_id", "zipcode",
           "description", "status", "requested_datetime", "service_notice", "source",
           "external_id", "agency_responsible", "closed_datetime", "service_request_id",
           "token", "updated_datetime", "status_notes", "expected_datetime", "assignee",
           "duplicate_of")


def stored_requests(connection: Connection, rows: Sequence[Row]) -> list[StoredRequest]:
    """The :class:`StoredRequest` of each ``requests`` row, in order."""
    pks = [row.pk for row in rows]
    attributes, media = _attributes(connection, pks), _media(connection, pks)
    answers = []
    for row in rows:
        values = row._mapping
        answers.append(StoredRequest.from_store(
            **{name: values[name] for name in _FIELDS},
            districts=json.loads(values["districts_json"] or "{}"),
            attributes=attributes.get(row.pk, {}),
            media_url=media.get(row.pk),
            contact=Contact(**{name: values[name] for name in CONTACT_FIELDS}),
        ))
    return answers



_TIMES = ("requested_datetime", "updated_datetime", "expected_datetime", "closed_datetime")
_PUBLIC = ("service_request_id", "status", "status_notes", "service_name", "service_code",
           "description", "agency_responsible", "service_notice", *_TIMES, "address",
           "address_id", "zipcode", "lat")


def public_columns(dialect: str, *, extensions: bool = False) -> list[Any]:
    """The columns :func:`public_rows` reads: the public fields (no contact, token or staff
    field) and with ``extensions`` the districts and ``duplicate_of``. SQLite times come as
    text (parsed by ``fromisoformat``, faster than the driver's regular expression)."""
    columns: list[Any] = [T.c.pk]
    for name in _PUBLIC:
        column = T.c[name]
        if dialect == "sqlite" and name in _TIMES:
            column = type_coerce(column, String).label(name)
        columns.append(column)
    columns.append(T.c.lon.label("long"))
    if extensions:
        columns += [T.c.districts_json, T.c.duplicate_of]
    return columns


def _utc(text: str | None) -> datetime | None:
    """A SQLite UTC time text as an aware datetime (``replace(tzinfo=...)`` is 4x slower)."""
    return None if text is None else datetime.fromisoformat(text + "+00:00")


def public_rows(connection: Connection, statement: Select, *,
                extensions: bool = False) -> list[dict[str, Any]]:
    """The rows of ``statement`` (a select of :func:`public_columns`) as the values of
    :meth:`StoredRequest.public_values`; without ``extensions`` less ``districts`` and
    ``duplicate_of``, with them plus ``attributes`` (``{code: [values]}``). The media URLs
    (and attributes) of the whole page come in one query each (a correlated subquery per
    row made SQLite scan the media table in key order)."""
    result = connection.execute(statement)
    names = list(result.keys())[1:]
    rows = result.all()
    times = ([names.index(name) for name in _TIMES]
             if connection.dialect.name == "sqlite" else [])
    pks = [row[0] for row in rows]
    media = _media(connection, pks)
    found = _attributes(connection, pks) if extensions else None
    answers = []
    for row in rows:
        values = list(row[1:])
        for i in times:
            values[i] = _utc(values[i])
        answer = dict(zip(names, values, strict=True))
        answer["media_url"] = media.get(row[0])
        if found is not None:
            answer["districts"] = json.loads(answer.pop("districts_json") or "{}")
            answer["attributes"] = found.get(row[0], {})
        answers.append(answer)
    return answers
