"""Who is calling: API keys and staff logins for the staff endpoints of ``/api/v1``.

A key comes in the ``X-API-Key`` header (or an ``api_key`` query or form argument)
and is checked by the store (only its argon2 hash is stored). A staff member may log in
instead (``POST /api/v1/staff/login``, password checked against its argon2 hash): the
signed session cookie (HttpOnly, SameSite=Strict) then stands for a staff key. A staff
endpoint answers 401 without a key or login and 403 with a key that is unknown or not a
staff key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import current_app, g, request, session
from werkzeug.exceptions import Forbidden, ServiceUnavailable, Unauthorized

__all__ = ["StaffLogin", "log_in", "log_out", "presented_key", "staff_required"]

SESSION_KEY = "geo311_staff"


@dataclass(frozen=True)
class StaffLogin:
    """A logged-in staff member, standing for a staff key (``name`` is the actor)."""

    name: str
    staff: bool = True


def log_in(username: str, password: str) -> StaffLogin:
    """Start a staff session for ``username`` if ``password`` is theirs (403 otherwise)."""
    if not _store().check_staff_password(username, password):
        raise Forbidden("unknown user or wrong password")
    session.clear()
    session[SESSION_KEY] = username
    return StaffLogin(username)


def log_out() -> None:
    """End the current staff session (if any)."""
    session.clear()


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
            user = session.get(SESSION_KEY)
            if not isinstance(user, str):
                raise Unauthorized("a staff API key (X-API-Key header) or a staff login "
                                   "is required")
            g.staff = StaffLogin(user)
            return view(*args, **kwargs)
        info = _store().check_api_key(key)
        if info is None or not info.staff:
            raise Forbidden("this API key is not a staff key")
        g.staff = info
        return view(*args, **kwargs)

    return guarded
