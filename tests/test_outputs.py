"""Atomic outputs keep the permissions a plain ``open`` would give, without touching the umask."""

from __future__ import annotations

import os
import stat

import pytest

from geo311.outputs import write_bytes, write_text


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_a_new_output_gets_the_mode_a_plain_open_gives(tmp_path, mask):
    old = os.umask(mask)
    try:
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
        ours = write_text(tmp_path / "ours.txt", "x")
        assert stat.S_IMODE(ours.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
        assert os.umask(mask) == mask  # the umask is what it was set to, not changed
    finally:
        os.umask(old)


def test_an_existing_output_keeps_its_mode(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    target.chmod(0o604)
    write_bytes(target, b"new")
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o604
