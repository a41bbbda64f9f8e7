"""Status history rows keep the ``update_id`` a CRM gave its update (FixMyStreet's
servicerequestupdates; unique per request, so a retried update is recorded once) and the
update's ``media_url``.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("status_history") as batch:
        batch.add_column(sa.Column("client_update_id", sa.String(128)))
        batch.add_column(sa.Column("media_url", sa.Text))
        batch.create_unique_constraint("uq_status_history_client_update",
                                       ["request_pk", "client_update_id"])


def downgrade() -> None:
    with op.batch_alter_table("status_history") as batch:
        batch.drop_constraint("uq_status_history_client_update", type_="unique")
        batch.drop_column("media_url")
        batch.drop_column("client_update_id")
