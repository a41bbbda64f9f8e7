"""validate_csv: every row kept, resumable, a failure reported in its own row."""

from __future__ import annotations

import csv
import io
import itertools

import pandas as pd
import pytest

from geo311.address.validate import Validator
from geo311.address.validate_file import validate_csv
from geo311.errors import InputError
from geo311.profile import load_profile
from geo311.resume import part_paths


class Interrupted(Exception):
    """Raised by :func:`stop_after`: the run stops as a Ctrl-C would stop it."""


def stop_after(rows: int):
    """A progress callback that interrupts a batch once ``rows`` rows are written."""
    done = 0

    def progress(count: int) -> None:
        nonlocal done
        done += count
        if done >= rows:
            raise Interrupted

    return progress


@pytest.fixture(scope="module")
def validator(demo_dir) -> Validator:
    return Validator(load_profile(demo_dir))


def test_validate_csv_keeps_rows_and_resumes_after_interruption(validator, demo_dir, tmp_path):
    source = tmp_path / "in.csv"
    frame = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False).head(120)
    frame.loc[5, "address"] = ""
    frame.to_csv(source, index=False)
    whole = tmp_path / "whole.csv"
    summary = validate_csv(validator, source, whole, address_col="address", zip_col="zipcode")
    assert summary["rows"] == 120 and summary["resumed"] == 0
    rows = list(csv.DictReader(whole.open()))
    assert [r["service_request_id"] for r in rows] == frame.service_request_id.tolist()
    assert rows[5]["status"] in ("open", "closed")  # the input column is kept
    assert rows[5]["geo311_status"] == "needs_review"
    # interrupt after 50 rows: they are in the in-progress file, nothing under the name
    partial = tmp_path / "partial.csv"
    with pytest.raises(Interrupted):
        validate_csv(validator, source, partial, address_col="address", zip_col="zipcode",
                     progress=stop_after(50))
    assert not partial.exists()
    assert part_paths(partial)[0].read_text() == "".join(whole.open().readlines()[:51])
    summary = validate_csv(validator, source, partial, address_col="address", zip_col="zipcode")
    assert summary["resumed"] == 50 and summary["rows"] == 120
    assert partial.read_text() == whole.read_text()


def test_validate_csv_resumes_a_file_cut_anywhere_even_inside_a_quoted_newline(
        validator, demo_dir, tmp_path):
    source = tmp_path / "in.csv"
    frame = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False).head(40)
    frame["note"] = ["gate code 12\r\ncall \"after 5\",\nback" if i % 3 else ""
                     for i in range(len(frame))]
    frame["city"] = (["Rivergate", "Ashford", ""] * len(frame))[:len(frame)]
    frame.to_csv(source, index=False)
    whole = tmp_path / "whole.csv"
    validate_csv(validator, source, whole, address_col="address", zip_col="zipcode",
                 city_col="city")
    data = whole.read_bytes()
    records = list(csv.reader(io.StringIO(data.decode(), newline="")))
    note = records[0].index("note")
    assert [r[note] for r in records[1:4]] == ["", frame.note[1], frame.note[2]]
    ends = list(itertools.accumulate(len(_csv_line(r)) for r in records))  # header, rows
    assert ends[-1] == len(data)
    cut = tmp_path / "cut.csv"
    part, meta = part_paths(cut)
    with pytest.raises(Interrupted):  # an interrupted run leaves its fingerprint
        validate_csv(validator, source, cut, address_col="address", zip_col="zipcode",
                     city_col="city", progress=stop_after(1))
    fingerprint = meta.read_bytes()
    for at in range(ends[9] - 3, ends[12] + 3):  # rows 10-12: quoted newlines, \r\n ends
        part.write_bytes(data[:at])
        meta.write_bytes(fingerprint)
        summary = validate_csv(validator, source, cut, address_col="address",
                               zip_col="zipcode", city_col="city")
        whole_rows = sum(end <= at for end in ends[1:])
        assert summary["resumed"] == whole_rows and summary["rows"] == len(frame), at
        assert summary.get("dropped_partial_row", False) == (at not in ends), at
        assert cut.read_bytes() == data, at
    for at in range(1, ends[0]):  # cut inside the header (a full disk): started afresh
        part.write_bytes(data[:at])
        meta.write_bytes(fingerprint)
        summary = validate_csv(validator, source, cut, address_col="address",
                               zip_col="zipcode", city_col="city")
        assert summary["resumed"] == 0 and cut.read_bytes() == data, at


def _csv_line(row: list[str]) -> bytes:
    """``row`` as ``csv.writer`` writes it."""
    text = io.StringIO(newline="")
    csv.writer(text).writerow(row)
    return text.getvalue().encode()


def test_validate_csv_refuses_to_resume_a_file_with_a_malformed_row_inside(validator,
                                                                            tmp_path):
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("id,address\n1,100 Main St\n2,200 Main St\n3,300 Main St\n")
    validate_csv(validator, source, target, address_col="address")
    lines = target.read_text().splitlines(keepends=True)
    with pytest.raises(Interrupted):
        validate_csv(validator, source, target, address_col="address", progress=stop_after(1))
    part = part_paths(target)[0]
    part.write_text(lines[0] + "1,100 Main St\n" + "".join(lines[2:3]))  # row 1 is short
    with pytest.raises(InputError, match="row 1 is malformed"):
        validate_csv(validator, source, target, address_col="address")


def test_validate_csv_names_a_missing_column(validator, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,street\n1,100 Main St\n")
    with pytest.raises(InputError, match=r"no column 'addr' for address_col") as caught:
        validate_csv(validator, source, tmp_path / "o.csv", address_col="addr")
    assert caught.value.details["field"] == "address_col"  # the CLI names its flag


def test_validate_csv_reports_a_failure_in_its_own_row(demo_dir, tmp_path, monkeypatch):
    validator = Validator(load_profile(demo_dir))
    source = tmp_path / "in.csv"
    frame = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False).head(30)
    frame.to_csv(source, index=False)
    together, alone = tmp_path / "together.csv", tmp_path / "alone.csv"
    validate_csv(validator, source, together, address_col="address", zip_col="zipcode")
    bad = frame.address.iloc[7]
    validate = validator.validate

    def failing(text, **fields):
        if text == bad:
            raise InputError("cannot validate this one")
        return validate(text, **fields)

    def failing_many(texts, **fields):
        raise InputError("the batch fails")

    monkeypatch.setattr(validator, "validate", failing)
    monkeypatch.setattr(validator, "validate_many", failing_many)
    summary = validate_csv(validator, source, alone, address_col="address", zip_col="zipcode")
    assert summary["error"] == 1
    rows, expected = list(csv.DictReader(alone.open())), list(csv.DictReader(together.open()))
    assert rows[7]["error"] == "cannot validate this one" and rows[7]["geo311_status"] == ""
    assert rows[:7] + rows[8:] == expected[:7] + expected[8:]
