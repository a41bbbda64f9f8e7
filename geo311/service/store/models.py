"""The tables of the request store (SQLAlchemy 2 declarative models).

The Alembic migrations in ``migrations/versions`` create exactly these tables
(a test compares them); the spatial index is backend-specific and lives only in
the migrations: a PostGIS ``geom`` column with a GiST index kept by a trigger on
PostgreSQL, an R-tree virtual table ``request_rtree`` kept by triggers on SQLite.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["ApiKey", "AuditEntry", "Base", "LearnedAddress", "Note", "Request", "RequestAttribute",
           "RequestDistrict", "RequestMedia", "StaffUser", "StatusHistory", "UTCDateTime"]

# SQLite keeps BIGINT autoincrement keys only as INTEGER PRIMARY KEY
Key = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """An aware datetime stored in UTC (``timestamptz`` on PostgreSQL, UTC text on SQLite).

    Writing a naive datetime is an error; reading always gives an aware UTC datetime.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The declarative base of the store's models."""


class Request(Base):
    """A service request; contact fields are private."""

    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_requests_source_external_id"),
        Index("ix_requests_requested_datetime", "requested_datetime"),
        Index("ix_requests_updated_datetime", "updated_datetime"),
        Index("ix_requests_service_code_requested", "service_code", "requested_datetime"),
        Index("ix_requests_status_requested", "status", "requested_datetime"),
    )

    pk: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=True)
    service_request_id: Mapped[str] = mapped_column(String(64), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(128))
    service_code: Mapped[str] = mapped_column(String(128))
    service_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    status_notes: Mapped[str | None] = mapped_column(Text)
    service_notice: Mapped[str | None] = mapped_column(Text)
    agency_responsible: Mapped[str | None] = mapped_column(Text)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(Text)
    address_id: Mapped[str | None] = mapped_column(String(128))
    zipcode: Mapped[str | None] = mapped_column(String(16))
    districts_json: Mapped[str | None] = mapped_column(Text)  # request_districts, as read
    media_url: Mapped[str | None] = mapped_column(Text)  # its first request_media URL
    requested_datetime: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_datetime: Mapped[datetime] = mapped_column(UTCDateTime)
    expected_datetime: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_datetime: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignee: Mapped[str | None] = mapped_column(String(128))
    duplicate_of: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("requests.service_request_id"), index=True)
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    first_name: Mapped[str | None] = mapped_column(Text)
    last_name: Mapped[str | None] = mapped_column(Text)
    device_id: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[str | None] = mapped_column(Text)


class RequestDistrict(Base):
    """The district of each layer holding a request (located once, at intake or import),
    with the request's time: a district and a date window are one index range."""

    __tablename__ = "request_districts"
    __table_args__ = (Index("ix_request_districts_layer_district_requested", "layer",
                            "district", "requested_datetime", "request_pk"),)

    request_pk: Mapped[int] = mapped_column(
        Key, ForeignKey("requests.pk", ondelete="CASCADE"), primary_key=True)
    layer: Mapped[str] = mapped_column(String(64), primary_key=True)
    district: Mapped[str | None] = mapped_column(String(128))
    requested_datetime: Mapped[datetime] = mapped_column(UTCDateTime)  # the request's, copied


class RequestAttribute(Base):
    """One value of a service attribute (a multivaluelist has several rows)."""

    __tablename__ = "request_attributes"

    pk: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=True)
    request_pk: Mapped[int] = mapped_column(
        Key, ForeignKey("requests.pk", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(128))
    value: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)


class RequestMedia(Base):
    """A media URL of a request."""

    __tablename__ = "request_media"

    pk: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=True)
    request_pk: Mapped[int] = mapped_column(
        Key, ForeignKey("requests.pk", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)


class StatusHistory(Base):
    """One status change: who, when, from, to, note; for an update a CRM posted, its own
    ``update_id`` (one row per request and update_id: a retry records nothing) and
    ``media_url``."""

    __tablename__ = "status_history"
    __table_args__ = (UniqueConstraint("request_pk", "client_update_id",
                                       name="uq_status_history_client_update"),)

    pk: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=True)
    request_pk: Mapped[int] = mapped_column(
        Key, ForeignKey("requests.pk", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    client_update_id: Mapped[str | None] = mapped_column(String(128))  # the CRM's update_id
    media_url: Mapped[str | None] = mapped_column(Text)


class Note(Base):
    """A note on a request, public (shown with it) or private (staff only)."""

    __tablename__ = "notes"

    pk: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=True)
    request_pk: Mapped[int] = mapped_column(
        Key, ForeignKey("requests.pk", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    public: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text)


class ApiKey(Base):
    """An API key: its public id and the argon2 hash of its secret (never the secret)."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    staff: Mapped[bool] = mapped_column(Boolean)
    secret_hash: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffUser(Base):
    """A staff login: its argon2 password hash (never the password)."""

    __tablename__ = "staff_users"

    pk: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean)


class AuditEntry(Base):
    """One staff action: who did what, when, on which request."""

    __tablename__ = "audit_log"

    pk: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[str | None] = mapped_column(Text)


class LearnedAddress(Base):
    """An address point or alias learned from the city's own work (an agent's accept, a
    staff member's confirmed or moved location), or the reason it was refused; with its
    provenance: source, who, when, the request. Workers poll rows newer than the last
    they applied (``pk`` order)."""

    __tablename__ = "learned_addresses"
    __table_args__ = (Index("ix_learned_addresses_status_pk", "status", "pk"),)

    pk: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))              # point | alias
    status: Mapped[str] = mapped_column(String(8))            # learned | rejected
    reason: Mapped[str | None] = mapped_column(Text)          # why it was refused
    address: Mapped[str | None] = mapped_column(Text)         # the canonical address
    said: Mapped[str | None] = mapped_column(Text)            # the caller's words
    predir: Mapped[str | None] = mapped_column(String(8))
    name: Mapped[str | None] = mapped_column(String(200))
    suffix: Mapped[str | None] = mapped_column(String(16))
    postdir: Mapped[str | None] = mapped_column(String(8))
    number: Mapped[int | None] = mapped_column(BigInteger)
    number_suffix: Mapped[str | None] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(64))
    zipcode: Mapped[str | None] = mapped_column(String(16))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    alias_name: Mapped[str | None] = mapped_column(String(200))
    alias_suffix: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(64))           # intake | staff | import | ...
    actor: Mapped[str] = mapped_column(String(128))
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    learned_at: Mapped[datetime] = mapped_column(UTCDateTime)
