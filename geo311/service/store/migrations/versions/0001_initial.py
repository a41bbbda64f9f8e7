"""The request store: requests and their districts, attributes, media, status history
and notes; API keys, staff users and the audit log; the spatial index (PostGIS geometry
with GiST on PostgreSQL, an R-tree on SQLite).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Time = sa.DateTime(timezone=True)

SQLITE_RTREE = [
    "CREATE VIRTUAL TABLE request_rtree USING rtree(id, min_lon, max_lon, min_lat, max_lat)",
    """CREATE TRIGGER requests_rtree_insert AFTER INSERT ON requests
       WHEN NEW.lon IS NOT NULL AND NEW.lat IS NOT NULL BEGIN
         INSERT INTO request_rtree VALUES (NEW.pk, NEW.lon, NEW.lon, NEW.lat, NEW.lat);
       END""",
    """CREATE TRIGGER requests_rtree_update AFTER UPDATE OF lon, lat ON requests BEGIN
         DELETE FROM request_rtree WHERE id = OLD.pk;
         INSERT INTO request_rtree SELECT NEW.pk, NEW.lon, NEW.lon, NEW.lat, NEW.lat
           WHERE NEW.lon IS NOT NULL AND NEW.lat IS NOT NULL;
       END""",
    """CREATE TRIGGER requests_rtree_delete AFTER DELETE ON requests BEGIN
         DELETE FROM request_rtree WHERE id = OLD.pk;
       END""",
]

POSTGIS = [
    "CREATE EXTENSION IF NOT EXISTS postgis",
    "ALTER TABLE requests ADD COLUMN geom geometry(Point, 4326)",
    "CREATE INDEX ix_requests_geom ON requests USING gist (geom)",
    """CREATE FUNCTION requests_set_geom() RETURNS trigger AS $$
       BEGIN
         NEW.geom := CASE WHEN NEW.lon IS NULL OR NEW.lat IS NULL THEN NULL
                     ELSE ST_SetSRID(ST_MakePoint(NEW.lon, NEW.lat), 4326) END;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER requests_geom BEFORE INSERT OR UPDATE OF lon, lat ON requests
       FOR EACH ROW EXECUTE FUNCTION requests_set_geom()""",
]


def _child(name: str, *columns: sa.Column) -> None:
    """A table of rows belonging to one request (deleted with it)."""
    op.create_table(
        name,
        sa.Column("pk", Key, primary_key=True, autoincrement=True),
        sa.Column("request_pk", Key, sa.ForeignKey("requests.pk", ondelete="CASCADE"),
                  nullable=False),
        *columns,
    )
    op.create_index(f"ix_{name}_request_pk", name, ["request_pk"])


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("pk", Key, primary_key=True, autoincrement=True),
        sa.Column("service_request_id", sa.String(64), nullable=False, unique=True),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(128)),
        sa.Column("service_code", sa.String(128), nullable=False),
        sa.Column("service_name", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_notes", sa.Text),
        sa.Column("service_notice", sa.Text),
        sa.Column("agency_responsible", sa.Text),
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("address", sa.Text),
        sa.Column("address_id", sa.String(128)),
        sa.Column("zipcode", sa.String(16)),
        sa.Column("requested_datetime", Time, nullable=False),
        sa.Column("updated_datetime", Time, nullable=False),
        sa.Column("expected_datetime", Time),
        sa.Column("closed_datetime", Time),
        sa.Column("assignee", sa.String(128)),
        sa.Column("duplicate_of", sa.String(64),
                  sa.ForeignKey("requests.service_request_id")),
        *(sa.Column(name, sa.Text) for name in
          ("email", "phone", "first_name", "last_name", "device_id", "account_id")),
        sa.UniqueConstraint("source", "external_id", name="uq_requests_source_external_id"),
    )
    op.create_index("ix_requests_requested_datetime", "requests", ["requested_datetime"])
    op.create_index("ix_requests_updated_datetime", "requests", ["updated_datetime"])
    op.create_index("ix_requests_service_code_requested", "requests",
                    ["service_code", "requested_datetime"])
    op.create_index("ix_requests_status_requested", "requests", ["status", "requested_datetime"])
    op.create_index("ix_requests_duplicate_of", "requests", ["duplicate_of"])
    op.create_table(
        "request_districts",
        sa.Column("request_pk", Key, sa.ForeignKey("requests.pk", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("layer", sa.String(64), primary_key=True),
        sa.Column("district", sa.String(128)),
    )
    op.create_index("ix_request_districts_layer_district", "request_districts",
                    ["layer", "district", "request_pk"])
    _child("request_attributes", sa.Column("code", sa.String(128), nullable=False),
           sa.Column("value", sa.Text, nullable=False),
           sa.Column("position", sa.Integer, nullable=False))
    _child("request_media", sa.Column("url", sa.Text, nullable=False))
    _child("status_history", sa.Column("at", Time, nullable=False),
           sa.Column("actor", sa.String(128), nullable=False),
           sa.Column("from_status", sa.String(16)),
           sa.Column("to_status", sa.String(16), nullable=False),
           sa.Column("note", sa.Text))
    op.create_index("ix_status_history_at", "status_history", ["at"])
    _child("notes", sa.Column("at", Time, nullable=False),
           sa.Column("actor", sa.String(128), nullable=False),
           sa.Column("public", sa.Boolean, nullable=False),
           sa.Column("text", sa.Text, nullable=False))
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("staff", sa.Boolean, nullable=False),
        sa.Column("secret_hash", sa.Text, nullable=False),
        sa.Column("created", Time, nullable=False),
        sa.Column("revoked", Time),
    )
    op.create_table(
        "staff_users",
        sa.Column("pk", Key, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(128), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created", Time, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("pk", Key, primary_key=True, autoincrement=True),
        sa.Column("at", Time, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(64)),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_request_id", "audit_log", ["request_id"])
    spatial = POSTGIS if op.get_bind().dialect.name == "postgresql" else SQLITE_RTREE
    for statement in spatial:
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS requests_geom ON requests")
        op.execute("DROP FUNCTION IF EXISTS requests_set_geom()")
    else:
        op.execute("DROP TABLE IF EXISTS request_rtree")
    for table in ("audit_log", "staff_users", "api_keys", "notes", "status_history",
                  "request_media", "request_attributes", "request_districts", "requests"):
        op.drop_table(table)
