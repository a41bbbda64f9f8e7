"""Each request keeps its first media URL in its own row too (``requests.media_url``),
read with it: a page of ``GET requests`` needs no second query for its media.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("requests", sa.Column("media_url", sa.Text))
    op.execute("UPDATE requests SET media_url = (SELECT url FROM request_media "
               "WHERE request_media.request_pk = requests.pk "
               "ORDER BY request_media.pk LIMIT 1) "
               "WHERE EXISTS (SELECT 1 FROM request_media "
               "WHERE request_media.request_pk = requests.pk)")


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("media_url")
