"""The one exception hierarchy of geo311.

Every error the library raises on purpose is a :class:`Geo311Error`; ``message``
is for people, ``details`` for machines. The double bases follow ``fiona.errors``
so that callers catching ``ValueError`` or ``LookupError`` keep working.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Geo311Error", "ProfileError", "InputError", "NotFoundError"]


class Geo311Error(Exception):
    """Base class of all geo311 errors."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ProfileError(Geo311Error, ValueError):
    """A profile or one of its layers is missing, malformed or inconsistent."""


class InputError(Geo311Error, ValueError):
    """Bad user input: a coordinate, a CSV row, an address, a request body."""


class NotFoundError(Geo311Error, LookupError):
    """A named thing (profile, feature, request) does not exist."""
