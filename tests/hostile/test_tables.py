"""Hostile tabular input and outputs: encodings, huge fields, strict numbers, duplicate
columns, unwritable outputs, outputs that are inputs, resumes of another input, kills.

Every command run here must end in a result or a message (never a traceback), and a
run that fails must leave an earlier output byte-identical. Oracles are the test's own:
pandas and the csv module on the text the test wrote, byte offsets found in the bytes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo311.cli import main
from testsupport.interrupt import StopAfter

GEO311 = str(Path(sys.executable).with_name("geo311"))
NOTE_CP1252 = "Café “Müller” – 5 € façade"  # cp1252-only characters: “ ” – €
NOTE_LATIN1 = "Café Müller, Straße; façade à côté"
NOTE_WIDE = "東京都 Ленина ١٢٣ Café"  # needs UTF-16 (or UTF-8)


def run(*args):
    """Run the CLI in-process; a traceback is a failure of the test."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback for {args}") from result.exception
    assert "Traceback" not in result.output
    return result


def summary_of(result) -> dict:
    """The JSON summary a batch command prints on stderr."""
    return json.loads(result.stderr[result.stderr.index("{"):])


@pytest.fixture(scope="module")
def sample(demo_dir) -> pd.DataFrame:
    """300 demo requests as text, with a ``note`` column for non-ASCII text."""
    frame = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False).head(300)
    frame["note"] = ""
    return frame


@pytest.fixture(scope="module")
def usable(sample) -> pd.DataFrame:
    """Rows of the sample with coordinates inside the demo region and a creation date."""
    lon = pd.to_numeric(sample.lon, errors="coerce")
    lat = pd.to_numeric(sample.lat, errors="coerce")
    keep = lon.between(-121, -119) & lat.between(35, 37) & (sample.requested_datetime != "")
    return sample[keep].reset_index(drop=True)


def write(frame: pd.DataFrame, path: Path, encoding: str = "utf-8") -> Path:
    path.write_bytes(frame.to_csv(index=False).encode(encoding))
    return path


def read_out(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


# -- encodings -------------------------------------------------------------------------

ENCODED = [("latin-1", NOTE_LATIN1), ("cp1252", NOTE_CP1252), ("utf-16", NOTE_WIDE),
           ("utf-8-sig", NOTE_WIDE)]


@pytest.fixture(scope="module")
def utf8_runs(demo_dir, sample, tmp_path_factory) -> dict:
    """Each command's output for the sample written in plain UTF-8 (the reference)."""
    root = tmp_path_factory.mktemp("utf8")
    source = write(sample, root / "in.csv")
    outputs = {}
    for name, args in _commands(demo_dir, source, root).items():
        result = run(*args)
        assert result.exit_code == 0, result.output
        outputs[name] = (root / f"{name}.out").read_bytes()
    return outputs


def _commands(demo_dir: Path, source: Path, root: Path) -> dict[str, list]:
    profile = ["--profile", demo_dir]
    return {
        "locate": ["locate", *profile, "--csv", source, "-o", root / "locate.out"],
        "validate": ["validate", *profile, "--csv", source, "-o", root / "validate.out",
                     "--address-col", "address", "--zip-col", "zipcode"],
        "hotspots": ["hotspots", *profile, "--requests", source, "--preset", "demo", "--by",
                     "ward", "--method", "counts", "--json", root / "hotspots.out"],
        "reallocation": ["reallocation", *profile, "--requests", source, "--preset", "demo",
                         "--department", "Code Enforcement", "--json", root / "reallocation.out"],
    }


@pytest.mark.parametrize("encoding,note", ENCODED)
def test_legacy_and_utf16_files_read_as_utf8_ones(demo_dir, sample, utf8_runs, tmp_path,
                                                   encoding, note):
    frame = sample.copy()
    frame.loc[::7, "note"] = note
    frame.loc[3, "address"] = frame.loc[3, "address"] + " " + note[:4]  # "Café"/"東京都 "
    source = write(frame, tmp_path / "in.csv", encoding)
    reference = write(frame, tmp_path / "ref.csv")
    ref_root = tmp_path / "ref"
    ref_root.mkdir()
    for name, args in _commands(demo_dir, source, tmp_path).items():
        result = run(*args)
        assert result.exit_code == 0, (name, result.output)
        ours = (tmp_path / f"{name}.out").read_bytes()
        if name in ("locate", "validate"):
            out = read_out(tmp_path / f"{name}.out")
            assert out.note.tolist() == frame.note.tolist()  # decoded, written as UTF-8
            assert out.address.tolist() == frame.address.tolist()
            expected = run(*_commands(demo_dir, reference, ref_root)[name])
            assert expected.exit_code == 0
            assert ours == (ref_root / f"{name}.out").read_bytes()
        else:  # the note and address columns do not enter the analysis
            assert ours == utf8_runs[name]


def test_a_file_that_does_not_decode_names_the_byte_offset(demo_dir, sample, tmp_path):
    frame = sample.copy()
    frame.loc[40, "note"] = NOTE_LATIN1
    source = write(frame, tmp_path / "in.csv", "latin-1")
    offset = source.read_bytes().index("é".encode("latin-1"))
    target = tmp_path / "out.csv"
    target.write_bytes(b"earlier output\n")
    for args in (["locate", "--csv", source, "-o", target],
                 ["validate", "--csv", source, "-o", target, "--address-col", "address"],
                 ["hotspots", "--requests", source, "--preset", "demo", "--method", "counts",
                  "--json", target]):
        result = run(args[0], "--profile", demo_dir, *args[1:], "--encoding", "utf-8")
        assert result.exit_code == 1, result.output
        assert f"{source}: cannot decode byte offset {offset} as utf-8" in result.output
        assert target.read_bytes() == b"earlier output\n"


def test_a_forced_utf8_reads_past_a_byte_order_mark(demo_dir, sample, tmp_path):
    source = write(sample.head(5), tmp_path / "in.csv", "utf-8-sig")
    target = tmp_path / "out.csv"
    result = run("locate", "--profile", demo_dir, "--csv", source, "-o", target,
                 "--encoding", "UTF8")
    assert result.exit_code == 0, result.output
    assert read_out(target).columns[0] == "service_request_id"


def test_an_unknown_encoding_is_a_message(demo_dir, sample, tmp_path):
    source = write(sample.head(3), tmp_path / "in.csv")
    result = run("locate", "--profile", demo_dir, "--csv", source, "-o", tmp_path / "o.csv",
                 "--encoding", "klingon-8")
    assert result.exit_code == 1 and "unknown encoding 'klingon-8'" in result.output


# -- a 200 KB field --------------------------------------------------------------------

def test_a_200_kb_field_passes_through_every_reader(demo_dir, sample, tmp_path):
    frame = sample.head(20).copy()
    big = "x" * 200_000
    frame.loc[5, "note"] = big
    frame.loc[6, "description"] = big
    source = write(frame, tmp_path / "in.csv")
    for name, args in _commands(demo_dir, source, tmp_path).items():
        result = run(*args)
        assert result.exit_code == 0, (name, result.output)
    for name in ("locate", "validate"):
        out = read_out(tmp_path / f"{name}.out")
        assert out.note[5] == big and out.description[6] == big and len(out) == 20


# -- strict numbers --------------------------------------------------------------------

BAD_NUMBERS = ["1_0", "-119_9", "١٢٣", "-١١٩.٩", "nan", "NaN", "inf", "-Infinity", "1e999",
               "٣٦.٢", "３６.２"]


def test_coordinates_with_underscores_or_foreign_digits_are_row_errors(demo_dir, usable,
                                                                       tmp_path):
    frame = usable.head(len(BAD_NUMBERS) * 2).copy()
    for i, text in enumerate(BAD_NUMBERS):
        frame.loc[2 * i, "lon"] = text  # every other row: the good rows go on
    source = write(frame, tmp_path / "in.csv")
    target = tmp_path / "out.csv"
    result = run("locate", "--profile", demo_dir, "--csv", source, "-o", target)
    assert result.exit_code == 0, result.output
    out = read_out(target)
    for i, text in enumerate(BAD_NUMBERS):
        assert out.error[2 * i] == f"longitude missing or not a number: {text!r}"
        assert out.agency_id[2 * i] == ""
        assert out.error[2 * i + 1] == "" and out.agency_id[2 * i + 1] != ""
    assert summary_of(result)["errors"] == len(BAD_NUMBERS)


def test_request_exports_count_such_coordinates_as_not_numeric(demo_dir, usable, tmp_path):
    frame = usable.copy()
    frame.loc[: len(BAD_NUMBERS) - 1, "lat"] = BAD_NUMBERS
    reports = []
    for table in (usable, frame):
        source = write(table, tmp_path / "in.csv")
        result = run("hotspots", "--profile", demo_dir, "--requests", source, "--preset",
                     "demo", "--by", "ward", "--method", "counts")
        assert result.exit_code == 0, result.output
        reports.append(json.loads(result.stdout)["requests"])
    assert reports[0]["invalid"] == {}
    assert reports[1]["invalid"] == {"coordinates not numeric": len(BAD_NUMBERS)}


@pytest.mark.parametrize("text", BAD_NUMBERS)
def test_locate_arguments_take_the_same_strict_rule(demo_dir, text):
    result = run("locate", "--profile", demo_dir, text, "36.3")
    assert result.exit_code == 2
    assert f"{text!r} is not a plain decimal number" in result.output


# -- duplicate columns -----------------------------------------------------------------

@pytest.mark.parametrize("command", ["locate", "validate", "hotspots", "reallocation"])
def test_a_duplicated_column_is_refused_by_name(demo_dir, sample, tmp_path, command):
    frame = sample.head(10)
    header, rest = frame.to_csv(index=False).split("\n", 1)
    source = tmp_path / "in.csv"
    source.write_text(header.replace("description", "lat") + "\n" + rest)
    args = _commands(demo_dir, source, tmp_path)[command]
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert f"{source}: column 'lat' appears 2 times in the header" in result.output


# -- unwritable outputs ----------------------------------------------------------------

def test_a_missing_output_directory_is_a_message(demo_dir, sample, tmp_path):
    source = write(sample.head(5), tmp_path / "in.csv")
    for args in (["locate", "--csv", source, "-o"], ["hotspots", "--requests", source,
                                                     "--preset", "demo", "--json"]):
        target = tmp_path / "nowhere" / "out.csv"
        result = run(args[0], "--profile", demo_dir, *args[1:], target)
        assert result.exit_code == 1, result.output
        assert f"cannot write {target}: the directory {target.parent} does not exist" \
            in result.output
        assert not target.parent.exists()


def _unprivileged() -> list[str]:
    """A command prefix that takes away root's power to write anywhere (none needed else)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only directory is writable")
    return ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search",
            "--"]


def test_a_read_only_output_directory_is_a_message(demo_dir, sample, tmp_path):
    source = write(sample.head(5), tmp_path / "in.csv")
    closed = tmp_path / "closed"
    closed.mkdir()
    target = closed / "out.csv"
    target.write_bytes(b"earlier output\n")
    closed.chmod(0o555)
    try:
        for args in (["locate", "--csv", source, "-o", target],
                     ["reallocation", "--requests", source, "--preset", "demo",
                      "--department", "Code Enforcement", "--csv", target]):
            done = subprocess.run([*_unprivileged(), GEO311, args[0], "--profile",
                                   str(demo_dir), *map(str, args[1:])],
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 1, done.stderr
            assert f"cannot write {target}: no permission to write in {closed}" in done.stderr
            assert "Traceback" not in done.stderr
            assert target.read_bytes() == b"earlier output\n"
            assert sorted(p.name for p in closed.iterdir()) == ["out.csv"]
    finally:
        closed.chmod(0o755)


def _file_size_limit(limit: int):
    def apply() -> None:  # a full disk, as the process sees it: writes past limit fail
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("command", ["locate", "validate", "hotspots"])
def test_a_full_disk_leaves_the_earlier_output_and_no_litter(demo_dir, sample, tmp_path,
                                                            command):
    source = write(sample, tmp_path / "in.csv")
    root = tmp_path / "out"
    root.mkdir()
    args = _commands(demo_dir, source, root)[command]
    if command == "hotspots":
        args = [*args[:-2], "--out", root / "hotspots.out"]  # the HTML page is large
    else:
        args = [*args, "--restart"]  # the earlier output is not a table of this command
    target = root / f"{command}.out"
    target.write_bytes(b"earlier output\n")
    done = subprocess.run([GEO311, *map(str, args)], capture_output=True, text=True,
                          timeout=300, preexec_fn=_file_size_limit(20_000))
    assert done.returncode == 1, done.stderr
    assert f"cannot write {target}: the file is too large" in done.stderr
    assert "Traceback" not in done.stderr
    assert target.read_bytes() == b"earlier output\n"
    left = sorted(p.name for p in root.iterdir())
    assert left in (["locate.out", "locate.out.part", "locate.out.part.json"],
                    ["validate.out", "validate.out.part", "validate.out.part.json"],
                    ["hotspots.out"]), left  # a batch keeps its in-progress file to resume


# -- outputs that are inputs -----------------------------------------------------------

def test_an_output_that_is_the_input_is_refused(demo_dir, sample, tmp_path):
    source = write(sample.head(5), tmp_path / "in.csv")
    before = source.read_bytes()
    (tmp_path / "link.csv").symlink_to(source)
    (tmp_path / "sub").mkdir()
    same = [source, tmp_path / "link.csv", tmp_path / "sub" / ".." / "in.csv"]
    for target in same:
        for args in (["locate", "--csv", source, "-o", target],
                     ["validate", "--csv", source, "-o", target, "--address-col", "address"],
                     ["hotspots", "--requests", source, "--preset", "demo", "--json", target],
                     ["reallocation", "--requests", source, "--preset", "demo",
                      "--department", "Code Enforcement", "--csv", target]):
            result = run(args[0], "--profile", demo_dir, *args[1:])
            assert result.exit_code == 1, result.output
            assert f"the output {target} is the input" in result.output
            assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "link.csv", "sub"]


def test_an_input_named_as_the_outputs_in_progress_file_is_refused(demo_dir, sample,
                                                                    tmp_path):
    source = write(sample.head(5), tmp_path / "out.csv.part")
    before = source.read_bytes()
    for args in (["locate"], ["validate", "--address-col", "address"]):
        result = run(*args, "--profile", demo_dir, "--csv", source, "-o", tmp_path / "out.csv")
        assert result.exit_code == 1 and f"the output {source} is the input" in result.output
        assert source.read_bytes() == before


# -- failures and resumes ----------------------------------------------------------------

def interrupted(monkeypatch, rows: int, *args):
    with monkeypatch.context() as patch:
        patch.setattr("geo311.cli.tqdm", StopAfter(rows))
        result = run(*args)
    assert result.exit_code == 1 and "Aborted" in result.output
    return result


@pytest.mark.parametrize("command", ["locate", "validate"])
def test_a_failed_run_or_restart_leaves_the_earlier_output_byte_identical(
        demo_dir, sample, tmp_path, monkeypatch, command):
    source = write(sample, tmp_path / "in.csv")
    args = _commands(demo_dir, source, tmp_path)[command]
    target = tmp_path / f"{command}.out"
    assert run(*args).exit_code == 0
    before = target.read_bytes()
    other = sample.copy()
    other["lon"] = other["lon"].iloc[::-1].to_numpy()
    write(other, source)
    interrupted(monkeypatch, 1, *args, "--restart")  # a chunk of locate's, one row of validate's
    assert target.read_bytes() == before
    interrupted(monkeypatch, 1, *args)  # a resume of the interrupted restart, interrupted
    assert target.read_bytes() == before
    source.write_text("id,lat,lat\n1,2,3\n")  # fails before any row
    assert run(*args, "--restart").exit_code == 1
    assert target.read_bytes() == before


@pytest.mark.parametrize("command", ["locate", "validate"])
def test_resuming_onto_the_output_of_another_input_is_refused(demo_dir, sample, tmp_path,
                                                              monkeypatch, command):
    a, b = sample.head(150), sample.tail(150)
    source = tmp_path / "in.csv"
    args = _commands(demo_dir, source, tmp_path)[command]
    target = tmp_path / f"{command}.out"
    write(a, source)
    interrupted(monkeypatch, 100, *args)  # A's run, interrupted after its first rows
    write(b, source)  # B under the same name
    result = run(*args)
    assert result.exit_code == 1
    assert f"{target}.part is the unfinished output of another run (it was started with " \
           "another input_sha256); use --restart" in result.output
    assert not target.exists()
    result = run(*args, "--restart")
    assert result.exit_code == 0 and summary_of(result)["resumed"] == 0
    out = read_out(target)
    assert out.service_request_id.tolist() == b.service_request_id.tolist()
    assert not Path(f"{target}.part").exists() and not Path(f"{target}.part.json").exists()


def test_resuming_with_other_options_is_refused(demo_dir, sample, tmp_path, monkeypatch):
    source = write(sample, tmp_path / "in.csv")
    args = _commands(demo_dir, source, tmp_path)["validate"]
    interrupted(monkeypatch, 10, *args)
    result = run(*args[:-2])  # without --zip-col
    assert result.exit_code == 1 and "another zip_col" in result.output


def test_locate_resumes_an_interrupted_run_to_the_same_bytes(demo_dir, sample, tmp_path,
                                                            monkeypatch):
    source = write(sample, tmp_path / "in.csv")
    whole, part = tmp_path / "whole.csv", tmp_path / "part.csv"
    assert run("locate", "--profile", demo_dir, "--csv", source, "-o", whole).exit_code == 0
    interrupted(monkeypatch, 1, "locate", "--profile", demo_dir, "--csv", source, "-o", part)
    data = whole.read_bytes()
    cut = data[:data.index(b"\n", len(data) // 2) - 7]  # cut inside a row
    Path(f"{part}.part").write_bytes(cut)
    result = run("locate", "--profile", demo_dir, "--csv", source, "-o", part)
    assert result.exit_code == 0
    assert summary_of(result)["resumed"] == cut.count(b"\n") - 1
    assert summary_of(result)["rows"] == len(sample)
    assert part.read_bytes() == data


# -- kill -9 ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big_source(demo_dir, tmp_path_factory) -> Path:
    """The demo's requests three times over (360,000 rows), for runs long enough to kill."""
    path = tmp_path_factory.mktemp("big") / "requests.csv"
    with (demo_dir / "requests.csv").open("rb") as handle:
        header, *rows = handle.readlines()
    path.write_bytes(header + b"".join(rows) * 3)
    return path


def _killed(args: list[str], target: Path, size: int) -> None:
    """Run ``geo311 args`` and kill -9 it once its in-progress file holds ``size`` bytes."""
    part = Path(f"{target}.part")
    process = subprocess.Popen([GEO311, *args], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while (not part.exists() or part.stat().st_size < size) and time.monotonic() < deadline:
            assert process.poll() is None, "the run ended before it could be killed"
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not target.exists() and part.exists()  # nothing under the output's name


@pytest.mark.parametrize("fraction", [0.2, 0.6])
def test_locate_killed_with_sigkill_resumes_to_the_bytes_of_an_uninterrupted_run(
        demo_dir, big_source, tmp_path, fraction):
    whole, killed = tmp_path / "whole.csv", tmp_path / "killed.csv"
    base = ["locate", "--profile", str(demo_dir), "--csv", str(big_source), "-o"]
    subprocess.run([GEO311, *base, str(whole)], check=True, capture_output=True, timeout=600)
    _killed([*base, str(killed)], killed, int(whole.stat().st_size * fraction))
    done = subprocess.run([GEO311, *base, str(killed)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stderr[done.stderr.index("{"):])
    assert 0 < summary["resumed"] < summary["rows"] == 360_000
    assert killed.read_bytes() == whole.read_bytes()


def test_validate_killed_with_sigkill_resumes_to_the_bytes_of_an_uninterrupted_run(
        demo_dir, tmp_path):
    source = tmp_path / "in.csv"
    with (demo_dir / "requests.csv").open("rb") as handle:
        source.write_bytes(b"".join(handle.readlines()[:6001]))
    whole, killed = tmp_path / "whole.csv", tmp_path / "killed.csv"
    base = ["validate", "--profile", str(demo_dir), "--csv", str(source), "--address-col",
            "address", "--zip-col", "zipcode", "-o"]
    subprocess.run([GEO311, *base, str(whole)], check=True, capture_output=True, timeout=600)
    _killed([*base, str(killed)], killed, whole.stat().st_size // 3)
    done = subprocess.run([GEO311, *base, str(killed)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert killed.read_bytes() == whole.read_bytes()


# -- hypothesis: CSV bytes -------------------------------------------------------------

FIELD = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["-119.93", "36.27", "1_0", "١٢", "nan", "inf", "", " ", "\"", "\r\n",
                     "1e999", "-0", "+36.3", "0x10", "=HYPERLINK(\"x\")", "PO Box 1"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
HEADERS = st.one_of(
    st.just(["id", "lon", "lat", "address"]),
    st.just(["lon", "lat", "lon"]),
    st.lists(st.sampled_from(["lon", "lat", "address", "x", "y", "", "Lat", "LON"]),
             min_size=0, max_size=5),
)


@st.composite
def csv_files(draw) -> tuple[bytes, str | None]:
    """A CSV file's bytes (a table in one of four encodings, or raw bytes)."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300)), None
    header = draw(HEADERS)
    width = max(len(header), 1)
    rows = draw(st.lists(st.lists(FIELD, min_size=max(width - 1, 0), max_size=width + 1),
                         max_size=8))
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    try:
        return text.getvalue().encode(encoding), encoding
    except UnicodeEncodeError:
        return text.getvalue().encode("utf-8"), "utf-8"


def _check_run(args: list, target: Path, before: bytes) -> None:
    result = run(*args)
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code != 0:
        assert target.read_bytes() == before
        assert "Error: " in result.output
    else:
        assert target.read_bytes() != before
        header, *rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"),
                                                    newline="")))
        assert header[-1] == "error" or header[-1] == "geo311_error"
        assert all(len(row) == len(header) for row in rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=csv_files())
def test_locate_on_any_csv_bytes_answers_or_refuses_and_keeps_the_earlier_output(demo_dir,
                                                                               data):
    content, _ = data
    with tempfile.TemporaryDirectory() as root:
        source, target = Path(root) / "in.csv", Path(root) / "out.csv"
        source.write_bytes(content)
        target.write_bytes(b"earlier output\n")
        _check_run(["locate", "--profile", demo_dir, "--csv", source, "-o", target,
                    "--restart"], target, b"earlier output\n")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=csv_files())
def test_validate_on_any_csv_bytes_answers_or_refuses_and_keeps_the_earlier_output(demo_dir,
                                                                                 data):
    content, _ = data
    with tempfile.TemporaryDirectory() as root:
        source, target = Path(root) / "in.csv", Path(root) / "out.csv"
        source.write_bytes(content)
        target.write_bytes(b"earlier output\n")
        _check_run(["validate", "--profile", demo_dir, "--csv", source, "-o", target,
                    "--address-col", "address", "--restart"], target, b"earlier output\n")
