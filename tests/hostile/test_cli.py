"""Every command on hostile arguments: a message and exit code 1 or 2, never a traceback.

Each case asserts that no exception escaped (CliRunner keeps it in ``result.exception``;
the console would have shown its traceback), that the exit code is the one the case
demands (1: bad input, data or a failure while running; 2: usage), and that output files
from an earlier run are byte-identical afterwards (and none is created). ``TALLY`` counts
the cases run and those that fell short; the count is printed when the module ends.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import geo311.cli
from geo311.cli import main

TALLY = {"run": 0, "short": 0}
OK, FAIL, USAGE = {0}, {1}, {2}
EARLIER = b"an earlier run's output\n"
FIXTURES = [HealthCheck.function_scoped_fixture]  # demo_dir is session-scoped, never changed


@pytest.fixture(scope="module", autouse=True)
def report_tally():
    yield
    print(f"\nhostile CLI cases run: {TALLY['run']}, fell short: {TALLY['short']}",
          file=sys.__stderr__)


def run(args, codes, *, outputs=(), absent=(), says=None):
    """Invoke ``geo311 args``; assert the code, no traceback, outputs untouched."""
    before = {Path(p): Path(p).read_bytes() for p in outputs}
    result = CliRunner().invoke(main, [str(a) for a in args])
    TALLY["run"] += 1
    problems = []
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        problems.append(f"exception escaped: {result.exception!r}")
    if "Traceback" in result.output:
        problems.append("traceback in the output")
    if result.exit_code not in codes:
        problems.append(f"exit code {result.exit_code}, expected one of {sorted(codes)}")
    if result.exit_code != 0 and "Error" not in result.output:
        problems.append("a failure without an error message")
    if says is not None and says not in result.output:
        problems.append(f"the message does not say {says!r}")
    problems += [f"{p} changed" for p, data in before.items() if p.read_bytes() != data]
    problems += [f"{p} was created" for p in absent if Path(p).exists()]
    if problems:
        TALLY["short"] += 1
    assert not problems, f"geo311 {' '.join(map(str, args))}: {problems}\n{result.output}"
    return result


@pytest.fixture
def earlier(tmp_path):
    """Output files of an earlier run: HTML, JSON, CSV and PNG."""
    files = {name: tmp_path / f"earlier.{name}" for name in ("html", "json", "csv", "png")}
    for path in files.values():
        path.write_bytes(EARLIER)
    return files


@pytest.fixture(scope="module")
def broken(tmp_path_factory, demo_dir):
    """Request files and profiles no one should feed the CLI."""
    root = tmp_path_factory.mktemp("broken")
    (root / "empty.csv").write_bytes(b"")
    header = (demo_dir / "requests.csv").read_text().splitlines()[0]
    (root / "header.csv").write_text(header + "\n")
    (root / "no_toml").mkdir()
    (root / "bad_toml").mkdir()
    (root / "bad_toml" / "profile.toml").write_text("[jurisdiction\nid = ")
    (root / "no_city").mkdir()
    (root / "no_city" / "profile.toml").write_text('[jurisdiction]\nid = "x"\n')
    (root / "a_file").write_text("not a directory")
    return root


# -- locate ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("coords", "codes", "says"), [
    (["-25", "1.5"], FAIL, "too far from City of Rivergate"),
    (["1e300", "1"], FAIL, "longitude out of range"),
    (["-119.9", "1e300"], FAIL, "latitude out of range"),
    (["nan", "36.3"], USAGE, "'nan' is not a plain decimal number"),
    (["-119.9", "NaN"], USAGE, "'NaN' is not a plain decimal number"),
    (["inf", "36.3"], USAGE, "'inf' is not a plain decimal number"),
    (["-inf", "-inf"], USAGE, "is not a plain decimal number"),
    (["1_0", "36.3"], USAGE, "'1_0' is not a plain decimal number"),
    (["١٢", "36.3"], USAGE, "is not a plain decimal number"),
    (["0x10", "1"], USAGE, "is not a plain decimal number"),
    (["east", "north"], USAGE, "is not a plain decimal number"),
    (["-119.9"], USAGE, "give LON LAT"),
    (["1", "2", "3"], USAGE, "give LON LAT"),
])
def test_locate_hostile_coordinates(demo_dir, coords, codes, says):
    run(["locate", "--profile", demo_dir, "--", *coords], codes, says=says)


def test_locate_usage_and_profile_errors(demo_dir, broken, tmp_path):
    good = tmp_path / "in.csv"
    good.write_text("lon,lat\n-119.9,36.3\n")
    out = tmp_path / "never.csv"
    run(["locate", "-p", demo_dir, "--csv", good, "1", "2"], USAGE, absent=[out])
    run(["locate", "-p", demo_dir, "--csv", good], USAGE, absent=[out])
    run(["locate", "-p", demo_dir, "--csv", tmp_path / "missing.csv", "-o", out], USAGE,
        absent=[out])
    for profile in ("no_toml", "bad_toml", "no_city", "nowhere"):
        run(["locate", "-p", broken / profile, "-119.9", "36.3"], FAIL)
        run(["locate", "-p", broken / profile, "--csv", good, "-o", out], FAIL, absent=[out])


def test_locate_csv_with_an_unknown_column_keeps_the_earlier_output(demo_dir, tmp_path, earlier):
    good = tmp_path / "in.csv"
    good.write_text("lon,lat\n-119.9,36.3\n")
    run(["locate", "-p", demo_dir, "--csv", good, "-o", earlier["csv"], "--lon-col", "x"], FAIL,
        outputs=[earlier["csv"]])


ODD_NUMBERS = ["1_0", "١٢", "0x10", "1e999", "-1e999", "", " ", "-", "--1", "+", ".", "e5",
               "1e", "nan", "-nan", "inf", "Infinity", "1,5", "1.2.3", "½", "١", "0", "-0"]


def _expected_parse(text: str) -> float | None:
    """The oracle: plain, finite ASCII decimal notation, as float() reads it."""
    # no str.strip(): it removes \x1c-\x1f, which float() refuses
    if not text.isascii() or "_" in text or text.strip().lower().startswith(("0x", "-0x", "+0x")):
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


coordinate_text = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True).map(repr),
    st.floats(min_value=-180, max_value=180).map(str),
    st.sampled_from(ODD_NUMBERS),
    st.text(max_size=8),
)


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURES)
@given(lon=coordinate_text, lat=coordinate_text)
@example(lon="-25", lat="1.5")
@example(lon="5e-324", lat="-5e-324")
@example(lon="-119.9", lat="0\x1f")  # str.strip() would take the \x1f off; float() refuses it
def test_locate_any_coordinate_is_an_answer_or_a_message(demo_dir, lon, lat):
    x, y = _expected_parse(lon), _expected_parse(lat)
    if x is None or y is None:
        codes = USAGE
    elif all(math.isfinite(v) for v in (x, y)) and abs(x) <= 180 and abs(y) <= 90:
        codes = OK | FAIL  # FAIL only for a point the profile's metric CRS cannot project
    else:
        codes = FAIL
    result = run(["locate", "--profile", demo_dir, "--", lon, lat], codes)
    if codes == OK | FAIL and result.exit_code == 1:
        assert "too far from" in result.output


# -- validate -------------------------------------------------------------------------------
HOSTILE_ADDRESSES = ["Привет мир", "東京都千代田区丸の内1-1", '=HYPERLINK("http://x","y")',
                     "@SUM(A1)", "=CMD|' /C calc'!A0", "!!!...,,,;;", "\x00\x01", "1" * 400,
                     "PO Box 123", "\u202e1200 n main st", "<script>alert(1)</script>"]
STATUSES = {"valid", "corrected", "ambiguous", "approximate", "not_found", "needs_review",
            "rejected"}


@pytest.mark.parametrize("text", HOSTILE_ADDRESSES)
def test_validate_hostile_text_is_an_answer(demo_dir, text):
    result = run(["validate", "--profile", demo_dir, "--", text], OK)
    assert '"status": "' in result.output


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURES)
@given(text=st.one_of(st.text(min_size=1, max_size=60),
                      st.sampled_from(HOSTILE_ADDRESSES),
                      st.builds(lambda n, s: f"{n} {s}", st.integers(-10**6, 10**9),
                                st.text(max_size=20))))
def test_validate_any_text_is_an_answer_or_a_usage_error(demo_dir, text):
    codes = USAGE if not text else OK
    result = run(["validate", "--profile", demo_dir, "--", text], codes)
    if result.exit_code == 0:
        assert json.loads(result.stdout)["status"] in STATUSES


def test_validate_usage_and_profile_errors(demo_dir, broken, tmp_path):
    out = tmp_path / "never.csv"
    good = tmp_path / "in.csv"
    good.write_text("address\n1200 n main st\n")
    run(["validate", "-p", demo_dir], USAGE)
    run(["validate", "-p", demo_dir, "--csv", good], USAGE, absent=[out])
    run(["validate", "-p", demo_dir, "--csv", good, "-o", out], USAGE, absent=[out])
    run(["validate", "-p", demo_dir, "--csv", good, "x", "-o", out, "--address-col", "address"],
        USAGE, absent=[out])
    run(["validate", "-p", broken / "bad_toml", "1200 n main st"], FAIL)


def test_validate_csv_unknown_column_keeps_the_earlier_output(demo_dir, tmp_path, earlier):
    good = tmp_path / "in.csv"
    good.write_text("address\n1200 n main st\n")
    run(["validate", "-p", demo_dir, "--csv", good, "-o", earlier["csv"], "--address-col", "x"],
        FAIL, outputs=[earlier["csv"]])


# -- profile check --------------------------------------------------------------------------
def test_profile_check_hostile_profiles(broken):
    for name in ("no_toml", "bad_toml", "no_city"):
        run(["profile", "check", broken / name], FAIL)
        run(["profile", "check", "--json", broken / name], FAIL)
    run(["profile", "check", broken / "nowhere"], USAGE)
    run(["profile", "check", broken / "a_file"], FAIL)


# -- demo -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "codes"), [
    (["--seed", "-5"], USAGE), (["--seed", "abc"], USAGE), (["--seed", "1.5"], USAGE),
    (["--requests", "0"], USAGE), (["--requests", "-1"], USAGE),
])
def test_demo_hostile_options(tmp_path, args, codes):
    out = tmp_path / "demo"
    run(["demo", "--out", out, *args], codes, absent=[out])


def test_demo_into_a_path_under_a_file_is_a_message(broken):
    run(["demo", "--out", broken / "a_file" / "demo", "--requests", "10"], FAIL,
        says="Not a directory")


# -- hotspots -------------------------------------------------------------------------------
HOTSPOT_CASES = [
    (["--from", "notadate"], FAIL, "start date 'notadate' is not a date"),
    (["--to", "2025-02-30"], FAIL, "end date '2025-02-30' is not a date"),
    (["--requests", "{broken}/empty.csv"], FAIL, "empty file, a header row is needed"),
    (["--requests", "{broken}/header.csv"], FAIL, "has a header but no rows"),
    (["--resolution", "15"], FAIL, "H3 resolution 15 would cut the area"),
    (["--resolution", "16"], USAGE, "16"),
    (["--resolution", "-1"], USAGE, "-1"),
    (["--type", "GRAFITI"], FAIL, "no request of type 'GRAFITI' (of the 120,000 requests in "
                                  "the file; known types: 'ABANDONED_VEH'"),
    (["--from", "2030-01-01", "--to", "2030-02-01"], FAIL,
     "no request between 2030-01-01 and 2030-02-01"),
    (["--type", "GRAFFITI", "--to", "2000-01-01"], FAIL, "the type filter left"),
    (["--status", "nosuch"], FAIL, "no request with status 'nosuch'"),
    (["--district", "ward=99"], FAIL, "no ward '99'"),
    (["--district", "ward"], USAGE, "use KEY=ID"),
    (["--district", "nosuch=1"], FAIL, "no district layer 'nosuch'"),
    (["--by", "nosuch", "--method", "counts"], FAIL, "nosuch"),
    (["--by", "grid", "--cell-m", "0"], FAIL, "cell_m must be positive"),
    (["--by", "grid", "--cell-m", "-5"], FAIL, "cell_m must be positive"),
    (["--by", "grid", "--cell-m", "nan"], FAIL, "cell_m must be positive"),
    (["--by", "grid", "--cell-m", "0.01"], FAIL, "too large"),
    (["--as-of", "notadate", "--by", "ward", "--method", "counts"], FAIL, "not a date"),
    (["--method", "nosuch"], USAGE, "nosuch"),
    (["--preset", "nyc311"], FAIL, "is not in requests.csv"),
    (["--profile", "{broken}/bad_toml"], FAIL, None),
]


@pytest.mark.parametrize(("args", "codes", "says"), HOTSPOT_CASES)
def test_hotspots_hostile_options(demo_dir, broken, earlier, tmp_path, args, codes, says):
    args = [a.format(broken=broken) for a in args]
    new = [tmp_path / "new.html", tmp_path / "new.json", tmp_path / "new.png"]
    run(["hotspots", "--profile", demo_dir, *args, "--out", earlier["html"],
         "--json", earlier["json"], "--png", earlier["png"]], codes,
        outputs=[earlier["html"], earlier["json"], earlier["png"]], says=says)
    run(["hotspots", "--profile", demo_dir, *args, "--out", new[0], "--json", new[1],
         "--png", new[2]], codes, absent=new, says=says)


def test_hotspots_output_into_a_missing_directory_is_a_message(demo_dir, tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "x.json"
    run(["hotspots", "--profile", demo_dir, "--type", "GRAFFITI", "--by", "ward", "--method",
         "counts", "--json", target], FAIL, says="does not exist; nothing was changed",
        absent=[target])


# -- reallocation ---------------------------------------------------------------------------
REALLOCATION_CASES = [
    (["--by", "police_division"], FAIL, "the staffing table's district key 'ward' holds ids "
                                        "that are not police_division ids"),
    (["--by", "nosuch"], FAIL, "no district layer 'nosuch'"),
    (["--department", "Nobody"], FAIL, "Nobody"),
    (["--type", "GRAFITI"], FAIL, "no request of type 'GRAFITI'"),
    (["--type", "GRAFFITI"], FAIL, "no located request of department 'Code Enforcement'"),
    (["--from", "2030-01-01"], FAIL, "no request from 2030-01-01 on"),
    (["--as-of", "notadate"], FAIL, "not a date"),
    (["--crews", "0"], USAGE, "0"),
    (["--weight", "nosuch"], USAGE, "nosuch"),
    (["--requests", "{broken}/empty.csv"], FAIL, "empty file, a header row is needed"),
]


@pytest.mark.parametrize(("args", "codes", "says"), REALLOCATION_CASES)
def test_reallocation_hostile_options(demo_dir, broken, earlier, tmp_path, args, codes, says):
    args = [a.format(broken=broken) for a in args]
    department = [] if "--department" in args else ["--department", "Code Enforcement"]
    outputs = ["--out", earlier["html"], "--json", earlier["json"], "--csv", earlier["csv"],
               "--png", earlier["png"]]
    run(["reallocation", "--profile", demo_dir, *department, *args, *outputs], codes,
        outputs=list(earlier.values()), says=says)


# -- the handler itself ---------------------------------------------------------------------
@pytest.mark.parametrize(("raised", "says"), [
    (ZeroDivisionError("boom"), "internal error: ZeroDivisionError: boom (run with --debug "
                                "for the traceback)"),
    (MemoryError(), "out of memory"),
    (PermissionError(13, "Permission denied", "/x/y.csv"), "Permission denied: /x/y.csv"),
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "cannot read the input"),
])
def test_every_unexpected_error_is_a_message(demo_dir, monkeypatch, raised, says):
    def fail(_profile):
        raise raised

    monkeypatch.setattr(geo311.cli, "_open_city", fail)
    run(["locate", "--profile", demo_dir, "-119.9", "36.3"], FAIL, says=says)


def test_debug_shows_the_traceback_and_without_it_none_appears(demo_dir):
    script = "import sys; from geo311.cli import main; sys.exit(main())"
    args = ["hotspots", "--profile", str(demo_dir), "--from", "notadate"]
    plain = subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                           text=True, timeout=120)
    debug = subprocess.run([sys.executable, "-c", script, "--debug", *args],
                           capture_output=True, text=True, timeout=120)
    assert plain.returncode == 1 and "Traceback" not in plain.stderr + plain.stdout
    assert "Error: start date 'notadate' is not a date" in plain.stderr
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "InputError: start date 'notadate' is not a date" in debug.stderr
