"""Benchmark: address validation on the demo region.

Measures, in one run:

- batch ``Validator.validate`` addresses/s over N request addresses (as callers
  typed them: typos, units, outside-city addresses), against plain
  ``usaddress.tag`` on the same inputs;
- single ``validate`` latency p50/p99 on 5,000 distinct addresses with empty caches;
- the address index build time (cold cache) and the validator's start-up time
  with a warm cache (reference from disk + locator build).

Usage: ``python bench/bench_validate.py [--addresses N] [--out bench/results/bench_validate.json]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import usaddress
from common import DEMO, REPO, ensure_demo

from geo311.address.parse import clear_cache
from geo311.address.reference import AddressReference
from geo311.address.validate import Validator
from geo311.profile import load_profile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=100_000)
    parser.add_argument("--demo", type=Path, default=DEMO)
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/bench_validate.json")
    args = parser.parse_args()
    ensure_demo(args.demo)
    profile = load_profile(args.demo)

    cache = Path(args.demo) / ".geo311-cache"
    shutil.rmtree(cache, ignore_errors=True)
    start = time.perf_counter()
    AddressReference.from_profile(profile)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    validator = Validator(load_profile(args.demo))
    warm_start_s = time.perf_counter() - start
    assert validator.reference.cache_hit

    texts = pd.read_csv(args.demo / "requests.csv", usecols=["address"], dtype=str,
                        keep_default_na=False)["address"].tolist()
    texts = (texts * (args.addresses // len(texts) + 1))[:args.addresses]

    print(f"usaddress.tag x{len(texts):,} ...", file=sys.stderr)
    start = time.perf_counter()
    for text in texts:
        try:
            usaddress.tag(text)
        except usaddress.RepeatedLabelError:
            pass
    tag_s = time.perf_counter() - start

    print(f"validate x{len(texts):,} ...", file=sys.stderr)
    statuses: dict[str, int] = {}
    start = time.perf_counter()
    for text in texts:
        status = validator.validate(text)["status"]
        statuses[status] = statuses.get(status, 0) + 1
    validate_s = time.perf_counter() - start

    # single-call latency on addresses this process has not seen: fresh caches
    clear_cache()
    cold = Validator(validator.profile, reference=validator.reference,
                     locator=validator.locator)
    latencies = []
    for text in list(dict.fromkeys(texts))[:5000]:
        start = time.perf_counter_ns()
        cold.validate(text)
        latencies.append(time.perf_counter_ns() - start)
    latencies_ms = np.array(latencies) / 1e6

    result = {
        "benchmark": "validate",
        "addresses": len(texts),
        "distinct_addresses": len(set(texts)),
        "validate_per_s": round(len(texts) / validate_s),
        "usaddress_tag_per_s": round(len(texts) / tag_s),
        "ratio_to_usaddress_tag": round(tag_s / validate_s, 2),
        "single_validate_p50_ms": round(float(np.percentile(latencies_ms, 50)), 3),
        "single_validate_p99_ms": round(float(np.percentile(latencies_ms, 99)), 3),
        "index_build_s": round(build_s, 3),
        "warm_start_s": round(warm_start_s, 3),
        "statuses": statuses,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"validate {result['validate_per_s']:,}/s vs usaddress.tag "
          f"{result['usaddress_tag_per_s']:,}/s (ratio {result['ratio_to_usaddress_tag']}); "
          f"single p50 {result['single_validate_p50_ms']} ms p99 "
          f"{result['single_validate_p99_ms']} ms; index build {result['index_build_s']} s, "
          f"warm start {result['warm_start_s']} s; statuses {statuses}")
    print(f"JSON: {args.out}")


if __name__ == "__main__":
    main()
