"""The learned reference in the store (SQLite and PostgreSQL): provenance round trips, and
a learned point reaches the worker that learned it at once and the other workers at their
next poll."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from geo311.address.learned import LearnedAlias, LearnedPoint, Verdict
from geo311.city import City
from geo311.errors import InputError
from geo311.service.learning import ReferenceLearner
from geo311.service.store import open_store
from geo311.service.store.learned import learned_rows, record


@pytest.fixture(scope="module")
def store(store_url):
    store = open_store(store_url)
    yield store
    store.close()


POINT = LearnedPoint("S", "POPLAR", "LN", None, 1218, "1/2", "APT 3", "93691", -119.944554,
                     36.2780586)
ALIAS = LearnedAlias("POPQ", "LN", "POPLAR", "LN")


def test_rows_keep_what_was_learned_and_their_provenance(store):
    at = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
    before = max([r.pk for r in learned_rows(store, status=None)], default=0)
    written = record(store, [
        ("point", Verdict(POINT, None, POINT.address), None),
        ("alias", Verdict(ALIAS, None, "POPLAR LN"), "1218 popq lane"),
        ("point", Verdict(None, "the point is outside the city", "9 X ST"), None),
    ], source="staff", actor="maria", request_id="req-1", at=at)
    assert [r.pk for r in written] == sorted(r.pk for r in written)
    rows = learned_rows(store, after=before, status=None)
    assert [r.pk for r in rows] == [r.pk for r in written]
    point, alias, refused = rows
    assert point.learned == POINT and alias.learned == ALIAS and refused.learned is None
    assert (refused.status, refused.reason, refused.address) == (
        "rejected", "the point is outside the city", "9 X ST")
    for row in rows:
        assert (row.source, row.actor, row.request_id, row.learned_at) == (
            "staff", "maria", "req-1", at)
    assert alias.said == "1218 popq lane"
    assert point.as_dict()["learned_at"] == "2026-03-04T05:06:07.123456+00:00"
    assert point.as_dict()["address"] == "1218 1/2 S POPLAR LN APT 3"
    assert alias.as_dict()["alias_of"] == "POPLAR LN"
    assert [r.pk for r in learned_rows(store, after=before)] == [point.pk, alias.pk]
    assert [r.pk for r in learned_rows(store, after=before, status="rejected")] == [refused.pk]
    assert learned_rows(store, after=refused.pk, status=None) == []


def test_bad_provenance_is_refused_and_nothing_is_written(store):
    count = len(learned_rows(store, status=None))
    verdict = [("point", Verdict(POINT, None, POINT.address), None)]
    with pytest.raises(InputError, match="actor"):
        record(store, verdict, source="staff", actor="  ")
    with pytest.raises(InputError, match="NUL"):
        record(store, verdict, source="staff", actor="a\x00b")
    with pytest.raises(InputError, match="kind"):
        record(store, [("street", verdict[0][1], None)], source="staff", actor="x")
    with pytest.raises(InputError, match="status"):
        learned_rows(store, status="maybe")
    assert len(learned_rows(store, status=None)) == count


def test_a_point_reaches_this_worker_at_once_and_others_at_their_next_poll(
        store, demo_dir):
    """Two workers (two cities from one profile) on one store; the oracle of each answer is
    the point the staff member gave."""
    now = [0.0]
    first = ReferenceLearner(City.open(demo_dir), store, clock=lambda: now[0])
    second = ReferenceLearner(City.open(demo_dir), store, poll_seconds=5, clock=lambda: now[0])
    first.load()
    second.refresh()
    points = pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)
    row = points[(points.jurisdiction == "rivergate") & (points.Direction != "")].iloc[7]
    street = f"{row.Direction} {row.StreetName} {row.Suffix}".strip()
    taken = set(points[(points.StreetName == row.StreetName)
                       & (points.Direction == row.Direction)].HouseNumber.astype(int))
    number = next(n for n in range(int(row.HouseNumber) + 2, 10**6, 2) if n not in taken)
    address = f"{number} {street}"
    lon = float(row.Longitude) + 3 / (111_320 * math.cos(math.radians(float(row.Latitude))))
    lat = float(row.Latitude)
    validate = [learner.city.validator.validate for learner in (first, second)]
    assert all(v(address)["match_type"] != "exact" for v in validate)
    stored = first.confirm(address, lon, lat, source="staff", actor="maria", request_id="r9",
                           said=f"{number} {row.Direction} {row.StreetName[:3]}Q {row.Suffix}")
    assert [(r.kind, r.status) for r in stored] == [("point", "learned"), ("alias", "learned")]
    answer = validate[0](address)
    assert (answer["match_type"], answer["lon"], answer["lat"]) == ("exact", lon, lat)
    now[0] += 1  # within the poll interval: no look at the store
    assert second.refresh() == 0 and validate[1](address)["match_type"] != "exact"
    now[0] += 5
    assert second.refresh() == 2
    answer = validate[1](address)
    assert (answer["match_type"], answer["lon"], answer["lat"]) == ("exact", lon, lat)
    alias = validate[1](f"{number} {row.Direction} {row.StreetName[:3]}Q {row.Suffix}")
    assert alias["address"] == address
    # the same rows again change nothing; a second confirmation is refused as a duplicate
    assert first.load() == 0
    again = second.confirm(address, lon, lat, source="staff", actor="li")
    assert again[0].status == "rejected" and "already in the reference" in again[0].reason
    rows = learned_rows(store, after=stored[0].pk - 1, status=None)
    assert (rows[0].actor, rows[0].request_id, rows[-1].actor) == ("maria", "r9", "li")
    assert rows[0].learned_at > datetime.now(UTC) - timedelta(minutes=5)


def test_an_accepted_correction_becomes_an_alias_and_a_plain_accept_stores_nothing(
        store, demo_dir):
    learner = ReferenceLearner(City.open(demo_dir), store)
    points = pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)
    row = points[(points.jurisdiction == "rivergate") & (points.StreetName.str.len() >= 6)
                 & (points.Suffix != "")].iloc[3]
    canonical = " ".join(p for p in (row.HouseNumber, row.Direction, row.StreetName,
                                     row.Suffix) if p)
    said = canonical.replace(row.StreetName, row.StreetName[:-1])  # the caller's shortening
    count = len(learned_rows(store, status=None))
    assert learner.accept(canonical.lower(), canonical, source="intake", actor="ana") == []
    assert learner.accept(None, canonical, source="intake", actor="ana") == []
    assert len(learned_rows(store, status=None)) == count
    [row_] = learner.accept(said, canonical, source="intake", actor="ana", request_id="r1")
    assert (row_.kind, row_.status, row_.said, row_.request_id) == ("alias", "learned", said,
                                                                     "r1")
    assert row_.learned == LearnedAlias(row.StreetName[:-1], row.Suffix, row.StreetName,
                                        row.Suffix)
    answer = learner.city.validator.validate(said)
    assert answer["address"] == canonical
    assert f"alias of {row.StreetName} {row.Suffix}" in answer["suggestions"][0]["reason"]
