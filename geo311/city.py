"""One city, opened once: the profile and everything built from it, for every front end.

``City.open(profile_or_path)`` reads the profile; the :class:`~geo311.jurisdiction.
Locator`, the :class:`~geo311.address.validate.Validator`, the service catalog and
the staffing table are built the first time they are asked for and kept (a
command that only locates never reads the address reference). A CLI command, a
web view or a Dask task opens the city once and makes one library call on it.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from geo311.jurisdiction.locate import Locator
from geo311.profile import Profile, load_profile
from geo311.service.catalog import load_catalog, load_staffing
from geo311.service.requests import (
    RequestColumns,
    RequestFilter,
    Requests,
    columns_from_profile,
    load_requests,
    preset,
    requests_file,
)

if TYPE_CHECKING:
    from geo311.address.validate import Validator

__all__ = ["City"]


class City:
    """A profile with its engines, built lazily and once.

    Attributes
    ----------
    profile : Profile
    """

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    @classmethod
    def open(cls, profile: Profile | str | Path) -> City:
        """Return the city of ``profile`` (a loaded profile, or its directory or TOML file).

        Raises
        ------
        ProfileError
            If the profile cannot be read (see :func:`~geo311.profile.load_profile`).
        """
        return cls(profile if isinstance(profile, Profile) else load_profile(profile))

    @cached_property
    def locator(self) -> Locator:
        """The locate engine (from the disk cache when current)."""
        return Locator.from_profile(self.profile)

    @cached_property
    def validator(self) -> Validator:
        """The address validator, sharing :attr:`locator`."""
        from geo311.address.validate import Validator

        return Validator(self.profile, locator=self.locator)

    @property
    def has_catalog(self) -> bool:
        """Whether the profile names a service catalog (``[services] catalog``)."""
        return self.profile.services.catalog is not None

    @cached_property
    def catalog(self) -> pd.DataFrame:
        """The service catalog (:func:`~geo311.service.catalog.load_catalog`).

        Raises InputError when the profile has none. Treat it as read-only.
        """
        return load_catalog(self.profile)

    @cached_property
    def staffing(self) -> pd.DataFrame:
        """The staffing table (:func:`~geo311.service.catalog.load_staffing`); read-only."""
        return load_staffing(self.profile)

    def load_requests(self, rows: RequestFilter | None = None, *, path: str | Path | None = None,
                      columns: RequestColumns | str | None = None,
                      encoding: str | None = None) -> Requests:
        """Return the requests of ``path`` (default: the profile's ``[requests] file``), located.

        ``columns`` (a mapping or a preset name) defaults to the profile's
        ``[requests]`` table; ``rows`` filters them (a district filter included).
        The requests are located once, here.
        """
        if path is None:
            path = requests_file(self.profile)
        if columns is None:
            columns = columns_from_profile(self.profile)
        elif isinstance(columns, str):
            columns = preset(columns)
        return load_requests(path, columns, rows, locator=self.locator, encoding=encoding)
