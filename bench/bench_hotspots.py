"""Benchmark: hex aggregation and analytical Gi* against esda in the same run.

1,000,000 points placed the way the demo's requests fall (resampled with ~300 m
jitter, as in ``bench_locate.py``) are counted into H3 cells of the city at the
resolution :func:`choose_resolution` picks; the cells get distance-band weights
and Gi* (z, p, FDR, bins). The baseline is ``esda.G_Local(star=True,
transform="B", permutations=0)`` on the same weights as a libpysal ``W`` built
beforehand (not timed). A second case does the same on a ~100k-cell metric grid.

The end-to-end case is what ``geo311 hotspots --by hex --method gistar --out
MAP.html`` does with N requests of every type after the file is read: a CSV of
N demo-like requests (rows resampled from the demo's with jittered coordinates)
is loaded and located, as the CLI does (timed apart), then :func:`analyze`
(resolution choice, binning, weights, Gi*), :func:`hotspot_folium` (choropleth,
bins, heat layer, one layer per request type) and the self-contained page
(:func:`offline_html`, what :func:`hotspot_map` returns) are timed together.

Usage: ``python bench/bench_hotspots.py [--points N] [--out bench/results/bench_hotspots.json]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
from common import DEMO, REPO, ensure_demo, request_like_points
from libpysal.weights import W

from geo311.hotspots import (
    GiStar,
    choose_resolution,
    distance_band,
    grid_counts,
    hex_centroids,
    hex_counts,
    project_lonlat,
)
from geo311.hotspots.analysis import analyze
from geo311.jurisdiction import Locator
from geo311.profile import load_profile
from geo311.render.hotspot_map import hotspot_folium
from geo311.render.maps import offline_html
from geo311.service.requests import Requests, columns_from_profile, load_requests


def timed(fn, repeat: int):
    """Return the median seconds of ``repeat`` calls and the last result."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def gi_star_vs_esda(counts: np.ndarray, weights, repeat: int) -> dict:
    """Time GiStar and esda's analytical G_Local on the same weights; check they agree."""
    ours_s, ours = timed(lambda: GiStar(counts, weights), repeat)
    esda_times = []
    for _ in range(repeat):
        w = W.from_sparse(weights)  # a fresh W each run: G_Local caches its transform on it
        start = time.perf_counter()
        theirs = esda.G_Local(counts, w, star=True, transform="B", permutations=0)
        esda_times.append(time.perf_counter() - start)
    esda_s = float(np.median(esda_times))
    return {
        "cells": int(counts.size),
        "neighbors_per_cell_mean": round(weights.nnz / counts.size, 1),
        "gi_star_s": round(ours_s, 5),
        "esda_g_local_s": round(esda_s, 4),
        "speedup_vs_esda": round(esda_s / ours_s, 1),
        "max_abs_z_diff_vs_esda": float(np.abs(ours.z - theirs.Zs).max()),
        "hot_cells_95_fdr": int((ours.bin >= 2).sum()),
        "cold_cells_95_fdr": int((ours.bin <= -2).sum()),
    }


def end_to_end(demo_dir: Path, profile, n: int, repeat: int, work: Path) -> dict:
    """Time request frame → analyze(hex, Gi*) → map → HTML page on ``n`` demo-like requests."""
    rows = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False)
    rows = rows[rows["lon"] != ""]
    rng = np.random.default_rng(1)
    sample = rows.iloc[rng.integers(0, len(rows), n)].reset_index(drop=True)
    lons, lats = request_like_points(sample["lon"].astype(float), sample["lat"].astype(float),
                                     n, seed=2)
    sample["lon"], sample["lat"] = lons.round(7), lats.round(7)
    path = work / f"requests_{n}.csv"
    sample.to_csv(path, index=False)
    locator = Locator.from_profile(profile)
    read_s, requests = timed(lambda: load_requests(path, columns_from_profile(profile),
                                                   locator=locator), 1)
    stages: dict[str, list[float]] = {"analyze_s": [], "map_s": [], "html_s": []}
    for _ in range(repeat):
        requests = Requests(requests.frame, requests.report, requests.source,
                            requests.layer_ids)  # no H3 index yet
        start = time.perf_counter()
        result = analyze(requests, locator, by="hex", method="gistar")
        stages["analyze_s"].append(time.perf_counter() - start)
        start = time.perf_counter()
        m = hotspot_folium(result, requests, locator, title="All requests")
        stages["map_s"].append(time.perf_counter() - start)
        start = time.perf_counter()
        page = offline_html(m)
        stages["html_s"].append(time.perf_counter() - start)
    medians = {k: round(float(np.median(v)), 3) for k, v in stages.items()}
    totals = np.sum([stages[k] for k in stages], axis=0)
    return {
        "requests": n,
        "types": int(requests.frame["type"].nunique()),
        "read_csv_s": round(read_s, 2),
        **medians,
        "total_s": round(float(np.median(totals)), 3),
        "requests_per_s": round(n / float(np.median(totals))),
        "cells": len(result.cells),
        "resolution_neighborhood": result.neighborhood,
        "page_bytes": len(page.encode()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--demo", type=Path, default=DEMO)
    parser.add_argument("--band-m", type=float, default=400.0, help="hex distance band")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp"),
                        help="where the end-to-end case writes its request CSV")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/bench_hotspots.json")
    args = parser.parse_args()

    ensure_demo(args.demo)
    profile = load_profile(args.demo)
    demo = pd.read_csv(args.demo / "requests.csv", usecols=["lon", "lat"]).dropna()
    lons, lats = request_like_points(demo.lon, demo.lat, args.points)

    print(f"hex aggregation of {args.points:,} points ...", file=sys.stderr)
    choose_s, resolution = timed(lambda: choose_resolution(lons, lats), args.repeat)
    hex_s, hexes = timed(lambda: hex_counts(lons, lats, resolution, area=profile.boundary),
                         args.repeat)

    def hex_weights():
        x, y = project_lonlat(*hex_centroids(hexes.cells), profile.metric_crs)
        return distance_band(x, y, args.band_m)

    hex_weights_s, weights = timed(hex_weights, args.repeat)
    print(f"Gi* on {hexes.cells.size:,} cells vs esda ...", file=sys.stderr)
    hex_case = gi_star_vs_esda(hexes.counts, weights, args.repeat)

    print("Gi* on a 25 m grid of the city vs esda ...", file=sys.stderr)
    city = gpd.GeoSeries([profile.boundary], crs="EPSG:4326").to_crs(profile.metric_crs).iloc[0]
    x, y = project_lonlat(lons, lats, profile.metric_crs)
    grid_s, grid = timed(lambda: grid_counts(x, y, 25.0, area=city), args.repeat)
    grid_weights_s, grid_weights = timed(lambda: distance_band(grid.x, grid.y, 60.0),
                                         args.repeat)
    grid_case = gi_star_vs_esda(grid.counts, grid_weights, args.repeat)

    print(f"end to end: {args.points:,} requests → hex Gi* → map page ...", file=sys.stderr)
    e2e = end_to_end(args.demo, profile, args.points, min(args.repeat, 3), args.work)

    report = {
        "benchmark": "hotspots",
        "python": sys.version.split()[0],
        "points": args.points,
        "hex": {
            "resolution": resolution,
            "choose_resolution_s": round(choose_s, 3),
            "hex_counts_s": round(hex_s, 3),
            "points_per_s": round(args.points / hex_s),
            "outside_city": hexes.outside,
            "invalid": hexes.invalid,
            "band_m": args.band_m,
            "weights_s": round(hex_weights_s, 4),
            **hex_case,
            "aggregation_plus_gi_star_s": round(hex_s + hex_case["gi_star_s"], 3),
            "aggregation_weights_gi_star_s": round(
                hex_s + hex_weights_s + hex_case["gi_star_s"], 3),
        },
        "grid_25m": {
            "grid_counts_s": round(grid_s, 3),
            "band_m": 60.0,
            "weights_s": round(grid_weights_s, 4),
            **grid_case,
        },
        "end_to_end": e2e,
        "targets": {"gi_star_speedup_vs_esda": ">= 10", "end_to_end_total_s": "<= 3",
                    "page_bytes": "<= 5,000,000"},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    h, g = report["hex"], report["grid_25m"]
    print(f"hex res {resolution}: aggregation {h['hex_counts_s']} s "
          f"({h['points_per_s'] / 1e6:.1f} M pts/s), "
          f"choose_resolution {h['choose_resolution_s']} s, "
          f"weights {h['weights_s']} s, Gi* {h['gi_star_s'] * 1e3:.2f} ms on {h['cells']:,} cells "
          f"= {h['speedup_vs_esda']}x esda ({h['esda_g_local_s'] * 1e3:.1f} ms); "
          f"aggregation + weights + Gi* {h['aggregation_weights_gi_star_s']} s")
    print(f"grid 25 m: {g['cells']:,} cells, counts {g['grid_counts_s']} s, weights "
          f"{g['weights_s']} s, Gi* {g['gi_star_s'] * 1e3:.1f} ms = {g['speedup_vs_esda']}x esda "
          f"({g['esda_g_local_s']:.3f} s); max |z - esda| {g['max_abs_z_diff_vs_esda']:.1e}")
    e = report["end_to_end"]
    print(f"end to end, {e['requests']:,} requests of {e['types']} types (CSV read "
          f"{e['read_csv_s']} s, not counted): analyze {e['analyze_s']} s + map {e['map_s']} s "
          f"+ page {e['html_s']} s = {e['total_s']} s ({e['requests_per_s'] / 1e6:.2f} M/s); "
          f"{e['cells']:,} cells, page {e['page_bytes'] / 1e6:.2f} MB")
    print(f"JSON: {args.out}")


if __name__ == "__main__":
    main()
