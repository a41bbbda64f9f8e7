"""Who is calling: API keys for the staff endpoints of ``/api/v1``.

A key comes in the ``X-API-Key`` header (or an ``api_key`` query or form argument)
and is checked by the store (only its argon2 hash is stored). A staff endpoint
answers 401 without a key and 403 with a key that is unknown or not a staff key.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request
from werkzeug.exceptions import Forbidden, ServiceUnavailable, Unauthorized

__all__ = ["presented_key", "staff_required"]


def presented_key() -> str | None:
    """The API key of the current request (header first), or None."""
    key = request.headers.get("X-API-Key") or request.args.get("api_key")
    if not key and request.mimetype == "application/x-www-form-urlencoded":
        key = request.form.get("api_key")
    return key or None


def _store():
    store = current_app.extensions["geo311"]["store"]
    if store is None:
        raise ServiceUnavailable("this service runs without a request store")
    return store


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Let ``view`` run only for a staff key; ``g.staff`` is then its ``ApiKeyInfo``."""

    @wraps(view)
    def guarded(*args, **kwargs):
        key = presented_key()
        if key is None:
            raise Unauthorized("a staff API key is required (X-API-Key header)",
                               www_authenticate=None)
        info = _store().check_api_key(key)
        if info is None or not info.staff:
            raise Forbidden("this API key is not a staff key")
        g.staff = info
        return view(*args, **kwargs)

    return guarded
