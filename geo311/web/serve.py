"""``geo311 serve``: the web service under gunicorn (not Flask's development server).

The city's engines (locator, address validator, catalog) are built once in the master
process before the workers fork, so every worker shares them (copy-on-write) instead
of building its own. Each worker opens its own store connection after the fork:
database connections must not cross a fork. The store's migrations run once, in the
master, before any worker starts. The rate limits count in one file all the workers
share (a temporary directory of the master, removed when it stops), unless the
configuration names another ``RATELIMIT_STORAGE_URI``.
"""

from __future__ import annotations

import gc
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from geo311.city import City
from geo311.web.limit_storage import shared_storage_uri

__all__ = ["DEFAULT_PORT", "Server", "default_workers", "preload_city", "serve"]

DEFAULT_PORT = 8311


def default_workers() -> int:
    """One worker process per CPU core (at least one)."""
    return max(1, os.cpu_count() or 1)


def preload_city(city: City) -> City:
    """Build ``city``'s engines now (locator, validator, catalog when there is one)."""
    city.validator  # noqa: B018 - builds and keeps the locator and the validator
    if city.has_catalog:
        city.catalog  # noqa: B018
    return city


class Server(BaseApplication):
    """A gunicorn application whose workers each call ``make_app()`` once after the fork."""

    def __init__(self, make_app: Callable[[], Any], options: dict[str, Any]) -> None:
        self.make_app = make_app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.make_app()


def serve(city: City, db_url: str | None = None, *, host: str = "127.0.0.1",
          port: int = DEFAULT_PORT, workers: int | None = None, threads: int = 4,
          config: dict[str, Any] | None = None) -> None:
    """Serve ``city`` with its requests in the store at ``db_url`` until stopped.

    Builds the engines and migrates the store in this process, then starts gunicorn
    with ``workers`` processes (default: one per core) of ``threads`` threads each.
    """
    from geo311.service.learning import ReferenceLearner
    from geo311.service.store import open_store
    from geo311.web import create_app

    store = open_store(db_url)      # migrations, once, before the fork (a bad URL fails fast)
    preload_city(city)
    if city.profile.addresses is not None:  # the learned points, merged once for all workers
        ReferenceLearner(city, store).load()
    store.close()
    # the engines live as long as the server: move their objects out of the collector's
    # generations, so a full collection does not walk them in the middle of an answer and
    # forked workers do not write to (and copy) the pages that hold them
    gc.freeze()
    # one session key for every worker (a login stays valid whichever worker answers), and
    # one rate-limit count for all of them
    counters = Path(tempfile.mkdtemp(prefix="geo311-limits-"))
    config = {"SECRET_KEY": secrets.token_hex(32),
              "RATELIMIT_STORAGE_URI": shared_storage_uri(counters / "limits.sqlite"),
              **(config or {})}

    def make_app():
        return create_app(city, open_store(db_url), config=config)

    options = {"bind": f"{host}:{port}", "workers": workers or default_workers(),
               "worker_class": "gthread", "threads": threads, "preload_app": False,
               "timeout": 60, "graceful_timeout": 10, "keepalive": 5,
               "accesslog": None, "errorlog": "-", "loglevel": "warning",
               "proc_name": "geo311"}
    try:
        Server(make_app, options).run()
    finally:
        shutil.rmtree(counters, ignore_errors=True)
