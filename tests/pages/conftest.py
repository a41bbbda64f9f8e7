"""Fixtures of the page tests: the service on a live loopback server, and Chromium through
Playwright (Debian's ``/usr/bin/chromium``, one browser for the session).

Every page a test opens is guarded: a request to any host but 127.0.0.1 is aborted and fails
the test, and so does a JavaScript dialog (what an injected ``<script>alert()`` would open)
or an uncaught script error. ``axe_check(page)`` runs axe-core (npm, committed in
``assets/``) in the page and returns its serious and critical violations.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ON_CI

ASSETS = Path(__file__).with_name("assets")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-default-apps"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"


@pytest.fixture(scope="session")
def pages_city(demo_dir):
    """The demo city with its engines built (as ``geo311 serve`` builds them before forking)."""
    from geo311.city import City

    city = City.open(demo_dir)
    city.validator  # noqa: B018 - build the locator and validator once, up front
    return city


@pytest.fixture(scope="session")
def points(demo_dir):
    """The demo's address points classified by the geopandas oracle (tests.pages.places)."""
    from tests.pages.places import classified

    return classified(demo_dir)


@pytest.fixture(scope="session")
def pages_store_url(tmp_path_factory) -> str:
    """The SQLAlchemy URL of the session's SQLite request store."""
    return f"sqlite:///{tmp_path_factory.mktemp('pages_store') / 'geo311.sqlite'}"


@pytest.fixture(scope="session")
def pages_store(pages_store_url, pages_city, demo_dir, tmp_path_factory):
    """The session's request store, holding a slice of the demo history: the closed
    graffiti and pothole requests of the first half of 2025 (closed, so that none is an open
    duplicate of what the intake tests file)."""
    import pandas as pd

    from geo311.service.store import open_store

    store = open_store(pages_store_url)
    rows = pd.read_csv(demo_dir / "requests.csv", dtype=str)
    when = rows["requested_datetime"].str[:7]
    keep = (rows["service_code"].isin(["GRAFFITI", "POTHOLE"]) & (rows["status"] == "closed")
            & (when >= "2025-01") & (when <= "2025-06"))
    path = tmp_path_factory.mktemp("pages_history") / "requests.csv"
    rows[keep].to_csv(path, index=False)
    report = store.import_requests(path, "demo", locator=pages_city.locator)
    assert report.added == int(keep.sum()), report.summary()
    return store


@pytest.fixture(scope="session")
def staff_login(pages_store) -> tuple[str, str]:
    """A staff user of the store: (user name, password)."""
    pages_store.create_staff_user("agent.smith", "correct horse battery staple")
    return "agent.smith", "correct horse battery staple"


def sign_in(page, live_server: str, login: tuple[str, str]) -> None:
    """Sign ``page`` in through the sign-in form."""
    page.goto(f"{live_server}/staff/login")
    page.fill("#username", login[0])
    page.fill("#password", login[1])
    page.click("button[type=submit] >> text=Sign in")
    page.wait_for_url(f"{live_server}/intake")


@pytest.fixture(scope="session")
def pages_app(pages_city, pages_store):
    """The whole web service, as ``geo311 serve`` builds it."""
    from geo311.web import create_app

    return create_app(pages_city, pages_store,
                      config={"GEO311_REPORT_LIMIT": "30 per minute", "TESTING": False})


@pytest.fixture(scope="session")
def live_server(pages_app):
    """The service on a loopback port, in a thread: its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, pages_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium (never a downloaded browser)."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        message = "chromium is not installed (.ci/run installs it)"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """English pages unless a test asks for another language."""
    return {**browser_context_args, "locale": "en-US"}


class Guard:
    """What a page did that a test must see: outside requests, dialogs, script errors."""

    def __init__(self) -> None:
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []

    def route(self, route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()


@pytest.fixture
def guard(page) -> Guard:
    """Guard ``page`` (see the module docstring); asserted when the test ends."""
    seen = Guard()
    page.route("**/*", seen.route)

    def on_dialog(dialog) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    yield seen
    assert seen.outside == [], f"the page asked hosts other than 127.0.0.1: {seen.outside}"
    assert seen.dialogs == [], f"a script opened a dialog (injected code ran): {seen.dialogs}"
    assert seen.errors == [], f"script errors: {seen.errors}"


AXE_SOURCE = (ASSETS / "axe.min.js").read_text(encoding="utf-8")


def axe_check(page) -> list[dict]:
    """Run axe-core on ``page`` (WCAG 2.0/2.1 A and AA rules): its serious and critical
    violations, each with its rule id and the first offending elements.

    The script goes in through the DevTools protocol (``evaluate``), so the pages' CSP, which
    allows no inline script, stays in force."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.html)}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture
def signed_in(page, live_server, staff_login, guard):
    """``page`` signed in as staff through the sign-in form."""
    sign_in(page, live_server, staff_login)
    return page
