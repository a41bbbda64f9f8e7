"""Staff sign-in for the pages: the staff login of the service (:mod:`geo311.web.auth`).

A staff member signs in with the user name and password of ``geo311`` staff users (checked
by the store against an argon2 hash); the signed session cookie then stands for them on the
pages and on the staff endpoints of ``/api/v1`` alike. :func:`require_staff` sends anyone
else to the sign-in page.
"""

from __future__ import annotations

from functools import wraps

from flask import redirect, request, session, url_for
from werkzeug.exceptions import Forbidden

from geo311.web import auth

__all__ = ["current_staff", "require_staff", "sign_in", "sign_out"]


def current_staff() -> dict | None:
    """The signed-in staff member (``{"name"}``), or None."""
    user = session.get(auth.SESSION_KEY)
    return {"name": user} if isinstance(user, str) else None


def sign_in(username: str, password: str) -> dict | None:
    """Open a staff session; None when the user is unknown or the password wrong."""
    if not username.strip() or not password:
        return None
    try:
        auth.log_in(username.strip(), password)
    except Forbidden:
        return None
    return current_staff()


def sign_out() -> None:
    """Close the session."""
    auth.log_out()


def require_staff(view):
    """Decorate a view: staff only; others go to the sign-in page and come back after."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_staff() is None:
            return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped
