"""PNG bytes of a matplotlib figure (drawn without a display, never written here)."""

from __future__ import annotations

import io

from matplotlib.figure import Figure

__all__ = ["figure_png"]


def figure_png(figure: Figure) -> bytes:
    """Return a matplotlib figure as PNG bytes, at the figure's own resolution."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
