"""The engines of a profile on a Dask worker: built or loaded once per process.

A task never carries a :class:`~geo311.jurisdiction.Locator` or a
:class:`~geo311.address.validate.Validator`: it carries an :class:`EngineRef` (the
profile's path and the build keys of its disk caches, a few hundred bytes), and
:func:`engines` returns the process's :class:`~geo311.city.City` for it, opening
the profile and loading the engines from its cache the first time. The memo is
keyed as the caches are: a profile whose sources changed has other keys, so a
long-lived worker never answers with stale engines.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from geo311.cache import cache_file, stored_key
from geo311.city import City
from geo311.errors import ProfileError

__all__ = ["EngineRef", "engine_ref", "engines"]

_MEMO: dict[EngineRef, City] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class EngineRef:
    """What a task needs to find its engines: the profile and its caches' build keys."""

    profile: str
    locator_key: str
    addresses_key: str | None = None


def _keys(city: City) -> tuple[str | None, str | None]:
    """The build keys of the city's locator and address caches as stored on this machine."""
    profile = city.profile
    root = profile.root / ".geo311-cache"
    return (stored_key(cache_file(root, "locator", profile.path)),
            stored_key(cache_file(root, "addresses", profile.path)))


def engine_ref(city: City, *, validator: bool = False) -> EngineRef:
    """Build or load the city's engines here (which writes their caches) and return the
    reference tasks carry to the same engines on the workers.

    Raises
    ------
    ProfileError
        If the profile cannot serve, or its cache directory could not be written (the
        workers load the engines from it).
    """
    city.locator  # noqa: B018 - builds, or loads, and caches
    if validator:
        city.validator  # noqa: B018
    locator_key, addresses_key = _keys(city)
    if locator_key is None or (validator and addresses_key is None):
        raise ProfileError(f"{city.profile.path}: cannot write the engine cache in "
                           f"{city.profile.root / '.geo311-cache'}; the workers load the "
                           "engines from it", profile=str(city.profile.path))
    ref = EngineRef(str(Path(city.profile.path).resolve()), locator_key,
                    addresses_key if validator else None)
    with _LOCK:
        _MEMO.setdefault(ref, city)
    return ref


def engines(ref: EngineRef) -> City:
    """The city of ``ref`` in this process: opened, and its engines loaded, once.

    Raises
    ------
    ProfileError
        If the profile this worker reads was not built from the same sources as the
        client's (another version of a file, or another directory at that path).
    """
    with _LOCK:
        city = _MEMO.get(ref)
        if city is None:
            city = City.open(ref.profile)
            city.locator  # noqa: B018
            if ref.addresses_key is not None:
                city.validator  # noqa: B018
            locator_key, addresses_key = _keys(city)
            if locator_key != ref.locator_key or (ref.addresses_key is not None
                                                  and addresses_key != ref.addresses_key):
                raise ProfileError(f"{ref.profile}: this worker reads another version of the "
                                   "profile than the client (its sources differ)",
                                   profile=ref.profile)
            _MEMO[ref] = city
        return city
