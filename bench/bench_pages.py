"""How fast the agent intake page answers a typed address, in Chromium and on the server.

The store holds the demo history's last 60 days and its open requests, moved in time so that
the history ends now: the duplicate search then finds open requests as at a live center (the
card lists them and draws them on the map). The
page has a service type chosen (the agent picked it first), as the duplicates need one.

- on the server: ``GET /intake/check`` (validation, duplicates, the card's HTML and map)
  over 500 demo addresses, in process, p50/p90/p99 of the wall time and of the CPU time
  (stable on a shared machine, where the wall time waits for a core);
- in the browser: from the last keystroke of an address typed into the intake page to the
  frame that paints the card *of that address* (the debounce included), over ``--n`` demo
  addresses: half from open requests of the chosen type (duplicates found), half random
  address points, every other one with a typo. ``--key-delay`` types at a person's pace
  (each pause longer than the debounce fires a check, as when an agent types); 0 types at
  once. Each sample is split into: debounce (last key to the fetch), fetch (to the answer's
  text), insert (the card into the page, with its map's first draw) and paint.

Usage: ``python bench/bench_pages.py [--n 100] [--key-delay 0,120]`` (generates the demo
region when missing; needs Debian's Chromium); prints the load average before and after;
JSON goes to ``bench/results/bench_pages.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import tempfile
import threading
import time
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from common import DEMO, REPO, ensure_demo
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from geo311.city import City
from geo311.service.store import open_store
from geo311.web import create_app

ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SERVICE = "GRAFFITI"
# the page's own clock: the last keystroke (its input event), the fetch of the live check
# (wrapped), the card of the typed text in the page (the observer runs once the page's script
# has inserted it), the frame that painted its heading (Element Timing) and its map built
_WATCH = """() => {
    const t = window.__t = {key: 0, fetch: 0, answer: 0, shown: 0, painted: 0, mapped: 0,
                           text: ''};
    const check = document.getElementById('check');
    document.addEventListener('input', (e) => {  // capture: before the page's own listener
        if (e.target.id !== 'address') { return; }
        t.key = performance.now(); t.fetch = t.answer = t.shown = t.painted = t.mapped = 0;
    }, true);
    const fetch0 = window.fetch;
    window.fetch = function (url, options) {
        const mine = String(url).indexOf('/intake/check') >= 0 &&
            new URL(url, location.href).searchParams.get('address') === t.text;
        if (mine && t.key) { t.fetch = performance.now(); }
        return fetch0.call(this, url, options).then((r) => {
            if (!mine) { return r; }
            const text0 = r.text.bind(r);
            r.text = () => text0().then((s) => { if (t.key) { t.answer = performance.now(); }
                                                 return s; });
            return r;
        });
    };
    new MutationObserver(() => {
        if (!t.key || check.dataset.checked !== t.text || !check.querySelector('.card')) {
            return; }
        if (!t.mapped && (check.querySelector('.map.leaflet-container') ||
                          !check.querySelector('.map'))) { t.mapped = performance.now(); }
        if (!t.shown) { t.shown = performance.now(); }
    }).observe(check, {childList: true, subtree: true});
    // the frame that painted the card's heading (Element Timing: its elementtiming attribute)
    new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
            if (entry.identifier === 'card' && entry.element && check.contains(entry.element)
                && check.dataset.checked === t.text && t.shown && !t.painted) {
                t.painted = entry.renderTime || entry.loadTime; }
        }
    }).observe({type: 'element', buffered: false});
}"""


def _typo(address: str, rng: np.random.Generator) -> str:
    words = address.split()
    if len(words) > 2 and len(words[-2]) > 3:  # swap two letters of the street name
        w = words[-2]
        k = int(rng.integers(1, len(w) - 2))
        words[-2] = w[:k] + w[k + 1] + w[k] + w[k + 2:]
    return " ".join(words)


def _addresses(n: int, open_rows: pd.DataFrame, seed: int) -> list[str]:
    """``n`` addresses, lower case: half at open requests of SERVICE, half random points;
    every other one with a typo."""
    rng = np.random.default_rng(seed)
    points = pd.read_csv(DEMO / "address_points.csv", dtype=str)["Address"]
    near = open_rows.loc[open_rows["service_code"] == SERVICE, "address"].dropna()
    picked = near.sample(n // 2, random_state=seed).tolist() + \
        points.sample(n - n // 2, random_state=seed).tolist()
    order = rng.permutation(len(picked))
    return [(_typo(picked[i], rng) if k % 2 else picked[i]).lower()
            for k, i in enumerate(order)]


def _percentiles(values: list[float] | np.ndarray) -> dict:
    ms = np.asarray(values, dtype=float)
    if not len(ms):
        return {"n": 0}
    return {"n": len(ms), "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p90_ms": round(float(np.percentile(ms, 90)), 1),
            "p99_ms": round(float(np.percentile(ms, 99)), 1),
            "max_ms": round(float(ms.max()), 1)}


def _recent_history(store, city: City, tmp: str) -> pd.DataFrame:
    """Import the demo history's last 60 days and every request still open, moved in time
    so that the history ends now (its open requests are then within the duplicate windows,
    as at a live 311 center); returns the open ones."""
    rows = pd.read_csv(DEMO / "requests.csv", dtype=str)
    when = pd.to_datetime(rows["requested_datetime"], utc=True, format="ISO8601")
    shift = pd.Timestamp(datetime.now(UTC)) - when.max()
    keep = (when >= when.max() - pd.Timedelta(days=60)) | (rows["status"] == "open")
    rows = rows[keep].copy()
    for column in ("requested_datetime", "closed_datetime"):
        moved = pd.to_datetime(rows[column], utc=True, format="ISO8601") + shift
        rows[column] = moved.map(lambda t: t.isoformat() if pd.notna(t) else None)
    path = f"{tmp}/recent.csv"
    rows.to_csv(path, index=False)
    store.import_requests(path, "demo", locator=city.locator)
    return rows[rows["status"] == "open"]


def _server_times(app, addresses: list[str]) -> tuple[list[float], list[float]]:
    """Wall and CPU (this thread's) milliseconds of each ``GET /intake/check``, in process
    (the CPU time does not count the waits for a core on a shared machine)."""
    client = app.test_client()
    html = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post("/staff/login", data={"username": "bench", "password": "bench-password",
                                      "csrf_token": token})
    wall, cpu = [], []
    for address in addresses:
        start, start_cpu = time.perf_counter(), time.thread_time()
        answer = client.get("/intake/check", query_string={"address": address,
                                                           "service_code": SERVICE})
        cpu.append((time.thread_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200
    return wall, cpu


def _browser_times(base: str, addresses: list[str], key_delay: float) -> dict[str, list]:
    parts: dict[str, list] = {"total": [], "debounce": [], "fetch": [], "insert": [],
                              "paint": [], "map_drawn": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page()
        page.goto(f"{base}/staff/login")
        page.fill("#username", "bench")
        page.fill("#password", "bench-password")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/intake")
        page.select_option("#service_code", SERVICE)
        page.locator(f"#attributes[data-service={SERVICE}]").wait_for()
        page.evaluate(_WATCH)
        for address in addresses:
            page.fill("#address", "")
            page.evaluate("(text) => { window.__t.text = text; window.__t.key = 0;"
                          " document.getElementById('check').innerHTML = ''; }", address)
            page.type("#address", address, delay=key_delay)
            try:
                page.wait_for_function("() => window.__t.painted > 0 && window.__t.mapped > 0",
                                       timeout=10_000)
            except PlaywrightTimeout:
                state = page.evaluate("() => [window.__t, document.getElementById('check')"
                                      ".innerHTML.slice(0, 200)]")
                raise SystemExit(f"no card for {address!r} in 10 s: {state}") from None
            t = page.evaluate("() => window.__t")
            parts["total"].append(t["painted"] - t["key"])
            parts["debounce"].append(t["fetch"] - t["key"] if t["fetch"] else np.nan)
            parts["fetch"].append(t["answer"] - t["fetch"] if t["fetch"] else np.nan)
            parts["insert"].append(t["shown"] - (t["answer"] or t["key"]))
            parts["paint"].append(t["painted"] - t["shown"])
            parts["map_drawn"].append(t["mapped"] - t["key"])
        browser.close()
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="addresses typed in the browser")
    parser.add_argument("--key-delay", default="0,120",
                        help="ms between keys, comma-separated runs (default 0,120)")
    args = parser.parse_args()
    ensure_demo()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    load_before = os.getloadavg()
    city = City.open(DEMO)
    city.validator  # noqa: B018 - built before the clock starts
    script = (REPO / "geo311" / "web" / "static" / "pages.js").read_text(encoding="utf-8")
    debounce = re.search(r"DEBOUNCE_MS = (\d+)|setTimeout\(check, (\d+)\)", script)
    result: dict = {"load_average_before": [round(v, 2) for v in load_before],
                    "service_code": SERVICE,
                    "debounce_ms": int(next(g for g in debounce.groups() if g))}
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.sqlite")
        open_rows = _recent_history(store, city, tmp)
        store.create_staff_user("bench", "bench-password")
        app = create_app(city, store)
        addresses = _addresses(500, open_rows, seed=7)
        _server_times(app, addresses[:50])  # warm: first renders, the SQL statement cache
        wall, cpu = _server_times(app, addresses)
        result["server_intake_check"] = _percentiles(wall)
        result["server_intake_check_cpu"] = _percentiles(cpu)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        for delay in (float(d) for d in args.key_delay.split(",")):
            parts = _browser_times(base, _addresses(args.n, open_rows, seed=11), delay)
            result[f"browser_key_delay_{delay:g}ms"] = {
                name: _percentiles(np.asarray(values)[~np.isnan(values)])
                for name, values in parts.items()}
        server.shutdown()
    result["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(result, indent=2))
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_pages.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
