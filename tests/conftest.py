"""Shared fixtures: real data from ../shared and the generated demo region.

Real data is read from ``GEO311_SHARED`` (default ``../shared`` beside the
repository). Missing data skips a test locally and fails it when ``CI=true``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("GEO311_SHARED", str((REPO / ".." / "shared").resolve()))
SHARED = Path(os.environ["GEO311_SHARED"])
ON_CI = os.environ.get("CI", "").lower() == "true"


def require(path: Path) -> Path:
    """Return ``path``, skipping the test when it is missing (failing on CI)."""
    if not path.exists():
        message = f"shared data missing: {path}"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ``shared/data`` directory with the real public data."""
    return require(SHARED / "data")


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo region, generated once per test session with the default seed."""
    from geo311.demo import generate_demo

    out = tmp_path_factory.mktemp("demo")
    generate_demo(out, seed=311)
    return out


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On CI a skip means a missing component: report it as a failure."""
    outcome = yield
    report = outcome.get_result()
    if ON_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped on CI (a component is missing): {report.longrepr}"
