"""The request store: create, read, query and change service requests.

Every method runs in its own transaction and commits before it returns (a
request is on disk before it is acknowledged). Staff actions write a status
history row and an audit row in the same transaction.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Select,
    String,
    and_,
    bindparam,
    func,
    insert,
    select,
    type_coerce,
    update,
)

from geo311.errors import InputError, NotFoundError
from geo311.service.records import (
    MAX_LIMIT,
    STATUSES,
    ApiKeyInfo,
    NewRequest,
    PublicRequest,
    RequestQuery,
    StatusChange,
    StatusUpdate,
    StoredRequest,
    aware_utc,
    check_text,
    utc_now,
)
from geo311.service.store import keys
from geo311.service.store.engine import Engines, connect, migrate
from geo311.service.store.models import (
    AuditEntry,
    Note,
    Request,
    RequestDistrict,
    UTCDateTime,
)
from geo311.service.store.rows import (
    ATTRIBUTES,
    HISTORY,
    MEDIA,
    child_rows,
    new_id,
    public_columns,
    public_requests,
    public_rows,
    request_row,
    stored_requests,
)
from geo311.service.store.spatial import (
    box_condition,
    box_parameters,
    check_point,
    haversine_m,
    radius_box,
)

__all__ = ["Store", "open_store"]

T = Request.__table__
DISTRICTS = RequestDistrict.__table__
NOTES = Note.__table__
AUDIT = AuditEntry.__table__
FIRST_DISTRICT = DISTRICTS.alias("first_district")  # built once: an alias copies its columns


_INSERT_REQUESTS = insert(T).returning(T.c.service_request_id, T.c.pk)  # statements built once
_INSERTS = {table: insert(table) for table in (DISTRICTS, ATTRIBUTES, MEDIA, HISTORY)}

LIVE_SOURCES = ("api", "open311")
STORED_FIELDS = ("service_request_id", "token", "updated_datetime", "status_notes",
                 "expected_datetime", "assignee", "duplicate_of")


def open_store(url: str | None = None) -> Store:
    """Open (and migrate to the latest schema) the store at ``url``.

    ``None``: the SQLite file ``$GEO311_DB`` or ``./var/geo311.sqlite``;
    ``sqlite:///path`` or a plain path; ``postgresql://user@host:port/db``.

    Raises
    ------
    InputError
        If the URL is malformed or the database cannot be reached or migrated.
    """
    engines = connect(url)
    migrate(engines)
    return Store(engines)


def _limit(limit: int, name: str = "limit") -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"{name} {limit!r}: give 1 to {MAX_LIMIT}", field=name)
    return limit


def _optional_text(value: str | None, name: str, limit: int) -> str | None:
    """Stripped text (None when absent or blank); InputError when too long or with a NUL."""
    text = (str(value).strip() or None) if value is not None else None
    if text is not None and len(text) > limit:
        raise InputError(f"{name} is longer than {limit} characters", field=name)
    return check_text(text, name)


def _actor(actor: str) -> str:
    actor = check_text(str(actor or "").strip(), "actor")
    if not actor:
        raise InputError("a staff action needs an actor", field="actor")
    return actor


class Store:
    """The request store on one database (use :func:`open_store`)."""

    def __init__(self, engines: Engines) -> None:
        self.engines = engines
        self.dialect = engines.dialect
        self._key_cache: dict[bytes, str] = {}
        self._nearby: dict[tuple[bool, bool], Select] = {}

    def close(self) -> None:
        """Release the database connections."""
        self.engines.dispose()

    # -- writing requests ---------------------------------------------------------------

    def _insert(self, connection: Connection, news: list[NewRequest],
                actor: str | None) -> list[StoredRequest]:
        """Insert ``news`` (one statement per table); ``actor`` None: each one's source."""
        now = utc_now()
        rows = [request_row(new, new_id(), new_id(), new.closed_datetime or (
            now if new.source in LIVE_SOURCES else new.requested_datetime)) for new in news]
        # one batched INSERT ... RETURNING (in any order: matched back by id), no SELECT
        pks = dict(connection.execute(_INSERT_REQUESTS, rows).all())
        children: dict[Any, list[dict[str, Any]]] = {}
        for new, row in zip(news, rows, strict=True):
            pk = pks[row["service_request_id"]]
            for table, table_rows in child_rows(pk, new, actor or new.source,
                                                row["updated_datetime"]).items():
                children.setdefault(table, []).extend(table_rows)
        for table, table_rows in children.items():
            if table_rows:
                connection.execute(_INSERTS[table], table_rows)
        return [StoredRequest.from_store(**new.__dict__, **{k: row[k] for k in STORED_FIELDS})
                for new, row in zip(news, rows, strict=True)]

    def create_request(self, new: NewRequest) -> StoredRequest:
        """Store ``new`` and return it with its random id and token (committed on return)."""
        with self.engines.write.begin() as connection:
            return self._insert(connection, [new], None)[0]

    def insert_many(self, requests: list[NewRequest], actor: str) -> list[StoredRequest]:
        """Store ``requests`` in one transaction (all or none) and return them."""
        if not requests:
            return []
        with self.engines.write.begin() as connection:
            return self._insert(connection, list(requests), actor)

    # -- reading requests ---------------------------------------------------------------

    def _one(self, condition) -> StoredRequest | None:
        """The request matching ``condition`` on an id or token (text without NUL)."""
        with self.engines.read.connect() as connection:
            rows = connection.execute(select(T).where(condition)).all()
            return stored_requests(connection, rows)[0] if rows else None

    def get_request(self, request_id: str) -> StoredRequest | None:
        """The request ``request_id``, or None."""
        if "\x00" in str(request_id):  # no id holds one (they are URL-safe)
            return None
        return self._one(T.c.service_request_id == str(request_id))

    def get_by_token(self, token: str) -> StoredRequest | None:
        """The request whose token is ``token``, or None."""
        if "\x00" in str(token):
            return None
        return self._one(T.c.token == str(token))

    def _selection(self, query: RequestQuery, *columns):
        """``SELECT columns`` of the requests ``query`` selects, and its newest-first order.

        With a district filter the first layer is joined: its rows carry the request
        time, so one district in a date window is one index range read in order.
        """
        conditions, source = [], T
        newest = (T.c.requested_datetime.desc(), T.c.pk.desc())
        times = T.c.requested_datetime
        layers = list(query.districts.items())
        if layers:
            layer, ids = layers[0]
            first = FIRST_DISTRICT
            source = T.join(first, and_(first.c.request_pk == T.c.pk, first.c.layer == layer,
                                        first.c.district.in_(ids)))
            newest = (first.c.requested_datetime.desc(), first.c.request_pk.desc())
            times = first.c.requested_datetime
        for layer, ids in layers[1:]:
            conditions.append(T.c.pk.in_(
                select(DISTRICTS.c.request_pk).where(DISTRICTS.c.layer == layer,
                                                     DISTRICTS.c.district.in_(ids))))
        if query.ids:
            conditions.append(T.c.service_request_id.in_(query.ids))
        if query.service_codes:
            conditions.append(T.c.service_code.in_(query.service_codes))
        if query.statuses:
            conditions.append(T.c.status.in_(query.statuses))
        for column, start, end in ((times, query.start, query.end),
                                   (T.c.updated_datetime, query.updated_start,
                                    query.updated_end)):
            if start is not None:
                conditions.append(column >= start)
            if end is not None:
                conditions.append(column < end)
        if query.bbox is not None:
            conditions.append(box_condition(self.dialect, query.bbox))
        return select(*columns).select_from(source).where(*conditions), newest

    def list_requests(self, query: RequestQuery) -> list[StoredRequest]:
        """The requests ``query`` selects, newest first (at most ``query.limit``)."""
        statement, newest = self._selection(query, T)
        statement = statement.order_by(*newest).limit(query.limit).offset(query.offset)
        with self.engines.read.connect() as connection:
            return stored_requests(connection, connection.execute(statement).all())

    def list_public(self, query: RequestQuery, *,
                    extensions: bool = False) -> list[dict[str, Any]]:
        """What :meth:`list_requests` selects, as GeoReport v2 ``request`` values: the
        public fields in the spec's order, times as W3C text in UTC to the second; with
        ``extensions`` also ``attributes`` (``{code: [values]}``), ``districts`` and
        ``duplicate_of`` (see :func:`~geo311.service.store.rows.public_rows`).

        The lean read path of the public ``GET requests``: one select of the public
        columns (the first media URL is a column), the times written by the database,
        rows straight to dicts, no contact read; the attributes of a page come in one
        more query, only with ``extensions``.
        """
        statement, newest = self._selection(
            query, *public_columns(self.dialect, extensions=extensions))
        statement = statement.order_by(*newest).limit(query.limit).offset(query.offset)
        with self.engines.read.connect() as connection:
            return public_rows(connection, statement, extensions=extensions)

    def request_frame(self, query: RequestQuery, columns: Sequence[str], *,
                      max_rows: int) -> pd.DataFrame:
        """The ``requests`` columns ``columns`` of every request ``query`` selects (its
        limit and offset ignored), newest first, in one streaming select; times as
        ``datetime64[ns, UTC]`` (SQLite's UTC text parsed by pandas in one pass).

        At most ``max_rows + 1`` rows are read, so a caller sees that more than
        ``max_rows`` match.

        Raises
        ------
        InputError
            For a name that is not a column of ``requests``.
        """
        unknown = [name for name in columns if name not in T.c]
        if unknown:
            raise InputError(f"no request column {', '.join(map(repr, unknown))}",
                             field="columns")
        times = [name for name in columns if isinstance(T.c[name].type, UTCDateTime)]
        selected = [type_coerce(T.c[name], String).label(name)
                    if name in times and self.dialect == "sqlite" else T.c[name]
                    for name in columns]
        statement, newest = self._selection(query, *selected)
        statement = statement.order_by(*newest).limit(max_rows + 1)
        # PostgreSQL streams through a server-side cursor, which needs a transaction (its
        # read engine runs in autocommit); on SQLite the write engine would lock writers
        engine = self.engines.write if self.dialect == "postgresql" else self.engines.read
        with engine.connect() as connection:
            result = connection.execution_options(yield_per=10_000).execute(statement)
            frame = pd.DataFrame([tuple(row) for row in result], columns=list(columns))
        for name in times:
            frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601")
        return frame

    def count_requests(self, query: RequestQuery | None = None) -> int:
        """How many requests ``query`` selects, ignoring its limit (default: all)."""
        statement, _ = self._selection(query or RequestQuery(), func.count())
        with self.engines.read.connect() as connection:
            return connection.execute(statement).scalar_one()

    def nearby_open(self, lon: float, lat: float, radius_m: float, *,
                    service_code: str | None = None, since: datetime | None = None,
                    limit: int = 20) -> list[tuple[PublicRequest, float]]:
        """Open requests within ``radius_m`` metres (great circle) of (lon, lat), nearest
        first (the lower key at equal distance), each with its distance in metres.

        ``service_code`` keeps one service; ``since`` keeps requests made at or after it.
        The requests are :class:`PublicRequest` values (public fields only): one indexed
        query of the candidates' points, one of the public columns of those kept.

        Raises
        ------
        InputError
            On coordinates out of range, a radius that is not a positive number, a
            naive ``since`` or a limit outside 1..1000.
        """
        lon, lat = check_point(lon, lat)
        try:
            radius = float(radius_m)
        except (TypeError, ValueError):
            radius = math.nan
        if not math.isfinite(radius) or radius <= 0:
            raise InputError(f"radius_m {radius_m!r}: give a positive number of metres",
                             field="radius_m")
        limit = _limit(limit)
        params: dict[str, Any] = box_parameters(radius_box(lon, lat, radius))
        if service_code is not None:
            params["service_code"] = check_text(str(service_code), "service_code")
        if since is not None:
            params["since"] = aware_utc(since, "since")
        statement = self._nearby_statement(service_code is not None, since is not None)
        with self.engines.read.connect() as connection:
            candidates = connection.execute(statement, params).all()
            if not candidates:
                return []
            pks = np.array([c[0] for c in candidates])
            distance = haversine_m(lon, lat, np.array([c[1] for c in candidates]),
                                   np.array([c[2] for c in candidates]))
            inside = np.flatnonzero(distance <= radius)
            order = inside[np.lexsort((pks[inside], distance[inside]))][:limit]
            found = public_requests(connection, pks[order].tolist())
        return [(found[int(pks[i])], float(distance[i])) for i in order]

    def _nearby_statement(self, by_service: bool, by_time: bool) -> Select:
        """The candidates' ``pk, lon, lat`` of :meth:`nearby_open` (built once per shape:
        the box, service and time come as parameters)."""
        key = (by_service, by_time)
        statement = self._nearby.get(key)
        if statement is None:
            conditions = [T.c.status == "open", box_condition(self.dialect)]
            if by_service:
                conditions.append(T.c.service_code == bindparam("service_code"))
            if by_time:
                conditions.append(T.c.requested_datetime >= bindparam("since"))
            statement = self._nearby[key] = select(T.c.pk, T.c.lon, T.c.lat).where(*conditions)
        return statement

    # -- staff actions --------------------------------------------------------------------

    def _locked(self, connection: Connection, request_id: str):
        statement = select(T).where(T.c.service_request_id == str(request_id))
        if self.dialect == "postgresql":
            statement = statement.with_for_update()
        row = None if "\x00" in str(request_id) else connection.execute(statement).first()
        if row is None:
            raise NotFoundError(f"no request {request_id!r}", request_id=str(request_id))
        return row

    def _audit(self, connection: Connection, actor: str, action: str,
               request_id: str | None, detail: dict[str, Any] | None) -> None:
        connection.execute(insert(AUDIT), {
            "at": utc_now(), "actor": actor, "action": action, "request_id": request_id,
            "detail": None if detail is None else json.dumps(detail, default=str,
                                                             sort_keys=True)})

    def _set_status(self, connection: Connection, row, status: str, actor: str,
                    note: str | None, at: datetime, *, client_update_id: str | None = None,
                    media_url: str | None = None) -> str:
        """Change ``row``'s status (history and audit rows); the history row's id."""
        closed = at if status == "closed" else None
        connection.execute(update(T).where(T.c.pk == row.pk).values(
            status=status, status_notes=note, updated_datetime=at, closed_datetime=closed))
        written = connection.execute(insert(HISTORY).values(
            request_pk=row.pk, at=at, actor=actor, from_status=row.status, to_status=status,
            note=note, client_update_id=client_update_id, media_url=media_url))
        self._audit(connection, actor, "change_status", row.service_request_id,
                    {"from": row.status, "to": status, "note": note,
                     **({} if client_update_id is None else {"update_id": client_update_id})})
        return str(written.inserted_primary_key[0])

    def _close_children(self, connection: Connection, parent: str, actor: str,
                        at: datetime) -> None:
        children = connection.execute(select(T).where(
            T.c.duplicate_of == parent, T.c.status != "closed")).all()
        for child in children:
            self._set_status(connection, child, "closed", actor,
                             f"closed with {parent}, which it duplicates", at)

    def _write(self, request_id: str, action: Callable[[Connection, Any], None]) -> StoredRequest:
        with self.engines.write.begin() as connection:
            action(connection, self._locked(connection, request_id))
            row = connection.execute(select(T).where(
                T.c.service_request_id == str(request_id))).one()
            return stored_requests(connection, [row])[0]

    def change_status(self, request_id: str, status: str, *, actor: str,
                      note: str | None = None, at: datetime | None = None,
                      update_id: str | None = None,
                      media_url: str | None = None) -> StatusChange:
        """Set the status of ``request_id`` (a history row: who, when, from, to, note);
        return the request as it now is and the new history row's id.

        ``update_id`` is the caller's own id of this update (a CRM posting FixMyStreet
        ``servicerequestupdates``): when this request already has a row with it, nothing
        is written and that row's id comes back (``recorded`` False), so a retry is
        recorded once. ``media_url`` is kept with the row. Closing a request closes the
        open requests linked to it as duplicates, each with its own history row.

        Raises
        ------
        NotFoundError
            For an unknown request.
        InputError
            For an unknown status, a naive ``at``, no actor, or a text holding a NUL.
        """
        actor = _actor(actor)
        status = str(status).strip().lower()
        if status not in STATUSES:
            raise InputError(f"status {status!r}: use one of {', '.join(STATUSES)}",
                             field="status")
        when = utc_now() if at is None else aware_utc(at, "at")
        note = check_text((str(note).strip() or None) if note is not None else None, "note")
        update_id = _optional_text(update_id, "update_id", 128)
        media_url = _optional_text(media_url, "media_url", 2000)
        done: dict[str, Any] = {}

        def action(connection: Connection, row) -> None:
            if update_id is not None:
                earlier = connection.execute(select(HISTORY.c.pk).where(
                    HISTORY.c.request_pk == row.pk,
                    HISTORY.c.client_update_id == update_id)).scalar()
                if earlier is not None:
                    done.update(update_id=str(earlier), recorded=False)
                    return
            done["update_id"] = self._set_status(connection, row, status, actor, note, when,
                                                 client_update_id=update_id,
                                                 media_url=media_url)
            if status == "closed":
                self._close_children(connection, row.service_request_id, actor, when)

        request = self._write(request_id, action)
        return StatusChange(request, done["update_id"], done.get("recorded", True))

    def add_note(self, request_id: str, note: str, *, actor: str, public: bool) -> None:
        """Add a note (public: shown with the request; private: staff only)."""
        actor = _actor(actor)
        text = check_text(str(note or "").strip(), "note")
        if not text:
            raise InputError("the note is empty", field="note")

        def action(connection: Connection, row) -> None:
            connection.execute(insert(NOTES), {"request_pk": row.pk, "at": utc_now(),
                                               "actor": actor, "public": bool(public),
                                               "text": text})
            self._audit(connection, actor, "add_note", row.service_request_id,
                        {"public": bool(public)})

        self._write(request_id, action)

    def notes(self, request_id: str, *, public_only: bool = True) -> list[dict[str, Any]]:
        """The notes of ``request_id``, oldest first: ``{at, actor, public, text}``
        (the actor only for staff, ``public_only=False``)."""
        if "\x00" in str(request_id):  # no id holds one
            return []
        statement = (select(NOTES.c.at, NOTES.c.actor, NOTES.c.public, NOTES.c.text)
                     .join(T, T.c.pk == NOTES.c.request_pk)
                     .where(T.c.service_request_id == str(request_id))
                     .order_by(NOTES.c.pk))
        if public_only:
            statement = statement.where(NOTES.c.public.is_(True))
        with self.engines.read.connect() as connection:
            rows = connection.execute(statement).all()
        return [{"at": r.at.isoformat(), "public": r.public, "text": r.text,
                 **({} if public_only else {"actor": r.actor})} for r in rows]

    def assign(self, request_id: str, assignee: str | None, *, actor: str) -> StoredRequest:
        """Assign ``request_id`` to ``assignee`` (None: unassign)."""
        actor = _actor(actor)
        assignee = (str(assignee).strip() or None) if assignee is not None else None
        check_text(assignee, "assignee")

        def action(connection: Connection, row) -> None:
            connection.execute(update(T).where(T.c.pk == row.pk).values(assignee=assignee))
            self._audit(connection, actor, "assign", row.service_request_id,
                        {"from": row.assignee, "to": assignee})

        return self._write(request_id, action)

    def move_location(self, request_id: str, *, lon: float, lat: float, address: str | None,
                      districts: dict[str, str | None], actor: str) -> StoredRequest:
        """Move ``request_id`` to ``(lon, lat)`` with its ``address`` and the ``districts``
        located there (a staff member's confirmed place); the audit row keeps the old one."""
        actor = _actor(actor)
        lon, lat = check_point(lon, lat)
        check_text(address, "address")

        def action(connection: Connection, row) -> None:
            connection.execute(update(T).where(T.c.pk == row.pk).values(
                lon=lon, lat=lat, address=address, updated_datetime=utc_now(),
                districts_json=json.dumps(districts, sort_keys=True)))
            connection.execute(DISTRICTS.delete().where(DISTRICTS.c.request_pk == row.pk))
            if districts:
                connection.execute(insert(DISTRICTS), [
                    {"request_pk": row.pk, "layer": k, "district": v,
                     "requested_datetime": row.requested_datetime}
                    for k, v in districts.items()])
            self._audit(connection, actor, "move_location", row.service_request_id,
                        {"from": [row.lon, row.lat, row.address],
                         "to": [lon, lat, address]})

        return self._write(request_id, action)

    def link_duplicate(self, request_id: str, duplicate_of: str, *,
                       actor: str) -> StoredRequest:
        """Mark ``request_id`` as a duplicate of ``duplicate_of`` (linked to the root of
        its chain); closed at once when that one is closed, and closed with it later.

        Raises
        ------
        NotFoundError
            For an unknown request.
        InputError
            When the link would make a cycle (a request duplicating itself).
        """
        actor = _actor(actor)

        def action(connection: Connection, row) -> None:
            parent = self._locked(connection, duplicate_of)
            while parent.duplicate_of is not None:
                parent = self._locked(connection, parent.duplicate_of)
            if parent.pk == row.pk:
                raise InputError(f"{request_id!r} cannot duplicate {duplicate_of!r}: the link "
                                 "would make a cycle", field="duplicate_of")
            connection.execute(update(T).where(T.c.pk == row.pk).values(
                duplicate_of=parent.service_request_id))
            connection.execute(update(T).where(T.c.duplicate_of == row.service_request_id)
                               .values(duplicate_of=parent.service_request_id))
            self._audit(connection, actor, "link_duplicate", row.service_request_id,
                        {"duplicate_of": parent.service_request_id})
            if parent.status == "closed":
                self._close_children(connection, parent.service_request_id, actor, utc_now())

        return self._write(request_id, action)

    def updates(self, start: datetime | None = None, end: datetime | None = None, *,
                limit: int = 1000) -> list[StatusUpdate]:
        """Status changes (not creations) from ``start`` (inclusive) to ``end``
        (exclusive), oldest first: FixMyStreet ``servicerequestupdates``."""
        limit = _limit(limit)
        conditions = [HISTORY.c.from_status.is_not(None)]
        if start is not None:
            conditions.append(HISTORY.c.at >= aware_utc(start, "start"))
        if end is not None:
            conditions.append(HISTORY.c.at < aware_utc(end, "end"))
        statement = (select(HISTORY, T.c.service_request_id)
                     .join(T, T.c.pk == HISTORY.c.request_pk).where(and_(*conditions))
                     .order_by(HISTORY.c.at, HISTORY.c.pk).limit(limit))
        with self.engines.read.connect() as connection:
            rows = connection.execute(statement).all()
        return [StatusUpdate(str(r.pk), r.service_request_id, r.to_status, r.at, r.note,
                             r.actor, r.media_url) for r in rows]

    def history(self, request_id: str) -> list[dict[str, Any]]:
        """Every status row of ``request_id`` in the order written: who, when, from, to, note."""
        if "\x00" in str(request_id):  # no id holds one
            return []
        statement = (select(HISTORY).join(T, T.c.pk == HISTORY.c.request_pk)
                     .where(T.c.service_request_id == str(request_id))
                     .order_by(HISTORY.c.pk))
        with self.engines.read.connect() as connection:
            rows = connection.execute(statement).all()
        return [{"at": r.at, "actor": r.actor, "from": r.from_status, "to": r.to_status,
                 "note": r.note} for r in rows]

    def audit(self, actor: str, action: str, request_id: str | None = None,
              detail: dict[str, Any] | None = None) -> None:
        """Record a staff action in the audit log."""
        with self.engines.write.begin() as connection:
            self._audit(connection, _actor(actor), check_text(str(action), "action"),
                        check_text(request_id, "request_id"), detail)

    def audit_log(self, *, request_id: str | None = None,
                  limit: int = 1000) -> list[dict[str, Any]]:
        """Audit rows, oldest first (of one request when ``request_id`` is given)."""
        statement = select(AUDIT).order_by(AUDIT.c.pk).limit(_limit(limit))
        if request_id is not None:
            if "\x00" in str(request_id):  # no id holds one
                return []
            statement = statement.where(AUDIT.c.request_id == str(request_id))
        with self.engines.read.connect() as connection:
            rows = connection.execute(statement).all()
        return [{"at": r.at, "actor": r.actor, "action": r.action, "request_id": r.request_id,
                 "detail": None if r.detail is None else json.loads(r.detail)} for r in rows]

    # -- keys and staff -----------------------------------------------------------------

    def create_api_key(self, name: str, *, staff: bool = False, actor: str = "admin") -> str:
        """Create an API key and return it (``<key id>.<secret>``): shown once, only an
        argon2 hash of the secret is stored."""
        with self.engines.write.begin() as connection:
            key, key_id = keys.create_key(connection, name, staff)
            self._audit(connection, _actor(actor), "create_api_key", None,
                        {"key_id": key_id, "name": name, "staff": bool(staff)})
        return key

    def check_api_key(self, key: str) -> ApiKeyInfo | None:
        """The key's id, name and staff flag, or None for an unknown, wrong or revoked key.

        The argon2 check runs once per key and process; later checks of the same key
        compare its SHA-256 with the cached one (and still refuse a revoked key).
        """
        with self.engines.read.connect() as connection:
            return keys.check_key(connection, key, self._key_cache)

    def revoke_api_key(self, key_id: str, *, actor: str) -> None:
        """Revoke the key ``key_id`` (NotFoundError if unknown)."""
        with self.engines.write.begin() as connection:
            keys.revoke_key(connection, key_id)
            self._audit(connection, _actor(actor), "revoke_api_key", None, {"key_id": key_id})

    def create_staff_user(self, username: str, password: str, *, actor: str = "admin") -> None:
        """Create a staff login (argon2 hash of ``password``); InputError if it exists."""
        with self.engines.write.begin() as connection:
            keys.create_user(connection, username, password)
            self._audit(connection, _actor(actor), "create_staff_user", None,
                        {"username": username})

    def check_staff_password(self, username: str, password: str) -> bool:
        """Whether ``password`` is the password of the active staff user ``username``."""
        with self.engines.write.begin() as connection:
            return keys.check_password(connection, username, password)

    # -- imports --------------------------------------------------------------------------

    def import_requests(self, *args: Any, **kwargs: Any):
        """Load a historical export (see :func:`geo311.service.store.importer.import_requests`)."""
        from geo311.service.store.importer import import_requests

        return import_requests(self, *args, **kwargs)
