"""Staff sign-in for the pages: a staff API key (``geo311 keys create --staff``) opens a session.

The key is checked once by the store (:meth:`Store.check_api_key`); the session then holds
the key's id and name, never the key. :func:`require_staff` sends anyone else to the sign-in
page.
"""

from __future__ import annotations

from functools import wraps

from flask import current_app, redirect, request, session, url_for

__all__ = ["current_staff", "require_staff", "sign_in", "sign_out"]

_KEY = "geo311_staff"


def current_staff() -> dict | None:
    """The signed-in staff member (``{"key_id", "name"}``), or None."""
    return session.get(_KEY)


def sign_in(key: str) -> dict | None:
    """Open a staff session for a staff API key; None when the key is unknown or not staff."""
    store = current_app.extensions["geo311"]["store"]
    info = store.check_api_key(key.strip()) if store is not None and key.strip() else None
    if info is None or not info.staff:
        return None
    session.clear()
    session[_KEY] = {"key_id": info.key_id, "name": info.name}
    return session[_KEY]


def sign_out() -> None:
    """Close the session."""
    session.clear()


def require_staff(view):
    """Decorate a view: staff only; others go to the sign-in page and come back after."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_staff() is None:
            return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped
