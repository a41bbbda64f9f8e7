"""Alembic environment of the store: runs on the connection ``open_store`` hands over.

``open_store`` calls ``alembic.command.upgrade`` with ``config.attributes["connection"]``
set to a connection already inside a write transaction (SQLite ``BEGIN IMMEDIATE``;
a PostgreSQL advisory lock), so that processes opening the store at once migrate it once.
"""

from alembic import context

from geo311.service.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
