"""The learned reference in the store: learned address points and aliases, and refusals.

Each row keeps its provenance (``source``: where it was learned, ``actor``: who,
``learned_at``: when, ``request_id``: the request it came with). :func:`record` writes the
verdicts of one action in one transaction; :func:`learned_rows` reads them back in ``pk``
order, those after a given ``pk`` only: a worker that applied every row up to ``pk``
polls for the rows other workers learned since (one indexed range read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from geo311.address.learned import LearnedAlias, LearnedPoint, Verdict
from geo311.errors import InputError
from geo311.service.records import check_text, utc_now
from geo311.service.store.models import LearnedAddress

__all__ = ["STATUSES", "LearnedRow", "learned_rows", "record"]

TABLE = LearnedAddress.__table__
STATUSES = ("learned", "rejected")
_POINT_FIELDS = ("predir", "name", "suffix", "postdir", "number", "number_suffix", "unit")


@dataclass(frozen=True)
class LearnedRow:
    """One stored verdict: what was learned (None for a refusal), why not, and where from."""

    pk: int
    kind: str
    status: str
    reason: str | None
    address: str | None
    said: str | None
    learned: LearnedPoint | LearnedAlias | None
    source: str
    actor: str
    request_id: str | None
    learned_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the time in ISO 8601, a point's lon/lat, an alias's names)."""
        out: dict[str, Any] = {
            "id": self.pk, "kind": self.kind, "status": self.status, "reason": self.reason,
            "address": self.address, "said": self.said, "source": self.source,
            "actor": self.actor, "request_id": self.request_id,
            "learned_at": self.learned_at.isoformat()}
        if isinstance(self.learned, LearnedPoint):
            out.update(lon=self.learned.lon, lat=self.learned.lat, zip=self.learned.zip or None)
        elif isinstance(self.learned, LearnedAlias):
            out["alias_of"] = " ".join(p for p in (self.learned.name, self.learned.suffix) if p)
        return out


def _text(value: Any, name: str, *, required: bool = False) -> str | None:
    text = (str(value).strip() or None) if value is not None else None
    if required and text is None:
        raise InputError(f"learning needs a {name}", field=name)
    return check_text(text, name)


def _row(kind: str, verdict: Verdict, said: str | None, source: str, actor: str,
         request_id: str | None, at: datetime) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": kind, "status": "learned" if verdict.accepted else "rejected",
        "reason": verdict.reason, "address": verdict.address, "said": said, "source": source,
        "actor": actor, "request_id": request_id, "learned_at": at,
        **dict.fromkeys(_POINT_FIELDS + ("zipcode", "lon", "lat", "alias_name",
                                         "alias_suffix"))}
    found = verdict.learned
    if isinstance(found, LearnedPoint):
        row.update({name: getattr(found, name) for name in _POINT_FIELDS},
                   zipcode=found.zip or None, lon=found.lon, lat=found.lat)
    elif isinstance(found, LearnedAlias):
        row.update(name=found.name, suffix=found.suffix, alias_name=found.alias_name,
                   alias_suffix=found.alias_suffix)
    return row


def record(store, verdicts: list[tuple[str, Verdict, str | None]], *, source: str,
           actor: str, request_id: str | None = None,
           at: datetime | None = None) -> list[LearnedRow]:
    """Store ``verdicts`` (each ``(kind, verdict, caller's words)``, kind ``point`` or
    ``alias``) learned by ``actor`` from ``source``; return the rows as stored.

    Raises
    ------
    InputError
        If ``source`` or ``actor`` is blank, or a text holds a NUL character.
    """
    source = _text(source, "source", required=True)
    actor = _text(actor, "actor", required=True)
    request_id = _text(request_id, "request_id")
    at = at or utc_now()
    rows = []
    for kind, verdict, said in verdicts:
        if kind not in ("point", "alias"):
            raise InputError(f"unknown kind {kind!r} (point or alias)", field="kind")
        rows.append(_row(kind, verdict, _text(said, "said"), source, actor, request_id, at))
    if not rows:
        return []
    with store.engines.write.begin() as connection:
        pks = [connection.execute(insert(TABLE).returning(TABLE.c.pk), row).scalar_one()
               for row in rows]
    return [_stored(pk, row) for pk, row in zip(pks, rows, strict=True)]


def learned_rows(store, *, after: int = 0, status: str | None = "learned",
                 limit: int | None = None) -> list[LearnedRow]:
    """Stored rows with ``pk`` above ``after``, oldest first: those of ``status`` (None:
    learned and rejected), at most ``limit``."""
    if status is not None and status not in STATUSES:
        raise InputError(f"unknown status {status!r} (learned or rejected)", field="status")
    statement = select(TABLE).where(TABLE.c.pk > int(after)).order_by(TABLE.c.pk)
    if status is not None:
        statement = statement.where(TABLE.c.status == status)
    if limit is not None:
        statement = statement.limit(int(limit))
    with store.engines.read.connect() as connection:
        rows = connection.execute(statement).mappings().all()
    return [_stored(row["pk"], row) for row in rows]


def _stored(pk: int, row: Any) -> LearnedRow:
    learned: LearnedPoint | LearnedAlias | None = None
    if row["status"] == "learned" and row["kind"] == "point":
        learned = LearnedPoint(row["predir"], row["name"], row["suffix"], row["postdir"],
                               int(row["number"]), row["number_suffix"] or "",
                               row["unit"] or "", row["zipcode"] or "", float(row["lon"]),
                               float(row["lat"]))
    elif row["status"] == "learned" and row["kind"] == "alias":
        learned = LearnedAlias(row["alias_name"], row["alias_suffix"], row["name"],
                               row["suffix"])
    at = row["learned_at"]
    return LearnedRow(int(pk), row["kind"], row["status"], row["reason"], row["address"],
                      row["said"], learned, row["source"], row["actor"], row["request_id"],
                      at)
