"""The intake rules' refusals and notices, as the pages word them: every kind the rules
produce has its own words in English and in Spanish, with the caller's text kept as given;
the API keeps the rules' English description."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from geo311.service import intake
from geo311.service.intake import IntakeError, Submission
from geo311.web.intake_words import error_words, notice_words
from tests.pages.places import inside, near_ward_edge, outside, typo

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'
SOURCE = Path(intake.__file__).read_text(encoding="utf-8")
# every kind the rules' code can produce (read from its source, so that a new kind without
# words here fails this test)
ERROR_KINDS = set(re.findall(r'_error\(\s*\d+,\s*[^,]+,\s*"(\w+)"', SOURCE)) | \
    set(re.findall(r'return \(?"(attribute_\w+)"', SOURCE))
NOTICE_KINDS = set(re.findall(r'IntakeNotice\(\s*"(\w+)"', SOURCE))


def _words(app, language: str, items: list, labels: dict[str, str]) -> list[str]:
    with app.test_request_context("/", headers={"Accept-Language": language}):
        return [error_words(item, labels) if isinstance(item, IntakeError)
                else notice_words(item) for item in items]


def _street_level(rules, points) -> tuple[list, list]:
    """Refusals and notices of street-level places (a house number off the street's
    range): at least one of each."""
    errors, notices = [], []
    sample = points[points["in_city"] & points["HouseNumber"].str.isdigit()]
    for _, row in sample.sample(400, random_state=5).iterrows():
        for offset in (40, 99_999):
            text = " ".join(p for p in (str(int(row["HouseNumber"]) + offset), row["Direction"],
                                        row["StreetName"], row["Suffix"]) if isinstance(p, str))
            decision = rules.check(Submission(service_code="SIDEWALK", address_string=text),
                                   now=NOW)
            errors += [e for e in decision.errors if e.kind == "approximate_uncertain"]
            notices += [n for n in decision.notices if n.kind == "approximate"]
        if errors and notices:
            break
    return errors[:1], notices[:1]


@pytest.fixture(scope="module")
def produced(pages_app, points):
    """Refusals and notices of every kind, from submissions to the demo's intake rules."""
    rules = pages_app.extensions["geo311"]["rules"]
    there, edge, there_inside = outside(points), near_ward_edge(points), inside(points)
    at_limit = points[points["in_city"] & (points["city_edge_m"] < 8)].iloc[0]
    pothole = {"SIZE": ["LARGE"]}
    submissions = [
        Submission(service_code=5),  # not_text
        Submission(service_code="POTHOLE", description="a\x00b"),
        Submission(service_code="POTHOLE", attributes=["SIZE"]),
        Submission(service_code="POTHOLE", attributes={"SIZE": "LARGE"}),
        Submission(service_code="POTHOLE", jurisdiction_id="elsewhere"),
        Submission(), Submission(service_code="PTHOLE"),
        Submission(service_code="POTHOLE", attributes={"NOPE": ["1"]}),
        Submission(service_code="POTHOLE"),
        Submission(service_code="POTHOLE", attributes={"SIZE": [HOSTILE]}),
        Submission(service_code="POTHOLE", attributes={"SIZE": ["LARGE", "SMALL"]}),
        Submission(service_code="BULKY", attributes={"ITEMS": ["SOFA"], "ITEM_COUNT": ["x"]}),
        Submission(service_code="NOISE", attributes={"SOURCE": ["MUSIC"],
                                                     "STARTED": [HOSTILE]}),
        Submission(service_code="SIDEWALK", media_url="ftp://x", address_string=there.address),
        Submission(service_code="SIDEWALK", lat="36.3"),
        Submission(service_code="SIDEWALK", lat="200", long="10"),
        Submission(service_code="SIDEWALK", lat=HOSTILE, long="1"),
        Submission(service_code="SIDEWALK", lat="1e400", long="1"),
        Submission(service_code="SIDEWALK", address_id=HOSTILE),
        Submission(service_code="SIDEWALK", address_string="1200 main"),
        Submission(service_code="SIDEWALK", address_string=f"12345 nowhere st {HOSTILE}"),
        Submission(service_code="SIDEWALK", address_string=HOSTILE),
        Submission(service_code="SIDEWALK", address_string="PO Box 12"),
        Submission(service_code="SIDEWALK", lat=str(there.lat), long=str(there.lon)),
        Submission(service_code="POTHOLE", attributes=pothole,
                   address_string=edge.address.replace(" ", "  ").lower()),
        Submission(service_code="SIDEWALK", address_string=at_limit["Address"]),
    ]
    opened = SimpleNamespace(service_request_id="r-1", status="open",
                             requested_datetime=NOW - timedelta(days=1))

    def nearby(lon, lat, radius_m, **_):
        return [(opened, 5.0), (SimpleNamespace(**{**vars(opened), "service_request_id": "r-2"}),
                                9.0)]

    errors, notices = [], []
    for sub in submissions:
        decision = rules.check(sub, now=NOW, nearby=nearby)
        errors += decision.errors
        notices += decision.notices
    notices += rules.check(Submission(service_code="SIDEWALK", address_string=typo(
        there_inside.address)), now=NOW).notices
    more_errors, more_notices = _street_level(rules, points)
    errors.append(IntakeError(400, "lat", "a message", "point_refused", {"message": "x"}))
    return errors + more_errors, notices + more_notices


def test_the_rules_produce_every_kind_each_with_words(produced):
    errors, notices = produced
    assert ERROR_KINDS >= {"outside", "attribute_required", "not_text"}  # the source is read
    assert {e.kind for e in errors} == ERROR_KINDS
    assert {n.kind for n in notices} == NOTICE_KINDS == {
        "corrected", "approximate", "edge_city", "edge_district", "duplicates"}


def test_each_refusal_and_notice_is_worded_in_spanish_with_the_callers_text(pages_app,
                                                                            produced,
                                                                            pages_city):
    errors, notices = produced
    labels = {d.key: d.label or d.key for d in pages_city.profile.districts}
    items = errors + notices
    english = _words(pages_app, "en", items, labels)
    spanish = _words(pages_app, "es", items, labels)
    for item, en, es in zip(items, english, spanish, strict=True):
        assert en and es and en != es, (item.kind, en, es)
        for key in ("text", "value", "address_id"):
            if isinstance(item.params.get(key), str):
                assert item.params[key] in en and item.params[key] in es
    redirect = next(es for e, es in zip(errors, spanish, strict=False) if e.kind == "outside")
    assert redirect.startswith("La dirección de la solicitud de servicio no se encuentra en")
    required = next(es for e, es in zip(errors, spanish, strict=False)
                    if e.kind == "attribute_required")
    assert required == "«How large is it?» es obligatorio."


def test_the_api_keeps_the_english_description(produced):
    """The kind and params are extra: the Open311 error item is the English sentence."""
    errors, _ = produced
    required = next(e for e in errors if e.kind == "attribute_required")
    assert required.as_dict() == {"code": 400, "field": "attribute[SIZE]", "description":
                                  "attribute[SIZE] is required for service POTHOLE "
                                  "(How large is it?)"}


def test_the_validators_reasons_are_worded_in_spanish(pages_app, pages_city, points):
    """Every reason phrase the validator gives on mangled demo addresses (typos, a dropped
    or wrong directional or suffix, a number off the street, a unit, a wrong ZIP, text that
    is no address) has Spanish words."""
    from geo311.web.wording import reason_words

    texts = ["one two three main street", "123 main st 456 oak ave", "PO Box 12", HOSTILE,
             "1200 main", "main st and", "12 main st, ZZ", "12 main st 9999"]
    for _, row in points[points["in_city"]].sample(40, random_state=3).iterrows():
        number, direction, name, suffix = (row[k] if isinstance(row[k], str) else ""
                                           for k in ("HouseNumber", "Direction", "StreetName",
                                                     "Suffix"))
        other = {"N": "S", "S": "N", "E": "W", "W": "E"}.get(direction, "N")
        texts += [typo(row["Address"]), f"{number} {name} {suffix}",
                  f"{number} {other} {name} {suffix}", f"{number} {direction} {name} Way",
                  f"{number} {direction} {name}", f"{int(number) + 99_999} {direction} {name}",
                  f"{row['Address']} APT 9", f"{row['Address']} 00000"]
    phrases = set()
    for text in texts:
        answer = pages_city.validator.validate(text)
        for reason in [s["reason"] for s in answer["suggestions"]] + answer["review_reasons"]:
            phrases.update((reason or "").split("; "))
    phrases.discard("")
    assert len(phrases) >= 10, phrases
    with pages_app.test_request_context("/", headers={"Accept-Language": "es"}):
        untranslated = sorted(p for p in phrases if reason_words(p) == p)
        joined = reason_words("one-letter typo; ZIP differs")
    assert untranslated == []
    assert joined == "error de una letra; código postal distinto"


def _route_reasons() -> list[str]:
    """Every reason the crew-route library can give for leaving a request out, read from its
    source (each value put into ``reasons``), with 7 for every value it formats in."""
    import ast
    import inspect

    from geo311.crews import keep, routes

    def texts(node):
        if isinstance(node, ast.IfExp):
            return texts(node.body) + texts(node.orelse)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.JoinedStr):
            return ["".join(p.value if isinstance(p, ast.Constant) else "7"
                            for p in node.values)]
        return []

    found = []
    for module in (routes, keep):
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Subscript) and getattr(t.value, "id", "") == "reasons"
                    for t in node.targets):
                found += texts(node.value)
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "setdefault"
                  and getattr(node.func.value, "id", "") == "reasons"):
                found += texts(node.args[1])
    return found


def test_every_reason_a_route_leaves_a_request_out_is_worded_in_spanish(pages_app):
    from geo311.web.wording import route_reason_words

    reasons = _route_reasons()
    assert len(reasons) >= 9, reasons
    with pages_app.test_request_context("/", headers={"Accept-Language": "es"}):
        spanish = [route_reason_words(r) for r in reasons]
    with pages_app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = [route_reason_words(r) for r in reasons]
    assert english == reasons
    assert [r for r, s in zip(reasons, spanish, strict=True) if s == r] == []
    assert all(s.count("7") == r.count("7") for r, s in zip(reasons, spanish, strict=True))
