"""The web service: a thin Flask layer over the library (``geo311 serve`` runs it).

:func:`create_app` builds the application for one :class:`~geo311.city.City` and an
optional request store. Blueprints: ``api`` at ``/api/v1`` (geo311's own JSON API) and
``open311`` at ``/open311`` (GeoReport v2). Every error answers with an Open311-style body
(:mod:`geo311.web.errors`). A view parses the request, makes one library call and
serializes the answer.
"""

from __future__ import annotations

import importlib
import secrets
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask_limiter import Limiter

from geo311.service.definitions import load_definitions
from geo311.service.intake import IntakeRules
from geo311.service.learning import ReferenceLearner
from geo311.web.errors import register_error_handlers
from geo311.web.limits import init_limiter, limit_public_posts, limit_view

if TYPE_CHECKING:
    from geo311.city import City

__all__ = ["DEFAULT_CONFIG", "create_app"]

DEFAULT_CONFIG: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": 64 * 1024,       # bytes of request body; more is 413
    "MAX_FORM_PARTS": 200,                 # form fields per body
    "GEO311_POST_LIMIT": "120 per minute",  # public POSTs per client address
    "GEO311_LOGIN_LIMIT": "10 per minute",  # staff login attempts per client address
    "RATELIMIT_STORAGE_URI": "memory://",  # per process; geo311 serve shares a counters file
    "RATELIMIT_HEADERS_ENABLED": True,
    "GEO311_ROUTE_TIME_LIMIT": 30.0,       # most solver seconds one POST /api/v1/routes may ask
    "SECRET_KEY": None,                    # signs staff sessions; None: random per app
    "SESSION_COOKIE_SAMESITE": "Strict",
    "SESSION_COOKIE_HTTPONLY": True,
}
"""The service's settings; ``create_app(config=...)`` overrides any of them."""


def create_app(city: City, store: Any = None, *, config: dict[str, Any] | None = None) -> Flask:
    """The WSGI application serving ``city`` (and ``store``'s requests, when given).

    ``app.extensions["geo311"]`` holds ``{"city", "store", "definitions", "rules",
    "limiter", "learner"}`` for the views (``definitions`` and ``rules`` are None for a city
    without a service catalog; ``learner``, the :class:`~geo311.service.learning.
    ReferenceLearner`, None without a store or an address reference). Build the city's
    engines first (``city.validator``) to share them between forked workers.
    """
    app = Flask("geo311.web")
    app.config.update(DEFAULT_CONFIG)
    app.config.update(config or {})
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.json.sort_keys = False          # keep the answers' declared key order
    app.json.ensure_ascii = False
    register_error_handlers(app)
    limiter = init_limiter(app)
    definitions = load_definitions(city.profile) if city.has_catalog else None
    rules = None if definitions is None else IntakeRules(city, definitions=definitions)
    learner = None
    if store is not None and city.profile.addresses is not None:
        learner = ReferenceLearner(city, store)
        app.before_request(_learned_by_others(learner))
    app.extensions["geo311"] = {"city": city, "store": store, "definitions": definitions,
                                "rules": rules, "limiter": limiter, "learner": learner}
    _register_blueprints(app, limiter)
    limit_view(limiter, app, "api.staff_login")
    app.after_request(_security_headers)
    return app


def _learned_by_others(learner: ReferenceLearner):
    """A before-request hook: the rows other workers learned join this process's reference
    (a look at the store every few seconds)."""

    def refresh() -> None:
        learner.refresh()

    return refresh


def _security_headers(response):
    """No content sniffing; nothing a browser could run from an API answer."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype != "text/html":
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'none'; frame-ancestors 'none'")
    return response


BLUEPRINTS: tuple[tuple[str, str, bool], ...] = (
    ("geo311.web.api", "/api/v1", False),
    ("geo311.web.open311", "/open311", True),
    ("geo311.web.pages", "", False),  # HTML pages; the public report form limits itself
    ("geo311.web.supervisor", "", False),  # the supervisors' crew routes page (staff)
)
"""Each blueprint as (module with a ``blueprint``, URL prefix, whether its POSTs are public
and rate-limited); mounting one more is one line here."""


def _register_blueprints(app: Flask, limiter: Limiter) -> None:
    """Mount :data:`BLUEPRINTS`; public POSTs are rate-limited per client address."""
    for module_name, prefix, limited in BLUEPRINTS:
        blueprint = importlib.import_module(module_name).blueprint
        if limited:
            limit_public_posts(limiter, blueprint)
        app.register_blueprint(blueprint, url_prefix=prefix)
