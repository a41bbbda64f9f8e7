"""The learned reference: address points and aliases learned from accepted requests and
confirmed locations, or refused with a reason, each with its provenance.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "learned_addresses",
        sa.Column("pk", Key, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("said", sa.Text),
        sa.Column("predir", sa.String(8)),
        sa.Column("name", sa.String(200)),
        sa.Column("suffix", sa.String(16)),
        sa.Column("postdir", sa.String(8)),
        sa.Column("number", sa.BigInteger),
        sa.Column("number_suffix", sa.String(16)),
        sa.Column("unit", sa.String(64)),
        sa.Column("zipcode", sa.String(16)),
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("alias_name", sa.String(200)),
        sa.Column("alias_suffix", sa.String(16)),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("request_id", sa.String(64)),
        sa.Column("learned_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_learned_addresses_status_pk", "learned_addresses", ["status", "pk"])
    op.create_index("ix_learned_addresses_request_id", "learned_addresses", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_learned_addresses_request_id", "learned_addresses")
    op.drop_index("ix_learned_addresses_status_pk", "learned_addresses")
    op.drop_table("learned_addresses")
