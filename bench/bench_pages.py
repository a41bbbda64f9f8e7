"""How fast the agent intake page answers a typed address, in Chromium and on the server.

- in the browser: from the last keystroke of an address typed into the intake page to its
  card on screen (the debounce of 100 ms included), over 40 demo addresses, half of them
  with a one-letter typo;
- on the server: ``GET /intake/check`` (validation, duplicates, the card's HTML and map)
  over 500 demo addresses, p50 and p99.

Usage: ``python bench/bench_pages.py`` (generates the demo region when missing; needs
Debian's Chromium); JSON goes to ``bench/results/bench_pages.json``.
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
import time

import numpy as np
import pandas as pd
from common import DEMO, REPO, ensure_demo
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from geo311.city import City
from geo311.service.store import open_store
from geo311.web import create_app

ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
# the page's own clock: last keyup, then the first change of the card
_WATCH = """() => {
    window.__t = {key: 0, shown: 0};
    document.getElementById('address').addEventListener('keyup', () => {
        window.__t.key = performance.now(); window.__t.shown = 0; });
    new MutationObserver(() => { if (!window.__t.shown && document.querySelector(
        '#check [data-testid=canonical], #check .card')) window.__t.shown = performance.now(); })
        .observe(document.getElementById('check'), {childList: true, subtree: true});
}"""


def _addresses(n: int, seed: int = 7) -> list[str]:
    points = pd.read_csv(DEMO / "address_points.csv", dtype=str)
    picked = points["Address"].sample(n, random_state=seed).tolist()
    rng = np.random.default_rng(seed)
    out = []
    for i, address in enumerate(picked):
        words = address.split()
        if i % 2 and len(words[-2]) > 3:  # swap two letters of the street name
            w = words[-2]
            k = int(rng.integers(1, len(w) - 2))
            words[-2] = w[:k] + w[k + 1] + w[k] + w[k + 2:]
        out.append(" ".join(words).lower())
    return out


def _percentiles(values: list[float]) -> dict:
    ms = np.asarray(values) * 1000
    return {"n": len(ms), "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p90_ms": round(float(np.percentile(ms, 90)), 1),
            "p99_ms": round(float(np.percentile(ms, 99)), 1),
            "max_ms": round(float(ms.max()), 1)}


def main() -> None:
    ensure_demo()
    city = City.open(DEMO)
    city.validator  # noqa: B018 - built before the clock starts
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.sqlite")
        store.create_staff_user("bench", "bench-password")
        app = create_app(city, store)
        client = app.test_client()
        html = client.get("/staff/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        client.post("/staff/login", data={"username": "bench", "password": "bench-password",
                                          "csrf_token": token})
        server_times = []
        for address in _addresses(500):
            start = time.perf_counter()
            answer = client.get("/intake/check", query_string={"address": address,
                                                               "service_code": "GRAFFITI"})
            server_times.append(time.perf_counter() - start)
            assert answer.status_code == 200
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        browser_times = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page()
            page.goto(f"{base}/staff/login")
            page.fill("#username", "bench")
            page.fill("#password", "bench-password")
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/intake")
            page.evaluate(_WATCH)
            for address in _addresses(40, seed=11):
                page.fill("#address", "")
                page.evaluate("() => { document.getElementById('check').innerHTML = ''; }")
                page.type("#address", address)
                page.locator("#check .card").wait_for()
                times = page.evaluate("() => window.__t")
                browser_times.append((times["shown"] - times["key"]) / 1000)
            browser.close()
        server.shutdown()
    result = {"server_intake_check": _percentiles(server_times),
              "browser_keystroke_to_card": _percentiles(browser_times),
              "debounce_ms": 100}
    print(json.dumps(result, indent=2))
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_pages.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
