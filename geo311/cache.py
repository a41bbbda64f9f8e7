"""A small on-disk cache for indexes that are slow to build and quick to load.

Each entry is one pickle file holding ``{"key": ..., "state": ...}``; the key is
a SHA-256 of everything the state was built from, so a changed source misses
and is rebuilt. The cache lives beside the profile (``.geo311-cache/``) and is
written atomically; an unwritable directory only costs a rebuild. Pickles run
code when loaded: keep the cache directory as private as the profile itself.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["Digest", "cache_file", "load", "save"]


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
    """The cache file of ``kind`` for ``owner`` (e.g. a profile path) in ``cache_dir``."""
    tag = hashlib.sha256(str(owner).encode()).hexdigest()[:12]
    return Path(cache_dir) / f"{kind}-{tag}.pkl"


def load(path: Path, key: str) -> Any | None:
    """The cached state at ``path`` if it was built for ``key``, else None."""
    try:
        with Path(path).open("rb") as handle:
            cached = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    if not isinstance(cached, dict) or cached.get("key") != key:
        return None
    return cached["state"]


def save(path: Path, key: str, state: Any) -> None:
    """Write ``state`` for ``key`` atomically; failure to write only costs a rebuild."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as handle:
            pickle.dump({"key": key, "state": state}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
