"""``geo311 staff create`` (password asked twice or read from stdin) and the rate limit of
``POST /api/v1/staff/login`` (per client address, 429 with an Open311 body)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from geo311.cli import main
from geo311.service.store import open_store
from geo311.web import create_app


@pytest.fixture
def db(tmp_path):
    return f"sqlite:///{tmp_path / 'store.sqlite'}"


def _create(db, *args, input=None):
    return CliRunner().invoke(main, ["staff", "create", "--db", db, *args], input=input)


def test_staff_create_asks_twice_and_the_login_then_works(db, demo_city):
    mismatch = _create(db, "maria", input="first-secret\nother-secret\n")
    assert mismatch.exit_code != 0 and "do not match" in mismatch.output
    assert open_store(db).check_staff_password("maria", "first-secret") is False
    made = _create(db, "maria", input="right-secret\nright-secret\n")
    assert made.exit_code == 0, made.output
    assert "right-secret" not in made.output
    scripted = _create(db, "li", "--password-stdin", input="piped-secret\n")
    assert scripted.exit_code == 0, scripted.output
    store = open_store(db)
    assert store.check_staff_password("maria", "right-secret")
    assert store.check_staff_password("li", "piped-secret")
    assert not store.check_staff_password("li", "piped-secret\n")
    client = create_app(demo_city, store).test_client()
    answer = client.post("/api/v1/staff/login", json={"username": "li",
                                                      "password": "piped-secret"})
    assert answer.status_code == 200 and answer.json == {"username": "li"}
    assert client.get("/api/v1/staff/requests").status_code == 200
    store.close()


@pytest.mark.parametrize("args,input,word", [
    (["maria", "--password-stdin"], "short\n", "at least 8"),
    (["maria", "--password-stdin"], "\n", "at least 8"),
    (["  ", "--password-stdin"], "long-enough\n", "username"),
])
def test_staff_create_refuses_bad_input_with_a_message(db, args, input, word):
    result = _create(db, *args, input=input)
    assert result.exit_code != 0
    assert word in result.output
    assert "Traceback" not in result.output


def test_an_existing_user_is_a_message_not_a_traceback(db):
    assert _create(db, "maria", "--password-stdin", input="a-password\n").exit_code == 0
    again = _create(db, "maria", "--password-stdin", input="b-password\n")
    assert again.exit_code != 0 and "exists" in again.output
    assert "Traceback" not in again.output
    store = open_store(db)
    assert store.check_staff_password("maria", "a-password")     # unchanged
    store.close()


def test_login_attempts_are_limited_per_client_address(db, demo_city):
    store = open_store(db)
    store.create_staff_user("maria", "right-secret")
    app = create_app(demo_city, store, config={"GEO311_LOGIN_LIMIT": "3 per minute"})
    client = app.test_client()
    here = {"REMOTE_ADDR": "203.0.113.7"}
    codes = [client.post("/api/v1/staff/login", json={"username": "maria", "password": p},
                         environ_base=here).status_code
             for p in ("guess-1", "guess-2", "right-secret", "right-secret")]
    assert codes == [403, 403, 200, 429]
    last = client.post("/api/v1/staff/login", json={"username": "maria",
                                                    "password": "right-secret"},
                       environ_base=here)
    assert last.status_code == 429
    assert last.json[0]["code"] == 429 and last.json[0]["description"]
    assert int(last.headers["Retry-After"]) > 0
    # another address still may log in; other endpoints are not limited by it
    other = client.post("/api/v1/staff/login", json={"username": "maria",
                                                     "password": "right-secret"},
                        environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert other.status_code == 200
    assert client.get("/api/v1/locate?lon=0&lat=0", environ_base=here).status_code != 429
    store.close()
