"""The durable request store of the 311 service (SQLAlchemy 2, Alembic migrations).

:func:`open_store` opens SQLite (default, WAL, foreign keys on, ``synchronous=FULL``)
or PostgreSQL with PostGIS and migrates it to the latest schema; :class:`Store`
creates, reads, queries and changes requests, keeps the status history, notes,
audit log, API keys and staff logins, and imports historical exports.
"""

from geo311.service.store.store import Store, open_store

__all__ = ["Store", "open_store"]
