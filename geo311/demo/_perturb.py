"""How callers type addresses: case, units, aliases, spelled-out words and errors."""

from __future__ import annotations

import numpy as np

from geo311.demo.names import DIRECTION_WORDS, SUFFIX_WORDS, ordinal_words

#: Perturbations that are errors (a geocoder has to repair them).
ERRORS = ("typo", "suffix", "directional", "ordinal")
ERROR_SHARE = 0.05
_ERROR_MIX = (0.42, 0.26, 0.2, 0.12)
_WRONG_SUFFIX = {
    "St": "Ave", "Ave": "St", "Blvd": "Ave", "Dr": "St", "Rd": "St", "Ln": "St", "Way": "St",
    "Ct": "St", "Pl": "St", "Pkwy": "Blvd", "Ter": "St", "Cir": "Ct",
}
_KEYS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def caller_addresses(
    rng: np.random.Generator,
    number: np.ndarray,
    predir: np.ndarray,
    name: np.ndarray,
    suffix: np.ndarray,
    unit: np.ndarray,
    aliases: dict[str, list[str]],
) -> tuple[list[str], np.ndarray]:
    """Render the address text a caller would type, with realistic perturbations.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the perturbations.
    number, predir, name, suffix, unit : numpy.ndarray
        The true address: house number, directional ("" if none), street
        name and suffix in TIGER title case, unit as stored ("APT 2" or "").
    aliases : dict
        ``"NAME SUFFIX"`` of a street to the aliases callers use for it.

    Returns
    -------
    tuple
        The texts and, per row, the perturbation: ``none``, ``case``,
        ``expanded``, ``unit``, ``alias`` or one of :data:`ERRORS`.
    """
    n = len(number)
    label = np.full(n, "none", dtype=object)
    draw = rng.random((n, 4))
    extra = rng.random(n)
    label[extra < 0.17] = "case"
    label[extra < 0.05] = "expanded"
    label[unit != ""] = "unit"
    street = np.array([f"{a} {b}" for a, b in zip(name, suffix, strict=True)], dtype=object)
    has_alias = np.isin(street, list(aliases))
    label[has_alias & (draw[:, 0] < 0.4)] = "alias"
    error = rng.random(n) < ERROR_SHARE
    label[error] = np.asarray(ERRORS, dtype=object)[rng.choice(4, error.sum(), p=_ERROR_MIX)]
    no_dir = (label == "directional") & (predir == "")
    no_words = (label == "ordinal") & np.array([_ordinal_of(s) is None for s in name])
    label[no_dir | no_words] = "typo"

    texts = []
    for i in range(n):
        p, nm, sx, kind, d = predir[i], name[i], suffix[i], label[i], draw[i]
        if kind == "typo":
            nm = _typo(nm, d[1], d[2], d[3])
        elif kind == "suffix":
            sx = "" if d[1] < 0.6 else _WRONG_SUFFIX[sx]
        elif kind == "directional":
            p = ""
        elif kind == "ordinal":
            nm = _ordinal_of(nm)
        elif kind == "expanded":
            sx = SUFFIX_WORDS[sx]
            p = DIRECTION_WORDS.get(p, p) if d[1] < 0.5 else p
        elif kind == "alias":
            options = aliases[street[i]]
            nm, sx = options[int(d[1] * len(options))], ""
        text = " ".join(part for part in (str(number[i]), p, nm, sx) if part)
        if unit[i]:
            text += _unit_text(unit[i], d[3])
        if kind == "case":
            text = text.lower() if d[1] < 0.7 else text.upper()
        texts.append(text)
    return texts, label


def _ordinal_of(name: str) -> str | None:
    """"Fifth" for "5th"; None for named streets and numbers without a spelling."""
    digits = name[:-2]
    return ordinal_words(int(digits)) if digits.isdigit() else None


def _unit_text(unit: str, d: float) -> str:
    kind, value = unit.split(" ")
    styles = {
        "APT": (f" Apt {value}", f" #{value}", f" Unit {value}", f", apt {value}"),
        "UNIT": (f" Unit {value}", f" #{value}", f" Apt {value}", f", Unit {value}"),
        "STE": (f" Ste {value}", f" Suite {value}", f" #{value}", f", Ste {value}"),
    }[kind]
    return styles[int(d * len(styles))]


def _typo(name: str, a: float, b: float, c: float) -> str:
    """One keyboard slip in a letter of ``name``: swap, drop, double or hit a neighbor key."""
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    i = letters[int(a * len(letters))]
    op = int(b * 4)
    if op == 0 and i + 1 < len(name) and name[i + 1].isalpha() and name[i] != name[i + 1]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if op == 1 and len(letters) > 3:
        return name[:i] + name[i + 1 :]
    if op == 2:
        return name[:i] + name[i] + name[i:]
    return name[:i] + _neighbor_key(name[i], c) + name[i + 1 :]


def _neighbor_key(ch: str, c: float) -> str:
    low = ch.lower()
    row = next(r for r in _KEYS if low in r)
    j = row.index(low)
    options = [row[k] for k in (j - 1, j + 1) if 0 <= k < len(row)]
    key = options[int(c * len(options))]
    return key.upper() if ch.isupper() else key
