"""datamade's labelled address corpus and the label comparison of
``bench/report_parse_accuracy.py``, shared with ``tests/address/test_parse_corpus.py``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from pathlib import Path

from geo311.address.parse import parse_uncached

CORPUS = "address_labels/measure_performance_test_data"

Labeled = tuple[str, list[str], list[str]]  # text, tokens, labels
Labeler = Callable[[str], Iterable[tuple[str, str]]]


def read_corpus(path: Path) -> list[Labeled]:
    """Return (text, tokens, labels) for each ``<AddressString>`` of a corpus file."""
    items = []
    for address in ET.parse(path).getroot():
        tokens = [element.text or "" for element in address]
        items.append(("".join(address.itertext()), tokens, [e.tag for e in address]))
    return items


def _strip(tokens: Iterable[str]) -> list[str]:
    return [t.strip(" ,;") for t in tokens]


def score(items: list[Labeled], labeler: Labeler) -> dict[str, float]:
    """Return token and whole-address accuracy of ``labeler`` on corpus ``items``."""
    right = whole = total = 0
    for text, tokens, truth in items:
        pairs = list(labeler(text))
        total += len(truth)
        if _strip(t for t, _ in pairs) != _strip(tokens):
            continue
        hits = sum(label == want for (_, label), want in zip(pairs, truth, strict=True))
        right += hits
        whole += hits == len(truth)
    return {"token": right / total, "whole": whole / len(items)}


def ours(text: str) -> tuple[tuple[str, str], ...]:
    """Our labels for ``text``."""
    return parse_uncached(text).labels
