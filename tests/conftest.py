"""Shared fixtures: real data from ../shared and the generated demo region.

Real data is read from ``GEO311_SHARED`` (default ``../shared`` beside the
repository). Missing data skips a test locally and fails it on CI (``CI`` set to
anything but empty, ``0``, ``false`` or ``no``); a local run says at its end how
many real-data tests did not run.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("GEO311_SHARED", str((REPO / ".." / "shared").resolve()))
SHARED = Path(os.environ["GEO311_SHARED"])


def on_ci(value: str | None) -> bool:
    """Whether a ``CI`` environment value means "running on CI" (any truthy text)."""
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


ON_CI = on_ci(os.environ.get("CI"))
MISSING = "shared data missing: "


def require(path: Path) -> Path:
    """Return ``path``, skipping the test when it is missing (failing on CI)."""
    if not path.exists():
        message = f"{MISSING}{path}"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ``shared/data`` directory with the real public data."""
    return require(SHARED / "data")


@pytest.fixture(scope="session")
def la_profile_dir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped ``profiles/la`` reading ``shared_data``, in a temporary directory.

    The locator and address caches are written beside the profile: this keeps them out
    of the checkout.
    """
    root = tmp_path_factory.mktemp("la_profile")
    text = (REPO / "profiles" / "la" / "profile.toml").read_text()
    (root / "profile.toml").write_text(
        text.replace("${GEO311_SHARED:-../../../shared}", str(shared_data.parent)))
    return root


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo region, generated once per test session with the default seed.

    ``GEO311_TEST_DEMO`` names a directory that already holds it (``make mutate`` sets it so
    that each mutant's run does not generate the region again).
    """
    from geo311.demo import generate_demo

    ready = os.environ.get("GEO311_TEST_DEMO")
    if ready and (Path(ready) / "profile.toml").exists():
        return Path(ready)
    out = tmp_path_factory.mktemp("demo")
    generate_demo(out, seed=311)
    return out


PG_ENV = "GEO311_TEST_PG"


def _fresh_pg_database(base: str):
    """Create a database on the server of ``base``; return its URL and a function dropping it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"geo311_test_{secrets.token_hex(6)}"
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()

    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A fresh, empty store database per test module: a SQLite file, then a PostgreSQL
    database on the server of ``$GEO311_TEST_PG`` (``scripts/pg_test_server.sh start``
    prints it). Without it the PostgreSQL run skips locally and fails on CI."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        message = f"PostgreSQL missing: set {PG_ENV} (scripts/pg_test_server.sh start)"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    url, drop = _fresh_pg_database(base)
    yield url
    drop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On CI a skip means a missing component: report it as a failure."""
    outcome = yield
    report = outcome.get_result()
    if ON_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped on CI (a component is missing): {report.longrepr}"


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say in one line how many real-data tests did not run (skipped for missing data)."""
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if MISSING in str(getattr(r, "longrepr", ""))]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} real-data tests did not run: {SHARED / 'data'} is missing "
            "(set GEO311_SHARED)", yellow=True, bold=True)
