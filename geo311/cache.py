"""A small on-disk cache for indexes that are slow to build and quick to load.

Loading a cache entry never runs code. An entry is a directory holding
``manifest.json`` and one ``arrays-<hash>.npz``:

- the manifest (JSON) holds the build key, the state's structure (a JSON text:
  plain values, tagged tuples, sets, maps with non-text keys, references to
  arrays, and objects of classes the caller names) and the SHA-256 of that
  text and of the npz file;
- the npz holds every numeric array, text array (as numpy unicode) and geometry
  array (as WKB bytes with offsets), read with ``allow_pickle=False``.

The key is a SHA-256 of everything the state was built from, so a changed
source misses and is rebuilt. Before anything is decoded both hashes are
checked; a missing, foreign, tampered or unreadable
entry is a miss, and the caller rebuilds. Writes are atomic (the manifest is
renamed into place last); an unwritable directory only costs a rebuild. Files
of older cache formats (``*.pkl``) are never opened.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import os
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import shapely

__all__ = ["Digest", "cache_file", "load", "save", "stored_key"]

_FORMAT = "geo311-cache/2"
_MANIFEST = "manifest.json"
_TAG = "$"


class Digest:
    """An incremental SHA-256 over texts, bytes, files and module sources."""

    def __init__(self, *texts: str) -> None:
        self._hash = hashlib.sha256()
        self.text(*texts)

    def text(self, *texts: str) -> Digest:
        """Add texts (each separated, so ``("ab", "c")`` differs from ``("a", "bc")``)."""
        for text in texts:
            self.bytes(text.encode())
        return self

    def bytes(self, data: bytes) -> Digest:
        """Add raw bytes, length-prefixed."""
        self._hash.update(len(data).to_bytes(8, "little"))
        self._hash.update(data)
        return self

    def files(self, paths: Iterable[Path | None]) -> Digest:
        """Add the bytes of each file (``None`` counts as an absent file)."""
        for path in paths:
            self._hash.update(b"\0file\0")
            if path is not None:
                with Path(path).open("rb") as handle:
                    while chunk := handle.read(1 << 20):
                        self._hash.update(chunk)
        return self

    def sources(self, objects: Iterable[ModuleType | Callable]) -> Digest:
        """Add the source files of modules (or of the modules defining functions/classes):
        the code that shapes the cached state."""
        return self.files(Path(inspect.getfile(obj)) for obj in objects)

    def hexdigest(self) -> str:
        """The digest so far, as hex."""
        return self._hash.hexdigest()


def cache_file(cache_dir: Path, kind: str, owner: Path) -> Path:
    """The cache entry (a directory) of ``kind`` for ``owner`` (e.g. a profile path)."""
    tag = hashlib.sha256(str(owner).encode()).hexdigest()[:12]
    return Path(cache_dir) / f"{kind}-{tag}"


def stored_key(path: Path) -> str | None:
    """The build key of the entry in ``path`` (None if there is none): which sources the
    stored state was built from, without reading the state."""
    try:
        manifest = json.loads((Path(path) / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
        return None
    key = manifest.get("key")
    return key if isinstance(key, str) else None


def load(path: Path, key: str, classes: Iterable[type] = ()) -> Any | None:
    """The cached state in entry ``path`` if it was built for ``key``, else None.

    ``classes`` are the only classes whose objects the state may contain; they are
    restored by setting their attributes, without calling any of their code.
    """
    path = Path(path)
    try:
        manifest = json.loads((path / _MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != _FORMAT or manifest.get("key") != key:
            return None
        name, state = manifest["arrays"], manifest["state"]
        if not isinstance(name, str) or Path(name).name != name or not isinstance(state, str):
            return None
        data = (path / name).read_bytes()
        if (hashlib.sha256(data).hexdigest() != manifest["sha256"]
                or hashlib.sha256(state.encode()).hexdigest() != manifest["state_sha256"]):
            return None
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        return _Decoder(arrays, {c.__name__: c for c in classes}).decode(json.loads(state))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            zipfile.BadZipFile, shapely.errors.GEOSException):
        return None


def save(path: Path, key: str, state: Any, classes: Iterable[type] = ()) -> None:
    """Write ``state`` for ``key`` atomically; failure to write only costs a rebuild.

    Raises
    ------
    TypeError
        If the state holds a value the format cannot store (a programming error).
    """
    path = Path(path)
    encoder = _Encoder(tuple(classes))
    tree = encoder.encode(state)
    buffer = io.BytesIO()
    np.savez(buffer, **encoder.arrays)
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    name = f"arrays-{digest[:16]}.npz"
    state_text = json.dumps(tree, separators=(",", ":"))
    manifest = {"format": _FORMAT, "key": key, "arrays": name, "sha256": digest,
                "state_sha256": hashlib.sha256(state_text.encode()).hexdigest(),
                "state": state_text}
    text = json.dumps(manifest, separators=(",", ":"))
    suffix = f".{os.getpid()}.tmp"
    try:
        path.mkdir(parents=True, exist_ok=True)
        _write_atomic(path / name, data, suffix)
        _write_atomic(path / _MANIFEST, text.encode(), suffix)
        for old in path.glob("arrays-*.npz"):
            if old.name != name:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def _write_atomic(target: Path, data: bytes, suffix: str) -> None:
    tmp = target.with_name(target.name + suffix)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


class _Encoder:
    """Split a state into a JSON tree and named numpy arrays."""

    def __init__(self, classes: tuple[type, ...]) -> None:
        self.classes = classes
        self.arrays: dict[str, np.ndarray] = {}
        self._seen: dict[int, str] = {}
        self._alive: list[np.ndarray] = []  # ids stay unique while the encoder lives

    def _store(self, array: np.ndarray) -> str:
        name = f"a{len(self.arrays)}"
        self.arrays[name] = array
        return name

    def encode(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, np.generic):
            return value
        if isinstance(value, np.generic):
            return self.encode(value.item())
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, tuple):
            return {_TAG: "tuple", "items": [self.encode(v) for v in value]}
        if isinstance(value, (set, frozenset)):
            return {_TAG: "frozenset", "items": [self.encode(v) for v in sorted(value)]}
        if isinstance(value, dict):
            if all(isinstance(k, str) for k in value):
                return {_TAG: "dict", "items": {k: self.encode(v) for k, v in value.items()}}
            return {_TAG: "map", "items": [[self.encode(k), self.encode(v)]
                                           for k, v in value.items()]}
        if isinstance(value, np.ndarray):
            return self._array(value)
        if isinstance(value, shapely.STRtree):
            return {_TAG: "strtree", "geoms": self.encode(value.geometries)}
        if isinstance(value, shapely.Geometry):
            return {_TAG: "geom", "wkb": shapely.to_wkb(value, hex=True)}
        if isinstance(value, self.classes):
            return {_TAG: "object", "class": type(value).__name__,
                    "attrs": {k: self.encode(v) for k, v in vars(value).items()}}
        raise TypeError(f"cache: cannot store a {type(value).__name__}")

    def _array(self, array: np.ndarray) -> dict:
        if id(array) in self._seen:
            return {_TAG: "ref", "id": self._seen[id(array)]}
        if array.dtype != object:
            node = {_TAG: "array", "name": self._store(array)}
        elif all(isinstance(v, str) for v in array.flat):
            node = {_TAG: "strings", "name": self._store(array.astype(str))}
        elif array.ndim == 1 and all(isinstance(v, shapely.Geometry) for v in array):
            wkb = shapely.to_wkb(array)
            offsets = np.concatenate([[0], np.cumsum([len(b) for b in wkb])]).astype(np.int64)
            blob = np.frombuffer(b"".join(wkb), dtype=np.uint8)
            node = {_TAG: "geoms", "name": self._store(blob), "offsets": self._store(offsets)}
        else:
            node = {_TAG: "objects", "shape": list(array.shape),
                    "items": [self.encode(v) for v in array.ravel().tolist()]}
        node["id"] = self._seen[id(array)] = f"r{len(self._seen)}"
        self._alive.append(array)
        return node


class _Decoder:
    """Rebuild a state from its JSON tree and arrays; only data, no foreign code."""

    def __init__(self, arrays: dict[str, np.ndarray], classes: dict[str, type]) -> None:
        self.arrays = arrays
        self.classes = classes
        self._done: dict[str, np.ndarray] = {}

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        kind = node[_TAG]
        if kind == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        if kind == "frozenset":
            return frozenset(self.decode(v) for v in node["items"])
        if kind == "dict":
            return {str(k): self.decode(v) for k, v in node["items"].items()}
        if kind == "map":
            return {self.decode(k): self.decode(v) for k, v in node["items"]}
        if kind == "strtree":
            return shapely.STRtree(self.decode(node["geoms"]))
        if kind == "geom":
            return shapely.from_wkb(node["wkb"])
        if kind == "object":
            cls = self.classes[node["class"]]
            obj = cls.__new__(cls)
            vars(obj).update({str(k): self.decode(v) for k, v in node["attrs"].items()})
            return obj
        if kind == "ref":
            return self._done[node["id"]]
        array = self._array(kind, node)
        self._done[node["id"]] = array
        return array

    def _array(self, kind: str, node: dict) -> np.ndarray:
        if kind == "array":
            return self.arrays[node["name"]]
        if kind == "strings":
            return self.arrays[node["name"]].astype(object)
        if kind == "geoms":
            blob = self.arrays[node["name"]].tobytes()
            offsets = self.arrays[node["offsets"]].tolist()
            wkb = np.array([blob[a:b] for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
                           + [None], dtype=object)[:-1]
            return shapely.from_wkb(wkb)
        if kind == "objects":
            out = np.empty(len(node["items"]), dtype=object)
            out[:] = [self.decode(v) for v in node["items"]]
            return out.reshape(node["shape"])
        raise ValueError(f"unknown cache node {kind!r}")
