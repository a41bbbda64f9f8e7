"""Keep a city's address reference in step with what its people confirmed.

:class:`ReferenceLearner` ties a :class:`~geo311.city.City`'s validator to a request store:

- :meth:`~ReferenceLearner.confirm`: a staff member confirmed (or moved) the place of an
  address: the point, and the caller's words as an alias, are checked
  (:mod:`geo311.address.learned`), stored with their provenance (learned or refused, with
  the reason) and, when learned, answered from by the very next validation in this process;
- :meth:`~ReferenceLearner.accept`: an agent accepted the validator's correction of the
  caller's words: an alias when the street's name or suffix differs;
- :meth:`~ReferenceLearner.refresh`: at most every ``poll_seconds``, the rows other workers
  learned since the last one applied (one indexed read) join this process's reference.

The reference is never rebuilt: learned rows are merged into a copy, which the validator
then answers from (:meth:`~geo311.address.validate.Validator.use_reference`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from geo311.address.learned import (
    LearnedAlias,
    LearnedPoint,
    check_alias,
    check_point,
    is_correction,
    merge,
)
from geo311.service.store.learned import LearnedRow, learned_rows, record

if TYPE_CHECKING:
    from geo311.city import City

__all__ = ["POLL_SECONDS", "ReferenceLearner"]

POLL_SECONDS = 5.0
"""How often a worker looks for rows other workers learned (at most)."""


class ReferenceLearner:
    """The learned reference of ``city`` in ``store`` (see the module docstring)."""

    def __init__(self, city: City, store, *, poll_seconds: float = POLL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.city = city
        self.store = store
        self.poll_seconds = poll_seconds
        self.last_pk = 0
        """The newest stored row applied to this process's reference."""
        self._clock = clock
        self._next_poll = -float("inf")
        self._lock = threading.Lock()

    def load(self) -> int:
        """Apply the learned rows stored after :attr:`last_pk`; how many were new here."""
        rows = learned_rows(self.store, after=self.last_pk)
        if not rows:
            return 0
        with self._lock:
            added = self._apply(row.learned for row in rows)
            self.last_pk = max(self.last_pk, rows[-1].pk)
        return added

    def refresh(self) -> int:
        """:meth:`load`, unless the last look was less than ``poll_seconds`` ago (then 0)."""
        now = self._clock()
        if now < self._next_poll:
            return 0
        self._next_poll = now + self.poll_seconds
        return self.load()

    def confirm(self, address: str, lon: float, lat: float, *, source: str, actor: str,
                said: str | None = None, zip: str | None = None,
                request_id: str | None = None) -> list[LearnedRow]:
        """``address`` is at ``(lon, lat)``, says ``actor`` (and the caller said ``said``):
        learn the point (and the alias), or store why not; the stored rows."""
        validator = self.city.validator
        point = check_point(validator, address, lon, lat, zip=zip)
        verdicts = [("point", point, None)]
        if said and is_correction(said, point.address or address):
            verdicts.append(("alias", check_alias(validator.reference, said,
                                                  point.address or address), said))
        return self._record(verdicts, source, actor, request_id)

    def accept(self, said: str | None, address: str | None, *, source: str, actor: str,
               request_id: str | None = None) -> list[LearnedRow]:
        """An agent accepted ``address`` for the caller's words ``said``: an alias when the
        words name its street otherwise (nothing is stored when they do not)."""
        if not said or not address or not is_correction(said, address):
            return []
        verdict = check_alias(self.city.validator.reference, said, address)
        return self._record([("alias", verdict, said)], source, actor, request_id)

    def _record(self, verdicts: list, source: str, actor: str,
                request_id: str | None) -> list[LearnedRow]:
        rows = record(self.store, verdicts, source=source, actor=actor, request_id=request_id)
        learned = [row.learned for row in rows if row.learned is not None]
        if learned:
            with self._lock:
                self._apply(learned)
        return rows

    def _apply(self, items: Iterable[LearnedPoint | LearnedAlias | None]) -> int:
        points, aliases = [], []
        for item in items:
            if isinstance(item, LearnedPoint):
                points.append(item)
            elif isinstance(item, LearnedAlias):
                aliases.append(item)
        validator = self.city.validator
        merged, added = merge(validator.reference, points, aliases)
        if merged is not validator.reference:
            validator.use_reference(merged)
        return added
