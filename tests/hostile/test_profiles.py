"""Broken copies of the demo profile: a clear message and exit 1 or 2, never a traceback.

Each case breaks one thing (a value's type or size, a layer's geometry or
coordinates, duplicate ids) and runs ``profile check``, ``locate`` and
``validate`` through the CLI. Hypothesis then throws random TOML values at
every key of ``[locate]``, ``[neighbors]`` and ``[[districts]]``: loading must
give a ProfileError or a working profile, never another exception.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo311.cli import main
from geo311.errors import ProfileError
from geo311.jurisdiction import Locator
from geo311.profile import load_profile

from ..jurisdiction.conftest import X0, Y0, write_synthetic

COMMANDS = {
    "check": ["profile", "check"],
    "locate": ["locate", "-119.93", "36.27", "--profile"],
    "validate": ["validate", "1480 W Dartmouth Ln", "--profile"],
}


@pytest.fixture
def profile(demo_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the demo profile (without its request export and cache)."""
    copy = tmp_path / "demo"
    shutil.copytree(demo_dir, copy, ignore=shutil.ignore_patterns(
        ".geo311-cache", "requests*.csv"))
    return copy


def set_key(root: Path, section: str, key: str, raw: str) -> None:
    """Set ``key = raw`` (TOML text) in ``[section]`` (the first ``[[section]]`` table)."""
    path = root / "profile.toml"
    text = path.read_text()
    header = f"[[{section}]]" if section == "districts" else f"[{section}]"
    if header not in text:
        text += f"\n{header}\n"
    start = text.index(header) + len(header)
    end = text.find("\n[", start)
    end = len(text) if end < 0 else end
    body = text[start:end]
    line = re.compile(rf"^{re.escape(key)} = .*$", re.M)
    body = line.sub(f"{key} = {raw}", body) if line.search(body) else (
        f"\n{key} = {raw}" + body)
    path.write_text(text[:start] + body + text[end:])


def run_all(root: Path, words: list[str], commands=tuple(COMMANDS)) -> None:
    """Every command fails with exit 1 or 2, no traceback, and names ``words``."""
    for name in commands:
        result = CliRunner().invoke(main, [*COMMANDS[name], str(root)])
        assert result.exit_code in (1, 2), (name, result.output, result.exception)
        assert isinstance(result.exception, SystemExit), (name, result.exception)
        assert "Traceback" not in result.output
        for word in words:
            assert word in result.output, (name, word, result.output)


@pytest.mark.parametrize(
    ("section", "key", "raw", "words"),
    [
        ("locate", "near_boundary_m", '"abc"', ["[locate] near_boundary_m", "'abc'"]),
        ("locate", "near_boundary_m", "1e9", ["[locate] near_boundary_m", "5000"]),
        ("locate", "near_boundary_m", "nan", ["[locate] near_boundary_m"]),
        ("locate", "near_boundary_m", "-1", ["[locate] near_boundary_m"]),
        ("locate", "grid_max_cells", "2e9", ["[locate] grid_max_cells"]),
        ("locate", "grid_max_cells", "1000.5", ["[locate] grid_max_cells", "whole"]),
        ("locate", "grid_cell_m", "true", ["[locate] grid_cell_m"]),
        ("locate", "max_memory_mb", '"lots"', ["[locate] max_memory_mb"]),
        ("locate", "grid_size", "10", ["unknown key(s) grid_size in [locate]",
                                       "near_boundary_m"]),
        ("neighbors", "where", "3", ["[neighbors] where"]),
        ("neighbors", "where", '{ type = [[1]] }', ["[neighbors] where"]),
        ("neighbors", "id_field", "5", ["[neighbors] id_field"]),
        ("districts", "id_field", "[1, 2]", ["[[districts]] #1 id_field"]),
        ("districts", "population_field", "{}", ["[[districts]] #1 population_field"]),
        ("jurisdiction", "name", "42", ["[jurisdiction] name"]),
        ("addresses", "number_field", "7", ["[addresses] number_field"]),
        ("addresses", "centerline_fields", '"NAME"', ["[addresses] centerline_fields"]),
        ("services", "catalog", "true", ["[services] catalog"]),
        ("requests", "file", "3", ["[requests] file"]),
        ("requests", "colour", '"x"', ["unknown key(s) colour in [requests]", "lon_field"]),
    ],
)
def test_a_wrong_value_names_file_section_and_key(profile: Path, section: str, key: str,
                                                  raw: str, words: list[str]) -> None:
    set_key(profile, section, key, raw)
    run_all(profile, ["profile.toml", *words])


def test_a_section_of_the_wrong_type(profile: Path) -> None:
    text = (profile / "profile.toml").read_text()
    start = text.index("[neighbors]")
    end = text.index("\n[", start + 1)
    (profile / "profile.toml").write_text("neighbors = 5\n" + text[:start] + text[end + 1:])
    run_all(profile, ["profile.toml", "[neighbors] must be a table", "5"])


def test_the_memory_the_locator_needs_is_refused_before_it_is_allocated(profile: Path) -> None:
    set_key(profile, "locate", "max_memory_mb", "16")
    run_all(profile, ["max_memory_mb = 16", "MB"], commands=("locate", "validate"))
    check = CliRunner().invoke(main, ["profile", "check", str(profile)])
    assert check.exit_code == 0, check.output  # the layers are fine: only the limit is low


def write_wards(profile: Path, transform) -> None:
    """Rewrite wards.geojson with ``transform`` applied to its JSON."""
    path = profile / "wards.geojson"
    data = json.loads(path.read_text())
    transform(data)
    path.write_text(json.dumps(data))


def coordinates(data: dict):
    """Every coordinate list [x, y] of the features (mutable, in place)."""
    def walk(node):
        if isinstance(node[0], (int, float)):
            yield node
        else:
            for child in node:
                yield from walk(child)
    for feature in data["features"]:
        yield from walk(feature["geometry"]["coordinates"])


def first_ring(data: dict) -> list:
    geometry = data["features"][0]["geometry"]
    polygon = geometry["coordinates"] if geometry["type"] == "Polygon" else (
        geometry["coordinates"][0])
    return polygon[0]


def two_point_ring(data: dict) -> None:
    ring = first_ring(data)
    del ring[2:]


def nan_coordinate(data: dict) -> None:
    first_ring(data)[1][0] = math.nan


def huge_coordinate(data: dict) -> None:
    first_ring(data)[1][1] = 1e300


@pytest.mark.parametrize(
    ("breakage", "words"),
    [
        (two_point_ring, ["[[districts]] ward", "wards.geojson", "LinearRing"]),
        (nan_coordinate, ["[[districts]] ward", "wards.geojson", "NaN"]),
        (huge_coordinate, ["[[districts]] ward", "wards.geojson", "1e+300"]),
    ],
)
def test_broken_geometry_names_the_layer(profile: Path, breakage, words) -> None:
    write_wards(profile, breakage)
    run_all(profile, words)


def shifted(data: dict) -> None:
    for xy in coordinates(data):
        xy[0] += 3.0


def swapped(data: dict) -> None:
    for xy in coordinates(data):
        xy[0], xy[1] = xy[1], xy[0]


def duplicate_ids(data: dict) -> None:
    for feature in data["features"][:3]:
        feature["properties"]["ward"] = 7


@pytest.mark.parametrize(
    ("breakage", "words"),
    [
        (shifted, ["[[districts]] ward", "does not overlap the city"]),
        (swapped, ["[[districts]] ward", "lon/lat swapped"]),
        (duplicate_ids, ["[[districts]] ward", "id(s) used by more than one feature", "7"]),
    ],
)
def test_layers_that_cannot_serve_the_city_fail_check_and_locate(profile: Path, breakage,
                                                                 words) -> None:
    write_wards(profile, breakage)
    check = CliRunner().invoke(main, ["profile", "check", str(profile)])
    assert check.exit_code == 1
    assert "Council Ward" in check.stdout  # the summary was printed first
    run_all(profile, words)


def test_projected_coordinates_in_a_geojson_without_crs(profile: Path) -> None:
    wards = gpd.read_file(profile / "wards.geojson").to_crs("EPSG:3310")
    wards.to_file(profile / "wards.geojson", driver="GeoJSON")
    data = json.loads((profile / "wards.geojson").read_text())
    data.pop("crs", None)  # what a careless export leaves: metres, no crs member
    (profile / "wards.geojson").write_text(json.dumps(data))
    run_all(profile, ["[[districts]] ward", "outside the lon/lat range",
                      "projected coordinates in a file without a CRS"])


# ---------------------------------------------------------------- hypothesis
SCALARS = st.one_of(
    st.booleans(), st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
)
TOML_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True),
                                            inner, max_size=3)),
    max_leaves=6,
)
# values that can work, so that both outcomes are exercised
PLAUSIBLE = st.one_of(
    st.floats(0, 6_000), st.integers(0, 2**28),
    st.sampled_from(["places.geojson", "wards.gpkg", "city.geojson", "slug", "name", "type",
                     "phone", "ward", "ward_no", "Ward", "missing.geojson"]),
    st.fixed_dictionaries({"type": st.lists(st.sampled_from(["city", "county-area", "x"]),
                                            min_size=1, max_size=3)}),
)
LOCATE_KEYS = ["near_boundary_m", "grid_cell_m", "grid_max_cells"]
NEIGHBOR_KEYS = ["layer", "id_field", "name_field", "phone_field", "url_field", "where",
                 "contacts", "layer_name"]
DISTRICT_KEYS = ["key", "label", "layer", "id_field", "name_field", "layer_name",
                 "population_field"]
RESULTS = {"cases": 0, "profile_error": 0, "working": 0}


def toml_value(value) -> str:
    """``value`` as TOML text (inline tables and arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if (
            math.isinf(value)) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"


@pytest.fixture(scope="module")
def synthetic_root(tmp_path_factory: pytest.TempPathFactory):
    """The small synthetic profile; prints how the random cases ended (run with -s)."""
    yield write_synthetic(tmp_path_factory.mktemp("hypothesis"))
    print(f"\nhypothesis profile cases: {RESULTS}")


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(section=st.sampled_from(["locate", "neighbors", "districts"]), data=st.data())
def test_random_values_give_a_profile_error_or_a_working_profile(synthetic_root: Path,
                                                                 section: str, data) -> None:
    keys = {"locate": LOCATE_KEYS, "neighbors": NEIGHBOR_KEYS, "districts": DISTRICT_KEYS}
    key = data.draw(st.sampled_from(keys[section]), label="key")
    value = data.draw(st.one_of(TOML_VALUES, PLAUSIBLE), label="value")
    root = synthetic_root
    original = (root / "profile.toml").read_text()
    try:
        text = original
        if section == "locate":
            text += f"\n[locate]\nmax_memory_mb = 256\n{key} = {toml_value(value)}\n"
        else:
            header = "[[districts]]" if section == "districts" else "[neighbors]"
            start = text.index(header) + len(header)
            end = text.find("\n[", start)
            end = len(text) if end < 0 else end
            line = re.compile(rf"^{key} = .*$", re.M)
            body = line.sub("", text[start:end])
            text = text[:start] + f"\n{key} = {toml_value(value)}" + body + text[end:]
        (root / "profile.toml").write_text(text)
        RESULTS["cases"] += 1
        try:
            profile = load_profile(root)
            locator = Locator(profile)
        except ProfileError as exc:
            RESULTS["profile_error"] += 1
            assert str(root / "profile.toml") in exc.message or "profile.toml" in exc.message
            return
        RESULTS["working"] += 1
        answer = locator.locate(X0 + 0.005, Y0 + 0.005)
        assert answer["in_jurisdiction"]
    finally:
        (root / "profile.toml").write_text(original)
