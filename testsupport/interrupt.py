"""A stand-in for the CLI's progress bar that stops a batch run as Ctrl-C does."""

from __future__ import annotations

__all__ = ["StopAfter"]


class StopAfter:
    """Replaces ``geo311.cli.tqdm``: raises KeyboardInterrupt once ``rows`` rows are reported.

    ``monkeypatch.setattr("geo311.cli.tqdm", StopAfter(1))`` stops a ``locate --csv`` or
    ``validate --csv`` run at its first progress update, leaving its in-progress file.
    """

    def __init__(self, rows: int) -> None:
        self.rows = rows

    def __call__(self, **options):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, count: int) -> None:
        self.rows -= count
        if self.rows <= 0:
            raise KeyboardInterrupt
