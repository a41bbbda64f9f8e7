"""Planted cache files never run code, and the answers stay right.

An attacker who can write ``<profile>/.geo311-cache/`` plants a pickle whose
``__reduce__`` would create a marker directory, under every name the old
(``*.pkl``) and the new (``manifest.json``, ``arrays-*.npz``) cache use, with a
manifest that carries the right build key and the planted file's right hash.
Other runs corrupt a valid npz or manifest. Each time ``locate``, ``validate``
and ``hotspots`` must answer exactly as they did without any cache, and the
marker must never appear.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from geo311.cli import main

COMMANDS = {
    "locate": ["locate", "-119.93", "36.27"],
    "validate": ["validate", "1480 W Dartmouth Ln"],
    "hotspots": ["hotspots", "--type", "GRAFFITI", "--by", "ward", "--method", "counts"],
}
ATTACKS = ["pickle_arrays", "pickle_manifest", "object_array_npz", "tampered_npz",
           "tampered_manifest"]


class Evil:
    """Unpickling this creates ``marker`` (a directory): proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def run(profile: Path, args: list[str]) -> str:
    result = CliRunner().invoke(main, [args[0], "--profile", str(profile), *args[1:]])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.stdout


def entries(cache: Path) -> list[Path]:
    found = sorted(p for p in cache.iterdir() if p.is_dir())
    assert found, "the first run should have written a cache"
    return found


def rehash(entry: Path, npz: Path) -> None:
    """Make the manifest vouch for ``npz`` as it now is (name and SHA-256)."""
    manifest = json.loads((entry / "manifest.json").read_text())
    manifest["arrays"] = npz.name
    manifest["sha256"] = hashlib.sha256(npz.read_bytes()).hexdigest()
    (entry / "manifest.json").write_text(json.dumps(manifest))


def attack(cache: Path, profile_toml: Path, kind: str, marker: Path) -> None:
    evil = pickle.dumps(Evil(marker))
    tag = hashlib.sha256(str(profile_toml).encode()).hexdigest()[:12]
    for name in ("locator", "addresses"):  # the names of the pickle cache (format 1)
        (cache / f"{name}-{tag}.pkl").write_bytes(
            pickle.dumps({"key": "any", "state": Evil(marker)}))
    for entry in entries(cache):
        npz = next(entry.glob("arrays-*.npz"))
        if kind == "pickle_arrays":
            npz.write_bytes(evil)
            rehash(entry, npz)
        elif kind == "pickle_manifest":
            (entry / "manifest.json").write_bytes(evil)
        elif kind == "object_array_npz":
            with np.load(npz, allow_pickle=False) as arrays:
                members = {k: arrays[k] for k in arrays.files}
            members[next(iter(members))] = np.array([Evil(marker)], dtype=object)
            buffer = io.BytesIO()
            np.savez(buffer, **members)
            npz.write_bytes(buffer.getvalue())
            rehash(entry, npz)
        elif kind == "tampered_npz":
            data = bytearray(npz.read_bytes())
            data[len(data) // 2] ^= 0xFF
            npz.write_bytes(bytes(data))
        elif kind == "tampered_manifest":
            manifest = json.loads((entry / "manifest.json").read_text())
            manifest["state"] = manifest["state"].replace("1", "2", 1)
            (entry / "manifest.json").write_text(json.dumps(manifest))


@pytest.fixture(scope="module")
def profile(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("hostile-cache") / "demo"
    shutil.copytree(demo_dir, copy, ignore=shutil.ignore_patterns(".geo311-cache"))
    return copy


@pytest.mark.parametrize("command", list(COMMANDS))
def test_planted_cache_files_run_no_code_and_change_no_answer(profile: Path, tmp_path: Path,
                                                              command: str) -> None:
    cache = profile / ".geo311-cache"
    shutil.rmtree(cache, ignore_errors=True)
    expected = run(profile, COMMANDS[command])  # no cache at all: built from the sources
    assert json.loads(expected)
    marker = tmp_path / "code-ran"
    for kind in ATTACKS:
        attack(cache, (profile / "profile.toml").resolve(), kind, marker)
        assert run(profile, COMMANDS[command]) == expected, kind
        assert not marker.exists(), f"{kind}: code from the cache ran"
        # the attacked entry was rebuilt: the next run loads it and answers the same
        assert run(profile, COMMANDS[command]) == expected, kind
    assert not marker.exists()
    assert not list(cache.rglob("*.tmp")), "a write was left half done"


def test_the_planted_pickle_would_run_code(tmp_path: Path) -> None:
    """The attack is real: loading the planted bytes with pickle creates the marker."""
    marker = tmp_path / "code-ran"
    pickle.loads(pickle.dumps(Evil(marker)))  # noqa: S301 - the point of the test
    assert marker.is_dir()
