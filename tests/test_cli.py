"""The geo311 command line, run through click's CliRunner on real files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from geo311.cli import main

from .jurisdiction.conftest import X0, Y0, write_synthetic


@pytest.fixture(scope="module")
def profile_dir(tmp_path_factory) -> Path:
    return write_synthetic(tmp_path_factory.mktemp("cli"))


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_locate_one_point_with_a_negative_longitude_prints_json(profile_dir):
    result = run("locate", "--profile", profile_dir, X0 + 0.005, Y0 + 0.005)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["agency"]["id"] == "testville"
    assert answer["districts"]["ward"]["id"] == "1"


def test_locate_out_of_range_point_is_a_clean_error(profile_dir):
    result = run("locate", "--profile", profile_dir, -100, 95)
    assert result.exit_code == 1
    assert "Error: latitude out of range [-90, 90]" in result.output
    assert "Traceback" not in result.output


def test_missing_profile_is_a_clean_error(tmp_path):
    result = run("locate", "--profile", tmp_path / "nope", -100, 40)
    assert result.exit_code == 1
    assert "profile not found" in result.output


def test_locate_csv_keeps_every_row_and_column_and_reports_bad_rows(profile_dir, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        "id,Longitude,Latitude,note\n"
        f"a,{X0 + 0.005},{Y0 + 0.005},in the city\n"
        f"b,{X0 + 0.02},{Y0 + 0.02},enclave\n"
        "c,,,no coordinates\n"
        f"d,east,{Y0},text\n"
        f"e,{X0},95,out of range\n"
        "f,1,2\n"
        f"g,{X0 + 0.06},{Y0 + 0.02},\"Eastport, <b>quoted</b>\"\n"
        f"h,{X0 + 0.005},{Y0 + 0.005},one,two\n"
    )
    target = tmp_path / "out.csv"
    result = run("locate", "--profile", profile_dir, "--csv", source, "-o", target)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.open()))
    assert [r["id"] for r in rows] == list("abcdefgh")
    assert rows[0]["agency_id"] == "testville" and rows[0]["ward_id"] == "1"
    assert rows[0]["in_jurisdiction"] == "True" and rows[0]["error"] == ""
    assert rows[1]["agency_id"] == "enclave" and rows[1]["in_jurisdiction"] == "False"
    assert rows[2]["error"] == "longitude missing or not a number: ''"
    assert rows[3]["error"] == "longitude missing or not a number: 'east'"
    assert rows[4]["error"] == "latitude out of range [-90, 90]: '95'"
    assert rows[5]["error"] == "row has 3 fields, the header has 4"
    assert rows[6]["note"] == "Eastport, <b>quoted</b>" and rows[6]["agency_id"] == "eastport"
    assert rows[7]["note"] == "one"
    assert rows[7]["error"] == "row has 5 fields, the header has 4; extra fields: ['two']"
    summary = json.loads(result.output[result.output.index("{"):])
    assert summary["rows"] == 8 and summary["errors"] == 5
    assert summary["outside_by_agency"] == {"Enclave Town": 1, "Eastport": 1}


def test_locate_csv_without_coordinate_columns_names_the_option(profile_dir, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,where\n1,here\n")
    result = run("locate", "--profile", profile_dir, "--csv", source, "-o", tmp_path / "o.csv")
    assert result.exit_code == 1
    assert "cannot tell which column holds the longitude" in result.output
    assert "--lon-col" in result.output


def test_locate_csv_with_named_columns_that_do_not_exist(profile_dir, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,x,y\n1,-100,40\n")
    result = run("locate", "--profile", profile_dir, "--csv", source, "-o", tmp_path / "o.csv",
                 "--lon-col", "LONG")
    assert result.exit_code == 1
    assert "no column 'LONG' for longitude (columns: id, x, y)" in result.output


def test_profile_check_prints_the_layers(profile_dir):
    result = run("profile", "check", profile_dir)
    assert result.exit_code == 0, result.output
    assert "ward" in result.output


def test_profile_check_of_a_broken_profile_names_the_field(tmp_path):
    root = write_synthetic(tmp_path)
    toml = root / "profile.toml"
    toml.write_text(toml.read_text().replace('id_field = "ward"', 'id_field = "WARD"'))
    result = run("profile", "check", root)
    assert result.exit_code == 1
    assert "id_field = 'WARD' is not a field of wards.gpkg" in result.output
    assert "Traceback" not in result.output


def test_validate_one_address_prints_the_answer(demo_dir):
    result = run("validate", "--profile", demo_dir, "1200 n main street")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["address"] == "1200 N MAIN ST" and answer["status"] == "valid"


def test_validate_csv_writes_every_row_and_a_summary(demo_dir, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('id,addr\n1,1200 N Main St\n2,PO Box 12\n3,"12 Zzyzx Qwerty Blvd"\n')
    target = tmp_path / "out.csv"
    result = run("validate", "--profile", demo_dir, "--csv", source, "-o", target,
                 "--address-col", "addr")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.open()))
    assert [r["status"] for r in rows] == ["valid", "rejected", "not_found"]
    assert rows[0]["ward_id"] and rows[0]["agency_id"] == "rivergate"
    summary = json.loads(result.output[result.output.index("{"):])
    assert summary["rows"] == 3


def test_validate_csv_without_address_column_is_a_usage_error(demo_dir, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,addr\n1,1200 N Main St\n")
    result = run("validate", "--profile", demo_dir, "--csv", source, "-o", tmp_path / "o.csv")
    assert result.exit_code == 2
    assert "--address-col" in result.output


def test_validate_csv_names_a_missing_column_by_its_flag(demo_dir, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,street\n1,100 Main St\n")
    result = run("validate", "--profile", demo_dir, "--csv", source, "-o", tmp_path / "o.csv",
                 "--address-col", "addr")
    assert result.exit_code == 1
    assert "no column 'addr' for --address-col" in result.output


def test_flag_wording_turns_the_field_a_library_error_names_into_the_flag():
    from geo311.cli import error_message
    from geo311.errors import InputError

    assert error_message(InputError("x.part belongs to another run; use resume=False to start "
                                    "afresh", field="resume")) == (
        "x.part belongs to another run; use --restart to start afresh")
    assert error_message(InputError("no column 'lon_col' for lat_col (columns: lon_col, b)",
                                    field="lat_col")) == (
        "no column 'lon_col' for --lat-col (columns: lon_col, b)")
    assert error_message(InputError("cannot decode; give the file's encoding with "
                                    "encoding=...", field="encoding")) == (
        "cannot decode; give the file's encoding with --encoding")
    assert error_message(InputError("use resume=False", field=None)) == "use resume=False"
