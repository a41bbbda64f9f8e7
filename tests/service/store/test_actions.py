"""Staff actions on SQLite and PostgreSQL: status history, notes, assignment, duplicates,
updates, audit log; API keys and staff passwords (argon2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from geo311.errors import InputError, NotFoundError
from geo311.service.records import Contact, NewRequest, RequestQuery
from geo311.service.store import keys as key_module
from geo311.service.store import open_store
from geo311.service.store.models import ApiKey, StaffUser


@pytest.fixture(scope="module")
def store(store_url):
    store = open_store(store_url)
    yield store
    store.close()


def _new(store, code="ACT"):
    return store.create_request(NewRequest(code, lon=-118.2, lat=34.0))


def test_status_changes_keep_who_when_from_to_note(store):
    request = _new(store)
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    closed = store.change_status(request.service_request_id, "closed", actor="maria",
                                 note="filled", at=at).request
    assert (closed.status, closed.status_notes, closed.updated_datetime,
            closed.closed_datetime) == ("closed", "filled", at, at)
    reopened = store.change_status(request.service_request_id, "OPEN", actor="li").request
    assert reopened.status == "open" and reopened.closed_datetime is None
    history = store.history(request.service_request_id)
    assert [(h["actor"], h["from"], h["to"], h["note"]) for h in history] == [
        ("api", None, "open", None), ("maria", "open", "closed", "filled"),
        ("li", "closed", "open", None)]
    assert history[1]["at"] == at
    audit = store.audit_log(request_id=request.service_request_id)
    assert [(a["actor"], a["action"], a["detail"]["to"]) for a in audit] == [
        ("maria", "change_status", "closed"), ("li", "change_status", "open")]
    with pytest.raises(InputError):
        store.change_status(request.service_request_id, "done", actor="li")
    with pytest.raises(InputError):
        store.change_status(request.service_request_id, "closed", actor=" ")
    with pytest.raises(NotFoundError):
        store.change_status("nope", "closed", actor="li")


def test_notes_and_assignment(store):
    request = _new(store)
    rid = request.service_request_id
    store.add_note(rid, "crew on the way", actor="maria", public=True)
    store.add_note(rid, "caller was rude", actor="maria", public=False)
    assert [n["text"] for n in store.notes(rid)] == ["crew on the way"]
    staff = store.notes(rid, public_only=False)
    assert [(n["text"], n["public"], n["actor"]) for n in staff] == [
        ("crew on the way", True, "maria"), ("caller was rude", False, "maria")]
    assert store.assign(rid, "crew 7", actor="lead").assignee == "crew 7"
    assert store.assign(rid, None, actor="lead").assignee is None
    actions = [(a["action"], a["detail"]) for a in store.audit_log(request_id=rid)]
    assert actions == [("add_note", {"public": True}), ("add_note", {"public": False}),
                       ("assign", {"from": None, "to": "crew 7"}),
                       ("assign", {"from": "crew 7", "to": None})]
    assert "assignee" not in store.get_request(rid).public()
    store.audit("maria", "export_contacts", rid, {"rows": 1})
    assert store.audit_log(request_id=rid)[-1]["action"] == "export_contacts"
    with pytest.raises(InputError):
        store.add_note(rid, "  ", actor="maria", public=True)


def test_closing_the_parent_closes_its_duplicates(store):
    parent, a, b, c = (_new(store, "DUP") for _ in range(4))
    store.link_duplicate(a.service_request_id, parent.service_request_id, actor="li")
    store.link_duplicate(b.service_request_id, a.service_request_id, actor="li")  # -> root
    assert store.get_request(b.service_request_id).duplicate_of == parent.service_request_id
    store.change_status(c.service_request_id, "closed", actor="li")
    with pytest.raises(InputError, match="cycle"):
        store.link_duplicate(parent.service_request_id, b.service_request_id, actor="li")
    store.change_status(parent.service_request_id, "closed", actor="maria", note="fixed")
    for child in (a, b):
        again = store.get_request(child.service_request_id)
        assert again.status == "closed"
        last = store.history(child.service_request_id)[-1]
        assert (last["actor"], last["from"], last["to"]) == ("maria", "open", "closed")
        assert parent.service_request_id in last["note"]
    # linking to a closed request closes the new duplicate at once
    late = _new(store, "DUP")
    assert store.link_duplicate(late.service_request_id, parent.service_request_id,
                                actor="li").status == "closed"
    assert store.get_request(c.service_request_id).duplicate_of is None


def test_updates_are_the_status_changes_in_a_window(store):
    start = datetime(2030, 1, 1, tzinfo=UTC)
    request = _new(store)
    for day, status in ((1, "closed"), (3, "open"), (5, "closed")):
        store.change_status(request.service_request_id, status, actor="x", note=f"d{day}",
                            at=start + timedelta(days=day))
    got = store.updates(start + timedelta(days=2), start + timedelta(days=6))
    assert [(u.status, u.description, u.service_request_id) for u in got] == [
        ("open", "d3", request.service_request_id), ("closed", "d5", request.service_request_id)]
    assert got[0].public()["updated_datetime"] == "2030-01-04T00:00:00+00:00"
    assert "actor" not in got[0].public()
    assert len(store.updates(start, limit=2)) == 2


def test_api_keys_are_hashed_cached_and_revocable(store, monkeypatch):
    key = store.create_api_key("crm", staff=True)
    key_id, secret = key.split(".")
    with store.engines.read.connect() as connection:
        row = connection.execute(select(ApiKey.__table__).where(
            ApiKey.__table__.c.key_id == key_id)).one()
    assert secret not in " ".join(str(v) for v in row)
    assert row.secret_hash.startswith("$argon2id$")
    verified = []

    class Counting:
        def verify(self, *args):
            verified.append(1)
            return real.verify(*args)

        def hash(self, secret):
            return real.hash(secret)

    real = key_module.HASHER
    monkeypatch.setattr(key_module, "HASHER", Counting())
    for _ in range(5):
        info = store.check_api_key(key)
        assert (info.key_id, info.name, info.staff) == (key_id, "crm", True)
    assert len(verified) == 1  # argon2 once; then the SHA-256 cache
    assert store.check_api_key(f"{key_id}.{secret[:-1]}x") is None
    assert store.check_api_key("garbage") is None and store.check_api_key("") is None
    plain = store.create_api_key("app")
    assert store.check_api_key(plain).staff is False
    store.revoke_api_key(key_id, actor="admin")
    assert store.check_api_key(key) is None  # the cache does not outlive a revocation
    assert any(a["action"] == "revoke_api_key" for a in store.audit_log())
    with pytest.raises(NotFoundError):
        store.revoke_api_key("nope", actor="admin")


def test_staff_passwords(store):
    store.create_staff_user("maria", "correct horse battery")
    with store.engines.read.connect() as connection:
        stored = connection.execute(select(StaffUser.__table__.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert store.check_staff_password("maria", "correct horse battery")
    assert not store.check_staff_password("maria", "wrong")
    assert not store.check_staff_password("nobody", "correct horse battery")
    with pytest.raises(InputError, match="exists"):
        store.create_staff_user("maria", "other")


def test_a_nul_character_is_refused_alike_on_both_databases(store):
    """PostgreSQL cannot store a NUL: both stores refuse it up front, or find nothing."""
    request = _new(store, "NUL")
    rid = request.service_request_id
    assert store.get_request(rid + "\x00") is None and store.get_by_token("\x00") is None
    with pytest.raises(InputError, match="NUL"):
        NewRequest("NUL", lon=1.0, lat=1.0, description="a\x00b")
    with pytest.raises(InputError, match="NUL"):
        NewRequest("NUL", lon=1.0, lat=1.0, attributes={"SIZE": ["x\x00"]})
    for call in (lambda: store.add_note(rid, "x\x00", actor="a", public=True),
                 lambda: store.assign(rid, "crew\x00", actor="a"),
                 lambda: store.change_status(rid, "closed", actor="a\x00"),
                 lambda: store.nearby_open(-118.2, 34.0, 10, service_code="\x00")):
        with pytest.raises(InputError, match="NUL"):
            call()
    with pytest.raises(NotFoundError):
        store.change_status(rid + "\x00", "closed", actor="a")
    assert store.check_api_key("a\x00.b") is None
    assert not store.check_staff_password("x\x00", "y")
    with pytest.raises(InputError, match="NUL"):
        RequestQuery(ids=["a\x00"])


TEXT_FIELDS = ("service_code", "service_name", "description", "address", "address_id",
               "zipcode", "media_url", "service_notice", "agency_responsible", "external_id")


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_a_nul_in_any_text_of_a_new_request_is_an_input_error(store, field):
    values = {"service_code": "NUL", "lon": 1.0, "lat": 1.0, "source": "import:nul"}
    values[field] = "a\x00b"
    before = store.count_requests()
    with pytest.raises(InputError, match="NUL"):
        store.insert_many([NewRequest(**values)], actor="t")
    assert store.count_requests() == before


def test_the_remaining_nul_paths_are_input_errors_or_nothing_found(store):
    rid = _new(store, "NUL2").service_request_id
    for bad in ({"contact": Contact(email="x\x00@y")}, {"districts": {"ward": "1\x00"}},
                {"districts": {"w\x00": "1"}}, {"attributes": {"K\x00": ["v"]}},
                {"source": "import:\x00"}):
        with pytest.raises(InputError, match="NUL"):
            NewRequest("NUL", lon=1.0, lat=1.0, **bad)
    for call in (lambda: store.change_status(rid, "closed", actor="a", note="done\x00"),
                 lambda: store.audit("a", "act\x00", rid),
                 lambda: store.audit("a", "act", "id\x00"),
                 lambda: store.create_api_key("app\x00"),
                 lambda: store.create_staff_user("u\x00", "password")):
        with pytest.raises(InputError, match="NUL"):
            call()
    assert store.get_request(rid).status == "open"
    assert store.notes(rid + "\x00") == [] and store.history(rid + "\x00") == []
    assert store.audit_log(request_id=rid + "\x00") == []
    for call in (lambda: store.revoke_api_key("k\x00", actor="a"),
                 lambda: store.link_duplicate(rid, "x\x00", actor="a")):
        with pytest.raises(NotFoundError):
            call()


def test_an_import_reports_rows_with_a_nul_and_stores_the_others(store, tmp_path):
    csv = tmp_path / "nul.csv"
    header = ("service_request_id,service_code,service_name,status,requested_datetime,"
              "closed_datetime,address,zipcode,lon,lat,source,description\n")
    good = "{id},POTHOLE,Pothole,open,2025-01-01T10:00:00-08:00,,{addr},,-119.9,36.3,web,{d}\n"
    csv.write_text(header + good.format(id="n1", addr="1 Main St", d="fine")
                   + good.format(id="n2", addr="2 Main\x00St", d="x")
                   + good.format(id="n3", addr="3 Main St", d="tab\x00")
                   + good.format(id="n\x004", addr="4 Main St", d="y")
                   + good.format(id="n5", addr="5 Main St", d="fine too"))
    report = store.import_requests(csv, "demo", name="nul")
    assert (report.rows, report.added, report.bad) == (5, 2, 3)
    assert [line.split(":")[0] for line in report.first_bad] == ["line 3", "line 4", "line 5"]
    assert all("NUL" in line for line in report.first_bad)
    stored = store.list_requests(RequestQuery(service_codes=["POTHOLE"]))
    assert sorted(r.external_id for r in stored if r.source == "import:nul") == ["n1", "n5"]
    again = store.import_requests(csv, "demo", name="nul")          # idempotent, still reported
    assert (again.added, again.already, again.bad) == (0, 2, 3)
    with pytest.raises(InputError, match="NUL"):
        store.import_requests(csv, "demo", name="bad\x00name")


def test_a_client_update_id_is_recorded_once_with_its_media_url(store):
    request = _new(store)
    rid = request.service_request_id
    at = datetime(2031, 3, 1, 9, tzinfo=UTC)
    first = store.change_status(rid, "closed", actor="crm", note="fixed", at=at,
                                update_id="crm-77", media_url="https://example.org/a.jpg")
    again = store.change_status(rid, "closed", actor="crm", note="fixed", at=at,
                                update_id=" crm-77 ", media_url="https://example.org/a.jpg")
    assert first.recorded and not again.recorded
    assert first.update_id == again.update_id
    # the returned id is the history row's, as updates() lists it
    [listed] = [u for u in store.updates(at, at + timedelta(seconds=1))
                if u.service_request_id == rid]
    assert (listed.update_id, listed.media_url, listed.description) == (
        first.update_id, "https://example.org/a.jpg", "fixed")
    assert len(store.history(rid)) == 2                  # creation + one update
    # the same update_id on another request, or a new one here, is a new row
    other = _new(store)
    elsewhere = store.change_status(other.service_request_id, "closed", actor="crm",
                                    update_id="crm-77")
    assert elsewhere.recorded and elsewhere.update_id != first.update_id
    reopened = store.change_status(rid, "open", actor="crm", update_id="crm-78")
    assert reopened.recorded and reopened.request.status == "open"
    assert int(reopened.update_id) > int(first.update_id)
    for bad in ({"update_id": "a\x00b"}, {"media_url": "x\x00"}, {"update_id": "x" * 129}):
        with pytest.raises(InputError):
            store.change_status(rid, "closed", actor="crm", **bad)
    assert len(store.history(rid)) == 3
