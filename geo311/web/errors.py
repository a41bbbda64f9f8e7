"""The one error handler of the web service: every error becomes an Open311-style body.

Open311 GeoReport v2 answers an error with a list of ``{code, description}``: JSON
``[{"code": 400, "description": "..."}]``, or for a URL ending in ``.xml``
``<errors><error><code>400</code><description>...</description></error></errors>``
(``text/xml; charset=utf-8``, written as the GeoReport answers are: a character XML 1.0
cannot carry becomes U+FFFD).
:func:`register_error_handlers` installs that shape for every HTTP error (404, 405, 413,
415, 429, ...), for the library's :class:`~geo311.errors.InputError` (400) and
:class:`~geo311.errors.NotFoundError` (404), for a request store that cannot be reached or
is busy past its timeout (503 with ``Retry-After``: nothing was stored, the client may send
again), and for anything unforeseen (500, with a generic description: the traceback goes to
the log, never to the client).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from flask import Flask, Response, current_app, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, ServiceUnavailable, UnsupportedMediaType

from geo311.errors import InputError, NotFoundError
from geo311.web.georeport_format import XML_MIMETYPE, to_xml

__all__ = ["ACCEPTED_BODY_TYPES", "error_headers", "error_response", "register_error_handlers",
           "wants_xml"]

ACCEPTED_BODY_TYPES = frozenset({"application/x-www-form-urlencoded", "application/json"})
"""The only content types a request body may have (no multipart: media go by ``media_url``)."""

INTERNAL_ERROR = "internal server error"
STORE_UNAVAILABLE = "the request store cannot be reached just now; nothing was saved, try again"
STORE_RETRY_AFTER_S = 5


def wants_xml() -> bool:
    """Whether the current request's error body should be XML (its path ends in ``.xml``)."""
    return request.path.endswith(".xml")


def error_response(status: int, errors: Iterable[tuple[int, str]], *,
                   xml: bool | None = None, headers: dict[str, str] | None = None) -> Response:
    """An Open311 error body listing ``errors`` (``(code, description)`` pairs), with HTTP
    ``status``; XML when ``xml`` (default: :func:`wants_xml`), else JSON."""
    rows = [{"code": int(code), "description": str(description)} for code, description in errors]
    if xml is None:
        xml = wants_xml()
    if xml:   # the GeoReport answers' writer: characters XML 1.0 cannot carry are replaced
        response = Response(to_xml("errors", rows), status=status,
                            content_type=f"{XML_MIMETYPE}; charset=utf-8")
    else:
        response = Response(json.dumps(rows, ensure_ascii=False), status=status,
                            mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_headers(exc: HTTPException) -> dict[str, str]:
    """The headers of ``exc`` that matter to the client whatever the body (Allow on 405,
    Retry-After on 429 and 503, ...): all but its content type and length."""
    return {name: value for name, value in exc.get_headers()
            if name.lower() not in ("content-type", "content-length")}


def _http_error(exc: HTTPException) -> Response | HTTPException:
    if exc.code is None or exc.code < 400:
        return exc
    description = exc.description or exc.name
    return error_response(exc.code, [(exc.code, description)], headers=error_headers(exc))


def _input_error(exc: InputError) -> Response:
    return error_response(400, [(400, exc.message)])


def _not_found(exc: NotFoundError) -> Response:
    return error_response(404, [(404, exc.message)])


def _store_unavailable(exc: Exception) -> Response:
    """The database is down, restarting or locked past its timeout: a 503 the client may
    retry (the transaction was rolled back), in the shape of the blueprint's own errors."""
    current_app.logger.error("request store unavailable on %s %s: %s", request.method,
                             request.path, exc)
    return current_app.handle_user_exception(
        ServiceUnavailable(STORE_UNAVAILABLE, retry_after=STORE_RETRY_AFTER_S))


def _unexpected(exc: Exception) -> Response:
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, [(500, INTERNAL_ERROR)])


def _check_body_type() -> None:
    """Refuse a request body that is neither form-urlencoded nor JSON (415)."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return
    if request.mimetype not in ACCEPTED_BODY_TYPES:
        raise UnsupportedMediaType(
            "a request body must be application/x-www-form-urlencoded or application/json")


def register_error_handlers(app: Flask) -> None:
    """Install the one error handler and the body content-type check on ``app``."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InputError, _input_error)
    app.register_error_handler(NotFoundError, _not_found)
    app.register_error_handler(OperationalError, _store_unavailable)
    app.register_error_handler(PoolTimeout, _store_unavailable)
    app.register_error_handler(Exception, _unexpected)
    app.before_request(_check_body_type)
