"""Service definitions: the demo's against the published GeoReport v2 schemas, and the errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from geo311.errors import NotFoundError, ProfileError
from geo311.profile import load_profile
from geo311.service.definitions import (
    DEFAULT_RULE,
    DuplicateRule,
    catalog_services,
    load_definitions,
    parse_definitions,
)


@pytest.fixture(scope="module")
def definitions(demo_dir):
    return load_definitions(load_profile(demo_dir))


def _schema(shared_data: Path, name: str) -> dict:
    folder = shared_data.parent / "open311"
    if not (folder / name).exists():
        pytest.skip(f"GeoReport schemas missing: {folder}")
    return json.loads((folder / name).read_text())


def test_service_list_follows_the_schema_and_the_catalog(definitions, demo_dir, shared_data):
    schema = _schema(shared_data, "service.json")
    raw = json.loads((demo_dir / "service_definitions.json").read_text())
    catalog = pd.read_csv(demo_dir / "service_catalog.csv", dtype=str, keep_default_na=False)
    rows = definitions.services()
    assert [r["service_code"] for r in rows] == catalog["service_code"].tolist()
    for row, (_, expected) in zip(rows, catalog.iterrows(), strict=True):
        assert set(schema["required"]) <= set(row) <= set(schema["properties"])
        assert row["type"] in schema["properties"]["type"]["enum"]
        assert row["type"] == expected["type"]
        assert row["keywords"] == (expected["keywords"] or None)
        assert row["service_name"] == expected["service_name"]
        assert row["group"] == expected["group"]
        assert row["metadata"] is bool(raw.get(row["service_code"], {}).get("attributes"))
    assert {r["metadata"] for r in rows} == {True, False}


def test_definitions_follow_the_schema_and_the_file(definitions, demo_dir, shared_data):
    schema = _schema(shared_data, "service-definition.json")["properties"]["attributes"]
    item = schema["items"]
    raw = json.loads((demo_dir / "service_definitions.json").read_text())
    datatypes = set()
    for code in definitions.codes:
        answer = definitions.definition(code)
        assert answer["service_code"] == code
        expected = sorted(raw.get(code, {}).get("attributes", []), key=lambda a: a["order"])
        assert [a["code"] for a in answer["attributes"]] == [a["code"] for a in expected]
        for got, want in zip(answer["attributes"], expected, strict=True):
            assert set(item["required"]) <= set(got) <= set(item["properties"])
            assert got["datatype"] in item["properties"]["datatype"]["enum"]
            assert isinstance(got["order"], int)
            for key in ("variable", "datatype", "required", "description"):
                assert got[key] == want[key]
            assert got.get("values", []) == want.get("values", [])
            datatypes.add(got["datatype"])
    # the demo uses every datatype, and a required multivaluelist (bulky items)
    assert datatypes == set(item["properties"]["datatype"]["enum"])
    bulky = {a["code"]: a for a in definitions.definition("BULKY")["attributes"]}
    assert bulky["ITEMS"]["datatype"] == "multivaluelist" and bulky["ITEMS"]["required"]


def test_duplicate_rules_default_and_from_the_catalog(demo_dir, tmp_path):
    copy = _copy(demo_dir, tmp_path, "service_catalog.csv")
    catalog = pd.read_csv(copy / "service_catalog.csv", dtype=str, keep_default_na=False)
    catalog["duplicate_radius_m"] = ""
    catalog["duplicate_days"] = ""
    catalog.loc[catalog["service_code"] == "POTHOLE", "duplicate_radius_m"] = "80"
    catalog.loc[catalog["service_code"] == "NOISE", "duplicate_days"] = "1.5"
    catalog.to_csv(copy / "service_catalog.csv", index=False)
    definitions = load_definitions(load_profile(copy))
    assert DEFAULT_RULE == DuplicateRule(50.0, 14.0)
    assert definitions.duplicate_rule("POTHOLE") == DuplicateRule(80.0, 14.0)
    assert definitions.duplicate_rule("NOISE") == DuplicateRule(50.0, 1.5)
    assert definitions.duplicate_rule("BULKY") == DEFAULT_RULE
    with pytest.raises(NotFoundError):
        definitions.duplicate_rule("NOPE")
    with pytest.raises(NotFoundError):
        definitions.definition("NOPE")


def test_without_the_definitions_key_no_service_has_attributes(demo_dir, tmp_path):
    copy = _copy(demo_dir, tmp_path)
    toml = (copy / "profile.toml").read_text()
    line = 'definitions = "service_definitions.json"\n'
    assert line in toml
    (copy / "profile.toml").write_text(toml.replace(line, ""))
    definitions = load_definitions(load_profile(copy))
    assert not any(row["metadata"] for row in definitions.services())
    assert definitions.definition("BULKY") == {"service_code": "BULKY", "attributes": []}


def _copy(demo_dir: Path, tmp_path: Path, *edited: str) -> Path:
    """The demo profile in ``tmp_path``: ``profile.toml`` and the ``edited`` files copied,
    the others linked (a linked profile.toml would resolve paths beside its target)."""
    copy = tmp_path / "demo"
    copy.mkdir()
    for path in demo_dir.iterdir():
        if path.is_file():
            if path.name in edited or path.name == "profile.toml":
                shutil.copy(path, copy / path.name)
            else:
                (copy / path.name).symlink_to(path)
    return copy


def _with_definitions(demo_dir: Path, tmp_path: Path, raw) -> Path:
    copy = _copy(demo_dir, tmp_path, "service_definitions.json")
    (copy / "service_definitions.json").write_text(
        raw if isinstance(raw, str) else json.dumps(raw))
    return copy


_LIST = {"code": "K", "datatype": "singlevaluelist", "values": [{"key": "A", "name": "a"}]}


def test_an_unreadable_definitions_file_is_named(demo_dir, tmp_path):
    copy = _with_definitions(demo_dir, tmp_path, "{not json")
    with pytest.raises(ProfileError) as caught:
        load_definitions(load_profile(copy))
    assert "[services] definitions: cannot read" in caught.value.message
    assert str(copy / "service_definitions.json") in caught.value.message


@pytest.mark.parametrize(("raw", "says"), [
    ([1, 2], "must be a JSON object keyed by service_code"),
    ({"NOPE": {"attributes": []}}, "not in the catalog: NOPE"),
    ({"POTHOLE": {"attributes": [{"code": "X", "datatype": "colour"}]}},
     "service POTHOLE attribute X: datatype 'colour' is not one of"),
    ({"POTHOLE": {"attributes": [{"code": "X", "datatype": "singlevaluelist"}]}},
     "needs a non-empty list of values"),
    ({"POTHOLE": {"attributes": [{"code": "X", "datatype": "string",
                                  "values": [{"key": "A", "name": "a"}]}]}},
     "values are for list datatypes only"),
    ({"POTHOLE": {"attributes": [_LIST, _LIST]}}, "attribute code(s) used twice: K"),
    ({"POTHOLE": {"attributes": [dict(_LIST, required="yes")]}}, "required must be true or"),
    ({"POTHOLE": {"attributes": [dict(_LIST, colour=1)]}}, "unknown key(s) colour"),
    ({"POTHOLE": {"attributes": [dict(_LIST, values=[{"key": "A", "name": "a"},
                                                     {"key": "A", "name": "b"}])]}},
     "value keys must be unique"),
    ({"POTHOLE": {"attributes": [dict(_LIST, order=1.5)]}}, "order must be a whole number"),
    ({"POTHOLE": {"attributes": [{"code": " X", "datatype": "text"}]}},
     "without surrounding spaces"),
    ({"POTHOLE": []}, 'must be an object {"attributes": [...]}'),
])
def test_a_bad_definition_is_named(raw, says):
    with pytest.raises(ProfileError) as caught:
        parse_definitions(raw, ["POTHOLE", "NOISE"], "defs.json")
    assert caught.value.message.startswith("defs.json")
    assert says in caught.value.message


@pytest.mark.parametrize(("column", "value", "says"), [
    ("type", "sometimes", "type 'sometimes' is not one of realtime, batch, blackbox"),
    ("duplicate_radius_m", "-5", "duplicate_radius_m '-5' must be a number > 0"),
    ("duplicate_days", "two", "duplicate_days 'two' must be a number > 0"),
    ("duplicate_days", "inf", "duplicate_days 'inf' must be a number > 0"),
])
def test_a_bad_catalog_column_is_named(demo_dir, column, value, says):
    catalog = pd.read_csv(demo_dir / "service_catalog.csv", dtype=str, keep_default_na=False)
    catalog.loc[1, column] = value
    with pytest.raises(ProfileError) as caught:
        catalog_services(catalog)
    assert f"service {catalog.loc[1, 'service_code']}: {says}" in caught.value.message
