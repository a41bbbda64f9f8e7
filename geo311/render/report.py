"""The reallocation report: a self-contained HTML page and a PNG chart.

The page opens with the verdict (is demand proportional to staffing?) and the
most over- and under-served wards, so that an imbalance stands out in the first
lines; the chart compares each ward's share of requests with its share of staff.
Every string from the data is escaped. Both are returned (``str`` and ``bytes``); the
caller writes them or serves them.
"""

from __future__ import annotations

import base64
import html

import numpy as np
from matplotlib.figure import Figure

from geo311.crews.reallocation import StaffingComparison
from geo311.render._png import figure_png

__all__ = ["format_p", "reallocation_html", "reallocation_png"]


def reallocation_png(result: StaffingComparison, title: str = "") -> bytes:
    """Return a PNG bar chart of demand share vs staff share per ward."""
    table = result.table.sort_values("ward", key=lambda w: w.astype(str).str.zfill(6))
    figure = Figure(figsize=(8, 4), dpi=100)
    axes = figure.subplots()
    position = np.arange(len(table))
    axes.bar(position - 0.2, table["demand_share"] * 100, 0.4, label="share of requests",
             color="#d7191c")
    axes.bar(position + 0.2, table["staff_share"] * 100, 0.4, label="share of crews",
             color="#2c7bb6")
    axes.set_xticks(position, table["ward"].astype(str), rotation=0)
    axes.set_ylabel("%")
    axes.set_title(title)
    axes.legend()
    figure.tight_layout()
    return figure_png(figure)


def format_p(p: float) -> str:
    """A p-value for people: ``p = 0.012``, or ``p < 1e-300`` where it underflows."""
    return "p < 1e-300" if p == 0 else f"p = {p:.2g}"


def _verdict(result: StaffingComparison) -> str:
    if result.p_value < 0.05:
        return (f"Demand is <strong>not</strong> proportional to staffing "
                f"({html.escape(result.test)}, statistic {result.statistic:,.1f}, "
                f"{format_p(result.p_value)}).")
    return (f"Demand is consistent with staffing ({html.escape(result.test)}, "
            f"{format_p(result.p_value)}).")


def reallocation_html(result: StaffingComparison, department: str) -> str:
    """Return the report as one HTML page (chart embedded), with every string escaped."""
    table = result.table
    top = table.iloc[0]
    lead = (f"Ward {html.escape(str(top['ward']))} files {top['demand_share']:.1%} of the "
            f"requests with {top['staff_share']:.1%} of the crews "
            f"(ratio {top['ratio']:.2f}).")
    columns = ["ward", "requests", "demand_share", "crews", "staff_share", "ratio", "p_fdr",
               "suggested_crews", "change"]
    shown = table[[c for c in columns if c in table]]
    chart = base64.b64encode(reallocation_png(result, title=department)).decode()
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Reallocation: {html.escape(department)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .6em;text-align:right}}
</style></head><body>
<h1>Crews and demand: {html.escape(department)}</h1>
<p>{_verdict(result)}</p>
<p>{lead}</p>
<p>Suggested allocation of {result.total_crews} crews, proportional to demand
(largest remainder):</p>
{shown.to_html(index=False, escape=True, float_format=lambda v: f"{v:.3f}")}
<p><img alt="Share of requests and of crews per ward" src="data:image/png;base64,{chart}"></p>
</body></html>
"""
