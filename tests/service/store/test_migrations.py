"""Migration 0005 on a store that already holds requests: each one's first media URL is
copied into its row, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from geo311.service.store import open_store
from geo311.service.store.engine import MIGRATIONS, connect


def _upgrade(engines, revision: str) -> None:
    with engines.write.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_0005_copies_the_first_media_url(store_url):
    engines = connect(store_url)
    _upgrade(engines, "0004")
    when = datetime(2025, 3, 1, 12, tzinfo=UTC)
    if engines.dialect == "sqlite":
        when = when.replace(tzinfo=None)
    with engines.write.begin() as connection:
        for pk, name in ((1, "two-media"), (2, "no-media"), (3, "one-media")):
            connection.execute(text(
                "INSERT INTO requests (pk, service_request_id, token, source, service_code, "
                "status, requested_datetime, updated_datetime) VALUES "
                "(:pk, :id, :token, 'test', 'POTHOLE', 'open', :when, :when)"),
                {"pk": pk, "id": name, "token": f"t-{name}", "when": when})
        for pk, request_pk, url in ((1, 1, "https://e.org/a.jpg"), (2, 1, "https://e.org/b.jpg"),
                                    (3, 3, "https://e.org/c.jpg")):
            connection.execute(text("INSERT INTO request_media (pk, request_pk, url) VALUES "
                                    "(:pk, :request_pk, :url)"),
                               {"pk": pk, "request_pk": request_pk, "url": url})
    engines.dispose()
    store = open_store(store_url)                      # migrates to the head
    try:
        assert {name: store.get_request(name).media_url
                for name in ("two-media", "no-media", "one-media")} == {
            "two-media": "https://e.org/a.jpg", "no-media": None,
            "one-media": "https://e.org/c.jpg"}
    finally:
        store.close()
