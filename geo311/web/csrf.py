"""CSRF tokens for the pages' forms: one random token per session, checked on every POST.

:func:`csrf_token` (also ``csrf_token()`` in templates) returns the session's token,
creating it; :func:`check_csrf` refuses (400) a POST whose ``csrf_token`` field is missing
or differs. The session cookie is signed with the app's ``SECRET_KEY``; SameSite=Lax keeps
it off other sites' POSTs as a second line.
"""

from __future__ import annotations

import hmac
import secrets

from flask import request, session
from werkzeug.exceptions import BadRequest

__all__ = ["FIELD", "check_csrf", "csrf_token"]

FIELD = "csrf_token"
_KEY = "geo311_csrf"


def csrf_token() -> str:
    """The current session's CSRF token (made on first use)."""
    token = session.get(_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[_KEY] = token
    return token


def check_csrf() -> None:
    """Refuse a POST without the session's CSRF token (400)."""
    if request.method != "POST":
        return
    expected = session.get(_KEY)
    given = request.form.get(FIELD, "")
    if not expected or not hmac.compare_digest(str(expected), given):
        raise BadRequest("the form has expired or did not come from this site: "
                         "reload the page and send it again")
