"""Report: label accuracy and speed of ``geo311.address.parse`` against plain usaddress.

Accuracy, per file of datamade's labelled corpus (``address_labels/
measure_performance_test_data/*.xml`` under ``GEO311_SHARED/data``): both parsers
label the same text, ``"".join(<AddressString>.itertext())``; an item counts when
its tokens, stripped of " ,;", equal the corpus tokens (else all its tokens count
as wrong for that parser), and each token's label is compared with the truth.
Token accuracy = right labels / corpus tokens; whole accuracy = items with every
label right / items. Ours are ``ParsedAddress.labels`` (usaddress's label names
after our corrections); usaddress's are ``usaddress.parse``.

Speed, in addresses/s on the same inputs (the corpus texts, and the LA 311
``Address`` column when present): ``usaddress.tag``; our ``parse_uncached``; our
cached ``parse`` from an empty cache (first pass) and warm (second pass).

Usage: ``python bench/report_parse_accuracy.py [--repeat 3] [--out FILE]``
(default ``bench/results/parse_accuracy.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import numpy as np
import usaddress

from geo311.address.parse import clear_cache, parse, parse_uncached

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for testsupport, shared with the tests
from testsupport.parse_corpus import CORPUS, ours, read_corpus, score  # noqa: E402

SHARED = Path(os.environ.get("GEO311_SHARED", REPO.parent / "shared"))
LA_311 = "los_angeles/311/myla311_2017-12-27_to_2017-12-31_subset.csv"


def accuracy(corpus_dir: Path) -> list[dict]:
    """Return one row per corpus file: items and both parsers' accuracies."""
    rows = []
    for path in sorted(corpus_dir.glob("*.xml")):
        items = read_corpus(path)
        theirs, mine = score(items, usaddress.parse), score(items, ours)
        rows.append({
            "file": path.name, "items": len(items),
            "usaddress_token": theirs["token"], "ours_token": mine["token"],
            "usaddress_whole": theirs["whole"], "ours_whole": mine["whole"],
        })  # fmt: skip
    return rows


def _tag(text: str) -> None:
    try:
        usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        pass


def rate(fn: Callable[[str], object], texts: list[str], repeat: int,
         before: Callable[[], None] | None = None) -> float:
    """Return the median addresses/s of ``fn`` over ``texts`` (``before`` runs untimed)."""
    times = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        for text in texts:
            fn(text)
        times.append(time.perf_counter() - start)
    return len(texts) / float(np.median(times))


def speed(texts: list[str], repeat: int) -> dict[str, float]:
    """Return addresses/s of usaddress.tag and of our parser with and without the cache."""
    def warm() -> None:
        clear_cache()
        for text in texts:
            parse(text)

    return {
        "inputs": len(texts),
        "unique": len(set(texts)),
        "usaddress_tag": rate(_tag, texts, repeat),
        "ours_uncached": rate(parse_uncached, texts, repeat),
        "ours_cached_cold": rate(parse, texts, repeat, before=clear_cache),
        "ours_cached_warm": rate(parse, texts, repeat, before=warm),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/parse_accuracy.json")
    args = parser.parse_args(argv)

    corpus_dir = SHARED / "data" / CORPUS
    if not corpus_dir.exists():
        sys.exit(f"corpus missing: {corpus_dir}")
    rows = accuracy(corpus_dir)
    print(f"{'file':34s} {'items':>6s} {'usa tok':>8s} {'ours tok':>9s} "
          f"{'usa whole':>10s} {'ours whole':>11s}")
    for r in rows:
        print(f"{r['file']:34s} {r['items']:6d} {r['usaddress_token']:8.4f} "
              f"{r['ours_token']:9.4f} {r['usaddress_whole']:10.4f} {r['ours_whole']:11.4f}")

    inputs = {"corpus": [text for p in sorted(corpus_dir.glob("*.xml"))
                         for text, _, _ in read_corpus(p)]}
    la_path = SHARED / "data" / LA_311
    if la_path.exists():
        import pandas as pd

        inputs["la311"] = pd.read_csv(la_path, usecols=["Address"]).Address.dropna().tolist()
    speeds = {name: speed(texts, args.repeat) for name, texts in inputs.items()}
    print(f"\n{'inputs':8s} {'n':>6s} {'unique':>6s} {'usaddress.tag':>14s} {'ours':>8s} "
          f"{'cached cold':>12s} {'cached warm':>12s}  (addresses/s)")
    for name, s in speeds.items():
        print(f"{name:8s} {s['inputs']:6d} {s['unique']:6d} {s['usaddress_tag']:14,.0f} "
              f"{s['ours_uncached']:8,.0f} {s['ours_cached_cold']:12,.0f} "
              f"{s['ours_cached_warm']:12,.0f}")

    result = {"usaddress": version("usaddress"), "accuracy": rows, "speed": speeds}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.out}", file=sys.stderr)
    return result


if __name__ == "__main__":
    main()
