"""Districts carry their request's requested_datetime: "one district, newest first in a
date window" reads one index range in order (GET requests with a district and dates); and
each request keeps its districts as JSON too, read with it (no query per page).

Revision ID: 0002
Revises: 0001
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("request_districts") as batch:
        batch.add_column(sa.Column("requested_datetime", sa.DateTime(timezone=True)))
    op.execute("UPDATE request_districts SET requested_datetime = (SELECT requested_datetime "
               "FROM requests WHERE requests.pk = request_districts.request_pk)")
    with op.batch_alter_table("request_districts") as batch:
        batch.alter_column("requested_datetime", existing_type=sa.DateTime(timezone=True),
                           nullable=False)
    op.drop_index("ix_request_districts_layer_district", "request_districts")
    op.add_column("requests", sa.Column("districts_json", sa.Text))
    bind = op.get_bind()
    found: dict[int, dict] = {}
    for pk, layer, district in bind.execute(sa.text(
            "SELECT request_pk, layer, district FROM request_districts")):
        found.setdefault(pk, {})[layer] = district
    for pk, districts in found.items():
        bind.execute(sa.text("UPDATE requests SET districts_json = :d WHERE pk = :pk"),
                     {"d": json.dumps(districts, sort_keys=True), "pk": pk})
    op.create_index("ix_request_districts_layer_district_requested", "request_districts",
                    ["layer", "district", "requested_datetime", "request_pk"])


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("districts_json")
    op.drop_index("ix_request_districts_layer_district_requested", "request_districts")
    op.create_index("ix_request_districts_layer_district", "request_districts",
                    ["layer", "district", "request_pk"])
    with op.batch_alter_table("request_districts") as batch:
        batch.drop_column("requested_datetime")
