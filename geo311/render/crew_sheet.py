"""The printable crew sheet of a route plan: HTML (one printed page per crew) and PDF.

Both come from :func:`sheet_pages`: per crew, a heading, a line on the shift and the
route, and its stops in visit order (ETA, time to leave, request, type, address, point,
an empty "done" box to tick). The PDF is laid out with fpdf2 in DejaVu Sans (the TTF that
matplotlib ships), so addresses in any Latin, Greek or Cyrillic script print; each crew
starts a new page and a long route goes on to further pages that repeat the crew's name
and the table's headings.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo311.crews.routes import RoutePlan

__all__ = ["COLUMNS", "SheetPage", "crew_sheet", "crew_sheet_pdf", "sheet_pages"]

COLUMNS = ("#", "ETA", "Leave", "Request", "Type", "Address", "Lat, lon", "Done")
"""The sheet's table headings."""

_PDF_WIDTHS = (7, 11, 11, 44, 26, 55, 28, 10)  # millimetres, 192 of A4's 210: a 22-character
# store id fits its column at 8 pt


@dataclass(frozen=True)
class SheetPage:
    """One crew's sheet: its heading, a summary line and one row of texts per stop."""

    crew: str
    heading: str
    summary: str
    rows: list[tuple[str, ...]]


def sheet_pages(plan: RoutePlan, title: str = "Crew sheet") -> list[SheetPage]:
    """Each crew of ``plan`` (in the plan's order) with its stops in visit order."""
    pages = []
    for crew in plan.crews.itertuples(index=False):
        mine = plan.stops[plan.stops["crew"] == crew.crew].sort_values("seq")
        rows = [(str(int(r.seq)), f"{r.eta:%H:%M}", f"{r.depart:%H:%M}", str(r.id), str(r.type),
                 str(r.address), f"{r.lat:.5f}, {r.lon:.5f}", "")
                for r in mine.itertuples(index=False)]
        rest = ("" if pd.isna(getattr(crew, "break_start", pd.NaT))
                else f" Break {crew.break_start:%H:%M} to {crew.break_end:%H:%M}.")
        summary = (f"Shift {crew.start:%Y-%m-%d %H:%M} to {crew.shift_end:%H:%M}; "
                   f"{int(crew.stops)} stops, {crew.distance_m / 1000:,.1f} km, back at the "
                   f"depot {crew.back:%H:%M}.{rest} Travel: {plan.model}.")
        pages.append(SheetPage(str(crew.crew), f"{title}: {crew.crew}", summary, rows))
    return pages


def crew_sheet(plan: RoutePlan, title: str = "Crew sheet") -> str:
    """A printable HTML page: one printed page per crew with its stops in order and ETAs."""
    sections = []
    for page in sheet_pages(plan, title):
        head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row[:-1])
            + "<td class=done></td></tr>" for row in page.rows)
        sections.append(f"<section><h1>{html.escape(page.heading)}</h1>"
                        f"<p>{html.escape(page.summary)}</p>"
                        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                        "</section>")
    style = ("body{font:11pt sans-serif;margin:1.5cm}table{border-collapse:collapse;width:100%}"
             "th,td{border:1px solid #999;padding:3px 5px;text-align:left}"
             "td.done{width:3em}section{page-break-after:always;break-after:page}"
             "section:last-child{page-break-after:auto;break-after:auto}"
             "thead{display:table-header-group}tr{break-inside:avoid}"
             "@page{size:A4;margin:1.2cm}@media print{body{margin:0}}")
    return (f"<!DOCTYPE html><html><head><meta charset=utf-8><title>{html.escape(title)}"
            f"</title><style>{style}</style></head><body>{''.join(sections)}</body></html>")


def _font_files() -> tuple[Path, Path]:
    """DejaVu Sans, regular and bold, from matplotlib's data (a dependency already)."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


def crew_sheet_pdf(plan: RoutePlan, title: str = "Crew sheet") -> bytes:
    """The crew sheet as an A4 PDF: each crew starts a page; its later pages repeat its name."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    class Sheet(FPDF):
        running = ""

        def header(self) -> None:
            if self.running:
                self.set_font("DejaVu", "B", 9)
                self.cell(0, 5, self.running, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                self.ln(1)

    regular, bold = _font_files()
    pdf = Sheet(orientation="P", unit="mm", format="A4")
    pdf.set_margins(9, 10, 9)
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_title(title)
    pdf.set_creator("geo311")
    for page in sheet_pages(plan, title):
        pdf.running = ""
        pdf.add_page()
        pdf.running = f"{page.heading} (continued)"
        pdf.set_font("DejaVu", "B", 14)
        pdf.multi_cell(0, 7, page.heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(0, 4.5, page.summary, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        pdf.set_font("DejaVu", "", 8)
        with pdf.table(col_widths=_PDF_WIDTHS, width=sum(_PDF_WIDTHS), repeat_headings=1,
                       line_height=4, first_row_as_headings=True) as table:
            heading = table.row()
            for name in COLUMNS:
                heading.cell(name)
            for values in page.rows:
                row = table.row()
                for value in values:
                    row.cell(value)
    return bytes(pdf.output())
