"""Frozen JSON-ready data: flat tuples of leaves, thawed into new dicts and lists.

Intake traffic repeats addresses, so :class:`~geo311.address.validate.Validator`
caches its answers, and a cached answer is copied on every return (the caller may
change its copy). A cache holds each answer "frozen": a flat tuple of its leaves
(str, int, float, bool, None), which costs the garbage collector nothing, its first
item numbering the function that thaws it. That function is compiled once per
shape of data (how many suggestions, which parts of the location, ...) from dict
and list displays, and builds new data several times faster than a recursive copy.
The compiled source holds nothing but the shape's keys, written as the reprs of
str; data whose keys are not all str is thawed by walking its shape instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["EXTRACTORS", "INPUT", "SHAPES", "THAWERS", "Shape", "Thawers", "dict_shape",
           "flatten", "register_shape"]

Shape = tuple | str | None
"""Where the leaves of JSON-ready data are: None for a leaf, ``("dict", keys, shapes)`` with
the shape of each key's value, ``("list", shapes)``, or :data:`INPUT` for the caller's text."""

INPUT = "input"
_MAX_COMPILED = 4096
"""Shapes compiled at most; data of further shapes is thawed by :func:`_thaw_slowly`."""


def dict_shape(keys: tuple[str, ...]) -> Shape:
    """The shape of a dict whose values under ``keys`` are all leaves."""
    return ("dict", keys, (None,) * len(keys))


def flatten(value: Any, leaves: list) -> Shape:
    """Append the leaves of JSON-ready ``value`` to ``leaves``, in order; return its shape.

    Examples
    --------
    >>> leaves = []
    >>> flatten({"a": 1, "b": [{"c": None}, 2.5]}, leaves), leaves
    (('dict', ('a', 'b'), (None, ('list', (('dict', ('c',), (None,)), None)))), [1, None, 2.5])
    """
    kind = type(value)
    if kind is dict:
        items = value.values()
    elif kind is list:
        items = value
    else:
        leaves.append(value)
        return None
    types = list(map(type, items))
    if dict not in types and list not in types:  # all leaves, as most dicts of an answer
        leaves += items
        parts = (None,) * len(types)
    else:
        parts = tuple([flatten(item, leaves) if t is dict or t is list else leaves.append(item)
                       for item, t in zip(items, types, strict=True)])  # append gives None
    return ("dict", tuple(value), parts) if kind is dict else ("list", parts)


def _source(shape: Shape, position: list[int]) -> str:
    """Python source of an expression building data of ``shape`` from the leaves ``v[i]``."""
    if shape is None:
        position[0] += 1
        return f"v[{position[0]}]"
    if shape == INPUT:
        return "text"
    if shape[0] == "list":
        return "[" + ", ".join(_source(part, position) for part in shape[1]) + "]"
    return "{" + ", ".join(f"{key!r}: {_source(part, position)}"
                           for key, part in zip(shape[1], shape[2], strict=True)) + "}"


def _literal_keys(shape: Shape) -> bool:
    """Whether every dict key of ``shape`` is a str (JSON's keys; written as its repr)."""
    if shape is None or shape == INPUT:
        return True
    if shape[0] == "list":
        return all(_literal_keys(part) for part in shape[1])
    return all(type(key) is str for key in shape[1]) and all(map(_literal_keys, shape[2]))


def _thaw_slowly(shape: Shape, frozen: tuple, text: str | None, position: list[int]) -> Any:
    """What the compiled thawer of ``shape`` returns, by walking the shape."""
    if shape is None:
        position[0] += 1
        return frozen[position[0]]
    if shape == INPUT:
        return text
    if shape[0] == "list":
        return [_thaw_slowly(part, frozen, text, position) for part in shape[1]]
    return {key: _thaw_slowly(part, frozen, text, position)
            for key, part in zip(shape[1], shape[2], strict=True)}


def _thawer(shape: Shape, compile_it: bool) -> Callable[[tuple, str | None], Any]:
    if compile_it and _literal_keys(shape):
        # the source holds the shape's keys as literals (reprs of str), nothing else
        return eval(f"lambda v, text: {_source(shape, [0])}")
    return lambda frozen, text: _thaw_slowly(shape, frozen, text, [0])


class Thawers:
    """The functions that thaw frozen data, one per shape, numbered from 0.

    ``thaw(frozen, text)`` builds the data of ``frozen = (number, *leaves)``, with
    ``text`` where the shape says :data:`INPUT`. One registry for every validator
    (shapes repeat); numbers are only ever added.
    """

    def __init__(self) -> None:
        self.functions: list[Callable[[tuple, str | None], Any]] = []
        self._numbers: dict[Any, int] = {}
        self.lock = threading.Lock()

    def number(self, key: Any, shape: Callable[[], Shape]) -> int:
        """The number of the thawer named ``key``; ``shape()`` gives its shape the first time."""
        found = self._numbers.get(key)
        if found is None:
            with self.lock:
                found = self._numbers.get(key)
                if found is None:
                    compile_it = len(self.functions) < _MAX_COMPILED
                    self.functions.append(_thawer(shape(), compile_it))
                    found = self._numbers[key] = len(self.functions) - 1
        return found

    def thaw(self, frozen: tuple, text: str | None = None) -> Any:
        """The data of ``frozen``: new dicts and lists around its leaves."""
        return self.functions[frozen[0]](frozen, text)


THAWERS = Thawers()
SHAPES: list[Shape] = []
_SHAPE_NUMBERS: dict[Shape, int] = {}
"""The shapes of ``locate`` answers seen, numbered: a small key for the answer's shape."""
EXTRACTORS: list[Callable[[dict], tuple | None]] = []
"""By shape number: the function that lists the leaves of a ``locate`` answer of that shape
(``None`` for one of another shape)."""


def register_shape(shape: Shape) -> int:
    found = _SHAPE_NUMBERS.get(shape)
    if found is None:
        with THAWERS.lock:
            found = _SHAPE_NUMBERS.get(shape)
            if found is None:
                EXTRACTORS.append(_extractor(shape))
                SHAPES.append(shape)
                found = _SHAPE_NUMBERS[shape] = len(SHAPES) - 1
    return found


def _extractor(shape: Shape) -> Callable[[Any], tuple | None]:
    """A function that returns the leaves of data of ``shape``, as :func:`flatten` lists
    them, or None for data of another shape: compiled, it checks and lists in one go,
    several times faster than the walk. (Most answers of a locator share a few shapes.)"""
    if not _literal_keys(shape) or shape is None or shape == INPUT:
        return lambda value: None
    lines: list[str] = []
    leaves: list[str] = []
    names = iter(range(1, 1 << 30))

    def walk(part: Shape, name: str) -> None:
        if part[0] == "dict":
            lines.append(f"if type({name}) is not dict or tuple({name}) != {part[1]!r}: "
                         "return None")
            items = [(f"{name}[{key!r}]", sub) for key, sub in zip(part[1], part[2],
                                                                    strict=True)]
        else:
            lines.append(f"if type({name}) is not list or len({name}) != {len(part[1])}: "
                         "return None")
            items = [(f"{name}[{i}]", sub) for i, sub in enumerate(part[1])]
        for expr, sub in items:
            if sub is None:
                leaves.append(expr)
            else:
                inner = f"v{next(names)}"
                lines.append(f"{inner} = {expr}")
                walk(sub, inner)

    walk(shape, "v0")
    # the source holds the shape's keys as literals (reprs of str), nothing else
    source = "def extract(v0):\n" + "".join(f"    {line}\n" for line in lines) + (
        f"    leaves = ({''.join(f'{leaf}, ' for leaf in leaves)})\n"
        "    kinds = set(map(type, leaves))\n"
        "    return None if dict in kinds or list in kinds else leaves\n")
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    return namespace["extract"]
