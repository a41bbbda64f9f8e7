"""The one error handler: every error is an Open311 body, JSON or XML, never a traceback."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from flask import Blueprint, request

from geo311.city import City
from geo311.errors import InputError, NotFoundError
from geo311.web import create_app
from geo311.web.limits import limit_public_posts

SECRET = "s3cr3t-in-the-exception"


@pytest.fixture(scope="module")
def app(demo_dir):
    app = create_app(City.open(demo_dir), config={"GEO311_POST_LIMIT": "3 per minute",
                                                  "MAX_CONTENT_LENGTH": 1000})
    probe = Blueprint("probe", __name__)

    @probe.post("/echo")
    @probe.post("/echo.xml")
    def echo():
        return {"form": request.form.to_dict(), "json": request.get_json(silent=True)}

    @probe.post("/json")
    def strict_json():
        return {"got": request.get_json()}

    @probe.get("/input")
    @probe.get("/input.xml")
    def input_error():
        raise InputError("lon must be a number <script>alert(1)</script>")

    @probe.get("/echo_error")
    @probe.get("/echo_error.xml")
    def echo_error():
        raise InputError(f"unknown value {request.args.get('x', '')}")

    @probe.get("/missing")
    def not_found():
        raise NotFoundError("no request 'abc'")

    @probe.get("/boom")
    @probe.get("/boom.xml")
    def boom():
        raise RuntimeError(SECRET)

    @probe.post("/limited")
    def limited():
        return {"ok": True}

    limit_public_posts(app.extensions["geo311"]["limiter"], probe)
    app.register_blueprint(probe, url_prefix="/probe")
    return app


@pytest.fixture()
def client(app):
    return app.test_client()


def json_errors(response) -> list[dict]:
    assert response.mimetype == "application/json"
    body = json.loads(response.get_data(as_text=True))
    assert isinstance(body, list) and body
    for row in body:
        assert set(row) == {"code", "description"}
        assert isinstance(row["code"], int) and isinstance(row["description"], str)
    return body


def xml_errors(response) -> list[tuple[int, str]]:
    assert response.mimetype == "text/xml"
    assert response.mimetype_params == {"charset": "utf-8"}
    root = ET.fromstring(response.get_data())
    assert root.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in root.findall("error")]


def test_unknown_path_is_a_json_404(client):
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert json_errors(response)[0]["code"] == 404


def test_unknown_xml_path_is_an_xml_404(client):
    response = client.get("/open311/v2/nothing.xml")
    assert response.status_code == 404
    [(code, description)] = xml_errors(response)
    assert code == 404 and description


def test_wrong_method_is_405_and_says_which_are_allowed(client):
    response = client.delete("/probe/echo")
    assert response.status_code == 405
    assert json_errors(response)[0]["code"] == 405
    assert "POST" in response.headers["Allow"]


def test_input_error_is_400_with_its_message_escaped_in_xml(client):
    response = client.get("/probe/input")
    assert response.status_code == 400
    assert json_errors(response)[0]["description"].startswith("lon must be a number <script>")
    response = client.get("/probe/input.xml")
    assert response.status_code == 400
    assert b"<script>" not in response.get_data()
    assert xml_errors(response) == [(400, "lon must be a number <script>alert(1)</script>")]


def test_not_found_error_is_404(client):
    response = client.get("/probe/missing")
    assert response.status_code == 404
    assert json_errors(response) == [{"code": 404, "description": "no request 'abc'"}]


@pytest.mark.parametrize("path", ["/probe/boom", "/probe/boom.xml"])
def test_unforeseen_error_is_a_generic_500_without_the_traceback(client, path):
    response = client.get(path)
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert SECRET not in text and "Traceback" not in text and "RuntimeError" not in text
    errors = xml_errors(response) if path.endswith(".xml") else [
        (e["code"], e["description"]) for e in json_errors(response)]
    assert errors == [(500, "internal server error")]


def test_a_body_over_the_limit_is_413(client):
    response = client.post("/probe/echo", data={"description": "x" * 5000})
    assert response.status_code == 413
    assert json_errors(response)[0]["code"] == 413


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x",
                                          "application/xml", "application/octet-stream"])
def test_a_body_of_another_type_is_415(client, content_type):
    response = client.post("/probe/echo", data=b"a=1", content_type=content_type)
    assert response.status_code == 415
    assert json_errors(response)[0]["code"] == 415


def test_form_and_json_bodies_are_accepted(client):
    response = client.post("/probe/echo", data={"a": "1"})
    assert response.status_code == 200 and response.json["form"] == {"a": "1"}
    response = client.post("/probe/echo", json={"a": [1]})
    assert response.status_code == 200 and response.json["json"] == {"a": [1]}


def test_malformed_json_is_400(client):
    response = client.post("/probe/json", data=b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert json_errors(response)[0]["code"] == 400


def test_public_posts_past_the_limit_get_429_with_retry_after(app):
    client = app.test_client()
    codes = [client.post("/probe/limited", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
             for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    response = client.post("/probe/limited", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert json_errors(response)[0]["code"] == 429
    assert int(response.headers["Retry-After"]) > 0
    other = client.post("/probe/limited", environ_base={"REMOTE_ADDR": "10.9.9.10"})
    assert other.status_code == 200


@pytest.mark.parametrize("tail", ["", ".xml"])
def test_an_error_echoing_characters_xml_cannot_carry_still_parses(client, tail):
    sent = "a\x01b]]>c\x1f\ufffe<&>\r\n"
    response = client.get(f"/probe/echo_error{tail}", query_string={"x": sent})
    assert response.status_code == 400
    if tail == ".xml":
        # expat (the oracle) refuses any character XML 1.0 forbids: the body parses
        [(code, description)] = xml_errors(response)
        expected = "".join("\ufffd" if ch in "\x01\x1f\ufffe" else ch for ch in sent)
        assert (code, description) == (400, f"unknown value {expected}")
        assert b"]]&gt;" in response.get_data()      # no CDATA end can appear raw
    else:
        [row] = json_errors(response)
        assert row["description"] == f"unknown value {sent}"
