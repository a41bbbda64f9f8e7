"""Request rows in and out: a :class:`NewRequest` as table rows, stored rows as
:class:`StoredRequest` (children read in one query per table for a whole page)."""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from geo311.service.records import CONTACT_FIELDS, Contact, NewRequest, StoredRequest
from geo311.service.store.models import (
    Request,
    RequestAttribute,
    RequestDistrict,
    RequestMedia,
    StatusHistory,
)

__all__ = ["ID_BYTES", "PUBLIC_COLUMNS", "child_rows", "new_id", "public_rows", "request_row",
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


def _attributes(connection: Connection, pks: Sequence[int]) -> dict[int, dict[str, list[str]]]:
    """The attributes (code: values in order) of the requests ``pks``, in one query."""
    attributes: dict[int, dict[str, list[str]]] = defaultdict(dict)
    if not pks:
        return attributes
    for pk, code, value in connection.execute(
            select(ATTRIBUTES.c.request_pk, ATTRIBUTES.c.code, ATTRIBUTES.c.value)
            .where(ATTRIBUTES.c.request_pk.in_(pks))
            .order_by(ATTRIBUTES.c.request_pk, ATTRIBUTES.c.code, ATTRIBUTES.c.position)):
        attributes[pk].setdefault(code, []).append(value)
    return attributes


def _media(connection: Connection, pks: Sequence[int]) -> dict[int, str]:
    """The first media URL of each of the requests ``pks`` that has one, in one query."""
    media: dict[int, str] = {}
    if not pks:
        return media
    for pk, url in connection.execute(
            select(MEDIA.c.request_pk, MEDIA.c.url).where(MEDIA.c.request_pk.in_(pks))
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


PUBLIC_COLUMNS = (
    T.c.pk, T.c.service_request_id, T.c.status, T.c.status_notes, T.c.service_name,
    T.c.service_code, T.c.description, T.c.agency_responsible, T.c.service_notice,
    T.c.requested_datetime, T.c.updated_datetime, T.c.expected_datetime, T.c.closed_datetime,
    T.c.address, T.c.address_id, T.c.zipcode, T.c.lat, T.c.lon.label("long"),
    T.c.districts_json, T.c.duplicate_of)
"""The ``requests`` columns :func:`public_rows` reads (no contact, token or staff field)."""


def public_rows(connection: Connection, rows: Sequence[Row], *,
                attributes: bool = False) -> list[dict[str, Any]]:
    """Each row of :data:`PUBLIC_COLUMNS` as the values of :meth:`StoredRequest.public_values`
    (plus ``attributes``, ``{code: [values]}``, when asked), in order.

    The media URLs (and the attributes) of the whole page come in one query each.
    """
    pks = [row[0] for row in rows]
    media = _media(connection, pks)
    found = _attributes(connection, pks) if attributes else None
    names = [column.name for column in PUBLIC_COLUMNS[1:]]
    answers = []
    for row in rows:
        values = dict(zip(names, row[1:], strict=True))
        values["districts"] = json.loads(values.pop("districts_json") or "{}")
        values["media_url"] = media.get(row[0])
        if found is not None:
            values["attributes"] = found.get(row[0], {})
        answers.append(values)
    return answers
