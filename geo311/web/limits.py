"""Rate limits of the web service (Flask-Limiter, in memory unless configured).

Public POSTs (filing a request) are limited per client address to
``GEO311_POST_LIMIT`` (default ``120 per minute``), staff logins
(``POST /api/v1/staff/login``, right or wrong) to ``GEO311_LOGIN_LIMIT`` (default
``10 per minute``: password guessing); past a limit the client gets a 429 with the
Open311 error body and a ``Retry-After`` header. ``RATELIMIT_STORAGE_URI`` is
``memory://`` by default (one process counts on its own); ``geo311 serve`` sets it to a
counters file all its workers share (:mod:`geo311.web.limit_storage`, scheme
``geo311-file://``), so a limit holds for the server as a whole.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from geo311.web import limit_storage  # noqa: F401 - registers the geo311-file:// storage

__all__ = ["init_limiter", "limit_public_posts", "limit_view"]


def init_limiter(app: Flask) -> Limiter:
    """Attach a limiter to ``app`` (no default limit: only what is marked is limited)."""
    return Limiter(get_remote_address, app=app, default_limits=[],
                   storage_uri=app.config["RATELIMIT_STORAGE_URI"])


def _post_limit() -> str:
    return current_app.config["GEO311_POST_LIMIT"]


def limit_public_posts(limiter: Limiter, blueprint: Blueprint) -> None:
    """Limit every POST to ``blueprint``'s views to ``GEO311_POST_LIMIT`` per client."""
    limiter.limit(_post_limit, methods=["POST"])(blueprint)


def _login_limit() -> str:
    return current_app.config["GEO311_LOGIN_LIMIT"]


def limit_view(limiter: Limiter, app: Flask, endpoint: str) -> None:
    """Limit POSTs to the view ``endpoint`` of ``app`` to ``GEO311_LOGIN_LIMIT`` per client."""
    app.view_functions[endpoint] = limiter.limit(_login_limit, methods=["POST"])(
        app.view_functions[endpoint])
