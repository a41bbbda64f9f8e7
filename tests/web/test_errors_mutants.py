"""Error-handler edges found by mutation testing (`make mutate`): redirects stay redirects, HTTP
errors keep werkzeug's own description, chunked bodies are type-checked, the 415 and the log
say what they should."""

from __future__ import annotations

import io
import json
import logging

import pytest
from flask import Blueprint
from werkzeug.exceptions import NotFound

from geo311.city import City
from geo311.web import create_app


@pytest.fixture(scope="module")
def app(demo_dir):
    app = create_app(City.open(demo_dir))
    probe = Blueprint("probe_mutants", __name__)

    @probe.get("/folder/")
    def folder():
        return {"ok": True}

    @probe.post("/echo")
    def echo():
        return {"ok": True}

    @probe.get("/boom")
    def boom():
        raise RuntimeError("boom")

    app.register_blueprint(probe, url_prefix="/probe-mutants")
    return app


def test_a_missing_trailing_slash_is_redirected_not_made_an_error(app):
    """werkzeug's 308 RequestRedirect is an HTTPException below 400: it stays a redirect."""
    response = app.test_client().get("/probe-mutants/folder")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/probe-mutants/folder/")
    assert app.test_client().get("/probe-mutants/folder/").json == {"ok": True}


def test_an_http_error_keeps_werkzeugs_description(app):
    response = app.test_client().get("/no/such/page")
    assert response.status_code == 404
    assert json.loads(response.get_data()) == [{"code": 404,
                                                 "description": NotFound.description}]


def test_a_chunked_body_of_another_type_is_415_with_the_reason(app):
    """A body sent chunked has no Content-Length: its type is checked all the same."""
    response = app.test_client().post(
        "/probe-mutants/echo", input_stream=io.BytesIO(b"a=1"), content_type="text/plain",
        headers={"Transfer-Encoding": "chunked"})
    assert response.status_code == 415
    assert json.loads(response.get_data()) == [{
        "code": 415, "description": "a request body must be "
        "application/x-www-form-urlencoded or application/json"}]


def test_an_unforeseen_error_is_logged_with_its_method_and_path(app, caplog):
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = app.test_client().get("/probe-mutants/boom")
    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.getMessage() == "unhandled error on GET /probe-mutants/boom"
    assert record.exc_info[0] is RuntimeError


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_put_or_patch_body_of_another_type_is_415_too(app, method):
    response = app.test_client().open("/probe-mutants/echo", method=method, data=b"a=1",
                                      content_type="text/plain")
    assert response.status_code == 415
