"""The geo311 command line, run through click's CliRunner on real files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from geo311.cli import main
from testsupport.interrupt import StopAfter

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


# --- options that change an answer: each test fails if the option is ignored ---------------


def test_locate_csv_reads_the_columns_named_by_lon_col_and_lat_col(profile_dir, tmp_path):
    source = tmp_path / "in.csv"
    # lon/lat would be found by name and point elsewhere (Eastport; north of the city)
    source.write_text(f"id,lon,lat,px,py\n1,{X0 + 0.06},{Y0 + 0.07},{X0 + 0.005},{Y0 + 0.005}\n")
    target = tmp_path / "out.csv"
    result = run("locate", "--profile", profile_dir, "--csv", source, "-o", target,
                 "--lon-col", "px", "--lat-col", "py")
    assert result.exit_code == 0, result.output
    row = next(csv.DictReader(target.open()))
    assert (row["agency_id"], row["ward_id"], row["error"]) == ("testville", "1", "")
    only_lon = tmp_path / "only_lon.csv"
    assert run("locate", "--profile", profile_dir, "--csv", source, "-o", only_lon,
               "--lon-col", "px").exit_code == 0
    assert next(csv.DictReader(only_lon.open()))["agency_id"] != "testville"  # lat from "lat"


def test_profile_check_json_is_json_and_the_text_is_not(profile_dir):
    as_json = run("profile", "check", profile_dir, "--json")
    assert as_json.exit_code == 0, as_json.output
    summary = json.loads(as_json.output)
    assert "ward" in json.dumps(summary)
    text = run("profile", "check", profile_dir)
    with pytest.raises(json.JSONDecodeError):
        json.loads(text.output)


def test_validate_restart_starts_an_interrupted_output_afresh(demo_dir, tmp_path, monkeypatch):
    source = tmp_path / "in.csv"
    source.write_text("id,addr\n1,1200 N Main St\n2,PO Box 12\n")
    target = tmp_path / "out.csv"
    args = ["validate", "--profile", demo_dir, "--csv", source, "-o", target,
            "--address-col", "addr"]
    assert run(*args).exit_code == 0
    fresh = target.read_text()
    target.unlink()

    def interrupted_run_with_a_stale_first_row() -> None:
        with monkeypatch.context() as patch:
            patch.setattr("geo311.cli.tqdm", StopAfter(1))
            assert run(*args).exit_code == 1
        part = target.with_name(target.name + ".part")
        header, first = fresh.splitlines(keepends=True)[:2]
        part.write_text(header + first.replace("valid", "stale"))

    interrupted_run_with_a_stale_first_row()
    resumed = run(*args)  # the first row was done: a resume keeps it as it is
    assert resumed.exit_code == 0, resumed.output
    assert "stale" in target.read_text()
    assert json.loads(resumed.output[resumed.output.index("{"):])["resumed"] == 1
    target.unlink()
    interrupted_run_with_a_stale_first_row()
    restarted = run(*args, "--restart")
    assert restarted.exit_code == 0, restarted.output
    assert target.read_text() == fresh
    assert json.loads(restarted.output[restarted.output.index("{"):])["resumed"] == 0


@pytest.mark.parametrize(("zip_code", "street"), [("90062", "W 57TH ST"), ("90011", "E 57TH ST")])
def test_validate_zip_chooses_between_two_la_streets(la_profile_dir, zip_code, street):
    result = run("validate", "--profile", la_profile_dir, "1653 57th St", "--zip", zip_code)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["address"] == f"1653 {street}"


def test_validate_city_flags_a_los_angeles_address_given_as_gardena(la_profile_dir):
    answers = {city: json.loads(run("validate", "--profile", la_profile_dir,
                                    "2111 W Bellevue Ave", "--zip", "90026",
                                    "--city", city).output)
               for city in ("Gardena", "Los Angeles")}
    assert answers["Gardena"]["postal_city"]["differs"] is True
    assert answers["Los Angeles"]["postal_city"]["differs"] is False


def test_geo311_profile_is_the_default_profile(profile_dir, monkeypatch):
    monkeypatch.setenv("GEO311_PROFILE", str(profile_dir))
    result = run("locate", X0 + 0.005, Y0 + 0.005)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["agency"]["id"] == "testville"


@pytest.mark.parametrize(("args", "message"), [
    ([X0], "give LON LAT, or --csv FILE -o OUT"),
    ([X0, Y0, "--csv", "{csv}", "-o", "{out}"], "give either LON LAT or --csv, not both"),
    (["--csv", "{csv}"], "--csv needs -o/--output"),
])
def test_locate_usage_errors_are_messages(profile_dir, tmp_path, args, message):
    source = tmp_path / "in.csv"
    source.write_text(f"id,lon,lat\n1,{X0},{Y0}\n")
    args = [str(a).format(csv=source, out=tmp_path / "o.csv") for a in args]
    result = run("locate", "--profile", profile_dir, *args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o.csv").exists()


def test_demo_command_writes_the_number_of_requests_asked_for(tmp_path):
    result = run("demo", "--out", tmp_path / "demo", "--seed", 5, "--requests", 300)
    assert result.exit_code == 0, result.output
    with (tmp_path / "demo" / "requests.csv").open() as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == 300
    assert run("profile", "check", tmp_path / "demo").exit_code == 0


def hotspots(demo_dir, *args):
    result = run("hotspots", "--profile", demo_dir, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_hotspots_band_m_sets_the_gistar_distance_band(demo_dir):
    common = ["--type", "GRAFFITI", "--by", "grid", "--cell-m", 400]
    default = hotspots(demo_dir, *common)
    wide = hotspots(demo_dir, *common, "--band-m", 2000)
    assert wide["neighborhood"] == "distance band 2,000 m" != default["neighborhood"]
    assert wide["hottest"] != default["hottest"]


def test_hotspots_step_and_time_window_shape_the_space_time_cube(demo_dir):
    common = ["--type", "ENCAMPMENT", "--by", "grid", "--cell-m", 400, "--method", "emerging",
              "--from", "2025-09-01", "--to", "2025-12-01"]
    weekly = hotspots(demo_dir, *common, "--step", "week")
    mondays = pd.date_range("2025-09-01", "2025-11-30", freq="W-MON").strftime("%Y-%m-%d")
    assert weekly["steps"] == list(mondays)
    monthly = hotspots(demo_dir, *common)
    assert monthly["steps"] == ["2025-09-01", "2025-10-01", "2025-11-01"]
    wider = hotspots(demo_dir, *common, "--step", "week", "--time-window", 3)
    assert wider["neighborhood"].endswith("time window 3")
    assert "time window" not in weekly["neighborhood"]  # the default, 1
    assert wider["patterns"] != weekly["patterns"]


def test_hotspots_status_keeps_only_that_status(demo_dir):
    raw = pd.read_csv(demo_dir / "requests.csv", dtype=str)
    graffiti = raw[raw["service_code"] == "GRAFFITI"]
    summary = hotspots(demo_dir, "--type", "GRAFFITI", "--status", "open", "--by", "ward",
                       "--method", "counts")
    assert summary["requests"]["kept"] == (graffiti["status"] == "open").sum()
    assert summary["requests"]["excluded"]["status"] == (graffiti["status"] != "open").sum()


@pytest.mark.parametrize("permutations", [99, 499])
def test_hotspots_permutations_set_the_lisa_p_value_resolution(demo_dir, tmp_path, permutations):
    out = tmp_path / "lisa.json"
    hotspots(demo_dir, "--type", "GRAFFITI", "--by", "ward", "--method", "lisa",
             "--permutations", permutations, "--json", out)
    p = np.array([c["p"] for c in json.loads(out.read_text())["cells"]])
    steps = p * (permutations + 1)  # a permutation p-value is (1 + extremes) / (n + 1)
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-6)
    assert p.min() >= 1 / (permutations + 1)


def test_reallocation_weight_backlog_adds_overdue_requests(demo_dir, tmp_path):
    tables = {}
    for weight in ("requests", "backlog"):
        out = tmp_path / f"{weight}.json"
        result = run("reallocation", "--profile", demo_dir, "--department", "Code Enforcement",
                     "--weight", weight, "--json", out)
        assert result.exit_code == 0, result.output
        tables[weight] = pd.DataFrame(json.loads(out.read_text())["wards"]).set_index("ward")
    plain, backlog = tables["requests"], tables["backlog"]
    assert (plain["weight"] == plain["requests"]).all()
    assert (backlog["weight"] >= backlog["requests"]).all()
    assert backlog["weight"].sum() > plain["weight"].sum()


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
