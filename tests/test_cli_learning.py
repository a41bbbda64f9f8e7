"""geo311 reference learn / learned: confirmed places from a CSV, refusals reported per line,
the stored rows listed with their provenance."""

from __future__ import annotations

import json
import math

import pandas as pd
from click.testing import CliRunner

from geo311.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_learn_a_csv_then_list_what_was_learned_and_refused(demo_dir, tmp_path):
    points = pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)
    points = points[points.jurisdiction == "rivergate"]
    taken = set(zip(points.HouseNumber, points.Direction, points.StreetName, strict=True))
    row = next(r for r in points.itertuples()
               if (str(int(r.HouseNumber) + 2), r.Direction, r.StreetName) not in taken)
    street = " ".join(p for p in (row.Direction, row.StreetName, row.Suffix) if p)
    lat = float(row.Latitude)
    lon = float(row.Longitude) + 3 / (111_320 * math.cos(math.radians(lat)))
    address = f"{int(row.HouseNumber) + 2} {street}"
    pd.DataFrame({"address": [address, f"{row.HouseNumber} {street}", address],
                  "lon": [lon, row.Longitude, "east"], "lat": [lat, row.Latitude, lat]}
                 ).to_csv(tmp_path / "confirmed.csv", index=False)
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    result = run("reference", "learn", "--profile", demo_dir, "--db", db, "--csv",
                 tmp_path / "confirmed.csv", "--actor", "maria")
    assert result.exit_code == 0, result.output
    assert "line 3: point not learned: already in the reference" in result.stderr
    assert "line 4: point not learned: the point is not a pair of numbers" in result.stderr
    summary = json.loads(result.stderr[result.stderr.index("{"):])
    assert (summary["rows"], summary["learned"], summary["refused"]) == (3, 1, 2)
    result = run("reference", "learned", "--db", db, "-o", tmp_path / "learned.csv")
    assert result.exit_code == 0, result.output
    listed = pd.read_csv(tmp_path / "learned.csv", dtype=str, keep_default_na=False)
    assert listed.status.tolist() == ["learned", "rejected", "rejected"]
    assert listed.address.tolist()[:2] == [address, f"{row.HouseNumber} {street}"]
    assert set(listed.actor) == {"maria"} and set(listed.source) == {"import"}
    assert float(listed.lon[0]) == lon
    result = run("reference", "learned", "--db", db, "--status", "learned")
    assert [json.loads(line)["address"] for line in result.stdout.splitlines()] == [address]


def test_a_missing_column_is_a_message(demo_dir, tmp_path):
    (tmp_path / "c.csv").write_text("where,lon,lat\n1 MAIN ST,1,2\n")
    result = run("reference", "learn", "--profile", demo_dir, "--db",
                 f"sqlite:///{tmp_path / 's.sqlite'}", "--csv", tmp_path / "c.csv",
                 "--actor", "x")
    assert result.exit_code != 0
    assert "has no column(s) address" in result.output and "Traceback" not in result.output
