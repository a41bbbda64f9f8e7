"""Property tests of the intake rules: any submission is decided (accepted, or refused with
4xx errors), never an exception; a submission built to the service definition at an
address point of the city is accepted.

``GEO311_INTAKE_EXAMPLES`` sets the number of examples of each test (default 150).
"""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo311.service.duplicates import OpenRequest
from geo311.service.intake import IntakeDecision, IntakeRules, Submission
from geo311.service.records import NewRequest

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
EXAMPLES = int(os.environ.get("GEO311_INTAKE_EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def sample(demo_dir: Path) -> pd.DataFrame:
    points = pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)
    return points.sample(400, random_state=9).reset_index(drop=True)


def _nearby(lon, lat, radius_m, *, service_code=None, since=None, limit=20):
    """A store with one open request of every service, 10 m north of any point asked."""
    when = NOW - timedelta(days=1)
    return [(OpenRequest(f"near-{service_code}", when), 10.0)][:limit]


def _texts() -> st.SearchStrategy:
    return st.one_of(st.none(), st.text(max_size=40), st.just(""), st.just("  "))


def _any_submission(rules: IntakeRules, sample: pd.DataFrame) -> st.SearchStrategy:
    codes = rules.definitions.codes
    attributes = [a for c in codes for a in rules.definitions.attributes(c)]
    attribute_codes = sorted({a.code for a in attributes})
    keys = sorted({k for a in attributes for k, _ in a.values})
    numbers = st.floats(allow_nan=True, allow_infinity=True)
    coordinate = st.one_of(st.none(), numbers, numbers.map(repr), st.text(max_size=12),
                           st.sampled_from(sample["Longitude"].tolist()
                                           + sample["Latitude"].tolist()))
    values = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(keys),
                                numbers.map(str), st.datetimes().map(datetime.isoformat)),
                      max_size=4)
    return st.builds(
        Submission,
        service_code=st.one_of(st.none(), st.sampled_from(codes), st.text(max_size=15)),
        address_string=st.one_of(_texts(), st.sampled_from(sample["Address"].tolist())),
        zip=_texts(),
        lat=coordinate,
        long=coordinate,
        address_id=st.one_of(_texts(), st.sampled_from(sample["address_id"].tolist())),
        attributes=st.dictionaries(st.one_of(st.sampled_from(attribute_codes),
                                             st.text(max_size=10)), values, max_size=4),
        description=_texts(),
        media_url=st.one_of(_texts(), st.just("https://example.org/a.jpg")),
        email=_texts(), phone=_texts(), first_name=_texts(), last_name=_texts(),
        device_id=_texts(), account_id=_texts(),
        jurisdiction_id=st.one_of(_texts(), st.just("rivergate")),
    )


def test_any_submission_is_decided_never_raises(rules, sample):
    @SETTINGS
    @given(sub=_any_submission(rules, sample))
    def check(sub: Submission) -> None:
        decision = rules.check(sub, nearby=_nearby, now=NOW)
        assert isinstance(decision, IntakeDecision)
        if decision.accepted:
            assert decision.errors == [] and isinstance(decision.new, NewRequest)
            assert decision.status == 201
            assert math.isfinite(decision.new.lon) and math.isfinite(decision.new.lat)
            assert decision.location["in_jurisdiction"]
        else:
            assert decision.errors and decision.new is None
            assert all(400 <= e.code < 500 for e in decision.errors)
            assert all(isinstance(e.description, str) and e.description
                       for e in decision.errors)

    check()


@st.composite
def _valid_values(draw, attribute) -> list[str]:
    kind = attribute.datatype
    if kind == "multivaluelist":
        return draw(st.lists(st.sampled_from([k for k, _ in attribute.values]), min_size=1,
                             max_size=6))
    if kind == "singlevaluelist":
        return [draw(st.sampled_from([k for k, _ in attribute.values]))]
    if kind == "number":
        number = draw(st.floats(allow_nan=False, allow_infinity=False) | st.integers())
        return [f" {number!r} "]
    if kind == "datetime":
        zone = draw(st.sampled_from([UTC, timezone(timedelta(hours=-8))]))
        return [draw(st.datetimes(timezones=st.just(zone))).isoformat()]
    text = draw(st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1,
                        max_size=30).filter(str.strip))
    return [text]


def test_a_submission_built_to_the_definition_is_accepted(rules, sample):
    inside = sample[sample["jurisdiction"] == "rivergate"]

    @st.composite
    def valid(draw) -> Submission:
        code = draw(st.sampled_from(rules.definitions.codes))
        attributes = {}
        for attribute in rules.definitions.attributes(code):
            if attribute.variable and (attribute.required or draw(st.booleans())):
                attributes[attribute.code] = draw(_valid_values(attribute))
        row = inside.iloc[draw(st.integers(0, len(inside) - 1))]
        where = draw(st.sampled_from(["point", "id"]))
        return Submission(service_code=code, attributes=attributes,
                          lat=row["Latitude"] if where == "point" else None,
                          long=row["Longitude"] if where == "point" else None,
                          address_id=row["address_id"] if where == "id" else None)

    @SETTINGS
    @given(sub=valid())
    def check(sub: Submission) -> None:
        decision = rules.check(sub, nearby=_nearby, now=NOW)
        assert decision.accepted, decision.errors
        kept = decision.new.attributes
        assert set(kept) == {k for k, v in sub.attributes.items()}
        for code, values in sub.attributes.items():
            assert kept[code] == list(dict.fromkeys(v.strip() for v in values))
        assert decision.possible_duplicates[0]["service_request_id"] == \
            f"near-{sub.service_code}"
        assert "may already be reported" in decision.service_notice

    check()


def test_validate_answers_any_text(rules):
    @SETTINGS
    @given(text=st.text(max_size=60), zip_=st.one_of(st.none(), st.text(max_size=10)))
    def check(text: str, zip_: str | None) -> None:
        answer = rules.validate(text, zip=zip_, service_code="POTHOLE", nearby=_nearby,
                                now=NOW)
        assert answer["status"] in {"valid", "corrected", "ambiguous", "not_found",
                                    "needs_review", "rejected"}
        located = answer["lon"] is not None and answer["location"]["in_jurisdiction"]
        assert bool(answer["possible_duplicates"]) == bool(located)

    check()
