"""``geo311 serve``'s errors are messages, before any worker starts."""

from __future__ import annotations

from click.testing import CliRunner

from geo311.cli import main


def test_a_missing_profile_is_a_message(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--profile", str(tmp_path / "nope"),
                                       "--db", f"sqlite:///{tmp_path / 'x.sqlite'}"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "Traceback" not in result.output


def test_a_bad_database_url_is_a_message(demo_dir):
    result = CliRunner().invoke(main, ["serve", "--profile", str(demo_dir),
                                       "--db", "mysql://nobody@127.0.0.1:1/x"])
    assert result.exit_code == 1
    assert "Error: " in result.output and "Traceback" not in result.output


def test_a_bad_port_is_a_usage_error(demo_dir):
    result = CliRunner().invoke(main, ["serve", "--profile", str(demo_dir), "--port", "0"])
    assert result.exit_code == 2
