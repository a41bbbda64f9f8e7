"""Benchmark: the Dask path against one process, on 10 M (or 50 M) demo-like requests.

The demo region's 120,000 requests are scaled deterministically into a request table
of N rows over ten years (2016-2025), written as GeoParquet partitioned by year/month
(one partition a month, N/120 rows each): month m takes rows of the demo's export drawn
with ``numpy.random.default_rng([seed, m])``, their creation time moved to a uniform
instant of the month (closing times follow, the same delay after). Coordinates, types,
statuses and the callers' address texts are those of the drawn demo rows: requests fall
on the region's address points, as geocoded 311 requests do.

Each mode runs in a fresh process (peak memory is per mode): ``single`` (the same
per-partition code, one partition after the other in this process, no Dask scheduler),
then LocalClusters of 1, 2 and as many workers as cores (one thread each). Timed:

- ``hex``: read, locate and count every request by H3 hexagon (the resolution chosen
  from the density, as by default), then Gi* on the combined counts;
- ``district``: the same by ward (5 nearest wards, Gi*);
- ``validate``: every address of the first partitions holding ``--validate-rows`` rows.

Before the stages each mode starts: ``startup`` times opening the profile and loading the
locator (one process), or starting the cluster and loading the engines on every worker.
``located_and_counted`` adds startup, hex and district: every request located (by the
district run) and counted by hexagon and by ward.

Peak memory: the largest resident set of any worker process (the client's own apart).
The z-scores of every mode are hashed: equal hashes mean identical answers. CPU seconds
are reported beside wall time, as the stable figure on a shared machine (the wall time of
a mode depends on what else runs; the load average is recorded): ``cpu_s`` of every
process of the run (this one, with the client and the local scheduler, the nannies and
the workers), ``worker_cpu_s`` of the workers alone.

Usage: ``python bench/bench_scale.py [--requests 10000000 | --big] [--data DIR]
[--validate-rows 1000000] [--out bench/results/bench_scale.json]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from common import REPO, ensure_demo

from geo311.city import City
from geo311.io.parquet import PARTITION_ON, write_part
from geo311.service.requests import load_requests, preset

MONTHS = 120
FIRST_YEAR = 2016
SEED = 311


def generate(demo: Path, out: Path, n: int) -> dict:
    """Write the scaled request table (see the module); return its size and time."""
    start = time.perf_counter()
    base = load_requests(demo / "requests.csv", "demo").frame
    delay = (base["closed"] - base["created"]).to_numpy()
    zone = base["created"].dt.tz
    tmp = out.with_name(out.name + ".tmp")
    for m in range(MONTHS):
        rng = np.random.default_rng([SEED, m])
        rows = n // MONTHS + (1 if m < n % MONTHS else 0)
        pick = rng.integers(0, len(base), rows)
        first = pd.Timestamp(year=FIRST_YEAR + m // 12, month=m % 12 + 1, day=1, tz=zone)
        seconds = int((first + pd.offsets.MonthBegin(1) - first).total_seconds())
        created = first + pd.to_timedelta(np.sort(rng.integers(0, seconds, rows)), unit="s")
        part = base.iloc[pick].reset_index(drop=True)
        part["id"] = [f"{m:03d}-{i:07d}" for i in range(rows)]
        part["created"] = created
        part["closed"] = created + pd.to_timedelta(delay[pick])
        part["year"], part["month"] = created.year.astype("int32"), created.month.astype("int32")
        write_part(part, tmp, m, lon="lon", lat="lat", partition_on=PARTITION_ON)
    tmp.rename(out)
    return {"rows": n, "partitions": MONTHS, "generate_s": round(time.perf_counter() - start, 1),
            "bytes": sum(f.stat().st_size for f in out.rglob("*.parquet"))}


def _z_hash(result) -> str:
    cells = result.cells
    digest = hashlib.sha256(cells["id"].astype(str).str.cat(sep=",").encode())
    digest.update(cells["count"].to_numpy(np.int64).tobytes())
    digest.update(cells["z"].to_numpy(float).tobytes())
    return digest.hexdigest()[:16]


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load_engines(ref) -> None:
    from geo311.scale.engines import engines

    engines(ref)


def _validated_statuses(frame: pd.DataFrame) -> pd.DataFrame:
    counts = frame["geo311_status"].value_counts()
    return pd.DataFrame({"status": counts.index.astype(str), "n": counts.to_numpy()})


def measure(demo: Path, table: Path, workers: int, validate_rows: int) -> dict:
    """One mode: 0 workers is the single process; its figures as a dict."""
    import dask

    from geo311.scale import analyze, connect, read_requests, validate_partitions
    from geo311.scale.cluster import run
    from geo311.scale.engines import engine_ref

    out: dict = {"workers": workers, "load_start": _load()}
    columns = preset("demo")

    def workers_cpu() -> float:  # CPU seconds of the processes doing the work
        return _cpu_s() if client is None else sum(client.run(_cpu_s).values())

    def all_cpu() -> float:  # this process (client, local scheduler), nannies and workers
        if client is None:
            return _cpu_s()
        return _cpu_s() + workers_cpu() + sum(client.run(_cpu_s, nanny=True).values())

    def timed(work):
        start, cpu_start, worker_start = time.perf_counter(), all_cpu(), workers_cpu()
        value = work()
        return (value, time.perf_counter() - start, all_cpu() - cpu_start,
                workers_cpu() - worker_start)

    def stages(startup_s: float) -> None:
        ref = engine_ref(city)
        _, seconds, cpu_s, worker_s = timed(lambda: client and client.run(_load_engines, ref))
        out["startup"] = {"seconds": round(startup_s + seconds, 2),
                          "engines_cpu_s": round(worker_s, 1)}
        for by in ("hex", "ward"):
            result, seconds, cpu_s, worker_s = timed(
                lambda by=by: analyze(read_requests(table, columns), city, client=client, by=by))
            rows = result.report["rows"]
            out["hex" if by == "hex" else "district"] = {
                "seconds": round(seconds, 2), "requests_per_s": round(rows / seconds),
                "cpu_s": round(cpu_s, 1), "worker_cpu_s": round(worker_s, 1),
                "cpu_s_per_million": round(cpu_s / rows * 1e6, 2),
                "cells": len(result.cells), "z_sha256": _z_hash(result), "load": _load()}
        out["located_and_counted"] = {
            "seconds": round(out["startup"]["seconds"] + out["hex"]["seconds"]
                             + out["district"]["seconds"], 1),
            "cpu_s": round(out["hex"]["cpu_s"] + out["district"]["cpu_s"], 1)}
        city.validator  # noqa: B018 - built (or loaded) here before the validate stage
        ddf = read_requests(table, columns)
        sizes = ddf.map_partitions(len).compute(scheduler="synchronous" if client is None
                                                else None)
        take = int(np.searchsorted(np.cumsum(sizes), validate_rows) + 1)
        part = ddf.partitions[:take]
        validated = validate_partitions(part, city, address_col="address", zip_col=None)
        tasks = [dask.delayed(_validated_statuses)(p) for p in validated.to_delayed()]
        statuses, seconds, cpu_s, worker_s = timed(
            lambda: pd.concat(run(client, tasks, "validate")).groupby("status")["n"].sum())
        rows = int(statuses.sum())
        out["validate"] = {"rows": rows, "seconds": round(seconds, 2),
                           "addresses_per_s": round(rows / seconds), "cpu_s": round(cpu_s, 1),
                           "worker_cpu_s": round(worker_s, 1),
                           "statuses": {k: int(v) for k, v in statuses.items()}}

    start = time.perf_counter()
    city = City.open(demo)
    city.locator  # noqa: B018 - the client builds and caches the engines first
    if workers == 0:
        client = None
        stages(time.perf_counter() - start)
        out["peak_mb_per_worker"] = round(_peak_mb())
        out["load_end"] = _load()
        return out
    with connect(workers=workers) as client:
        stages(time.perf_counter() - start)
        peaks = client.run(_peak_mb)
    out["peak_mb_per_worker"] = round(max(peaks.values()))
    out["client_peak_mb"] = round(_peak_mb())
    out["load_end"] = _load()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000_000)
    parser.add_argument("--big", action="store_true", help="50 M requests")
    parser.add_argument("--data", type=Path, default=REPO / "bench/data")
    parser.add_argument("--validate-rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/bench_scale.json")
    parser.add_argument("--mode", type=int, help=argparse.SUPPRESS)  # a child: its workers
    args = parser.parse_args()
    n = 50_000_000 if args.big else args.requests
    demo = ensure_demo()
    table = args.data / f"requests_{n}"
    if args.mode is not None:
        print(json.dumps(measure(demo, table, args.mode, args.validate_rows)))
        return
    report: dict = {"requests": n, "cores": os.cpu_count(), "table": str(table)}
    if not table.exists():
        table.parent.mkdir(parents=True, exist_ok=True)
        report.update(generate(demo, table, n))
    modes = sorted({0, 1, 2, os.cpu_count() or 1})
    report["modes"] = {}
    for workers in modes:
        name = "single" if workers == 0 else f"cluster_{workers}"
        print(f"{name} ...", file=sys.stderr)
        child = subprocess.run([sys.executable, __file__, "--requests", str(n), "--data",
                                str(args.data), "--validate-rows", str(args.validate_rows),
                                "--mode", str(workers)], capture_output=True, text=True,
                               check=True)
        report["modes"][name] = json.loads(child.stdout.strip().splitlines()[-1])
        print(json.dumps(report["modes"][name]), file=sys.stderr)
    single = report["modes"]["single"]
    for mode in report["modes"].values():
        for stage in ("hex", "district", "located_and_counted"):
            mode[stage]["vs_single"] = round(single[stage]["seconds"] / mode[stage]["seconds"], 2)
            mode[stage]["cpu_vs_single"] = round(mode[stage]["cpu_s"] / single[stage]["cpu_s"],
                                                 2)
        mode["validate"]["vs_single"] = round(
            single["validate"]["seconds"] / mode["validate"]["seconds"], 2)
    report["identical_answers"] = len({(m["hex"]["z_sha256"], m["district"]["z_sha256"])
                                       for m in report["modes"].values()}) == 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
