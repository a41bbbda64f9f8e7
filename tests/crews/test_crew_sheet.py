"""The crew sheet as PDF, read back with pypdf (an independent reader), and as HTML."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from geo311.crews.routes import Travel, plan_routes
from geo311.profile import load_profile
from geo311.render.crew_sheet import crew_sheet, crew_sheet_pdf
from tests.crews.test_routes import crew, grid_profile, grid_stops  # noqa: F401 - a fixture


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def in_order(text: str, ids: list[str]) -> bool:
    found = [re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text) for i in ids]
    return all(found) and [m.start() for m in found] == sorted(m.start() for m in found)


def test_pdf_has_one_page_per_crew_naming_it_and_its_stops_in_order(grid_profile):  # noqa: F811
    travel = Travel.from_profile(load_profile(grid_profile))
    stops = grid_stops(12, seed=21)
    stops["address"] = [f"{100 + i} Peña Ñuñoa Straße" for i in range(12)]
    crews = [crew(name, (0.002, 0.002), hours=h) for name, h in
             (("north", 1.0), ("south", 1.0), ("east", 0.75))]
    plan = plan_routes(stops, crews, travel, time_limit=0.5)
    assert (plan.crews["stops"] > 0).all()
    texts = pages_text(crew_sheet_pdf(plan))
    assert len(texts) == len(crews)
    for text, c in zip(texts, crews, strict=True):
        assert f"Crew sheet: {c.id}" in text
        mine = plan.stops[plan.stops["crew"] == c.id].sort_values("seq")
        assert in_order(text, mine["id"].tolist())
        others = plan.stops.loc[plan.stops["crew"] != c.id, "id"]
        assert not any(re.search(rf"\b{i}\b", text) for i in others)
        for row in mine.itertuples():
            assert f"{row.eta:%H:%M}" in text and row.address in text


def test_a_long_route_goes_on_to_pages_that_name_the_crew(grid_profile):  # noqa: F811
    travel = Travel.from_profile(load_profile(grid_profile))
    stops = grid_stops(70, seed=8).assign(service_min=1.0)
    plan = plan_routes(stops, [crew("solo", (0.002, 0.002), hours=10)], travel,
                       time_limit=0.5)
    assert len(plan.stops) == 70
    texts = pages_text(crew_sheet_pdf(plan))
    assert len(texts) >= 2
    assert all("Crew sheet: solo" in t for t in texts)
    assert in_order("\n".join(texts), plan.stops.sort_values("seq")["id"].tolist())


def test_html_sheet_has_a_printed_page_per_crew(grid_profile):  # noqa: F811
    travel = Travel.from_profile(load_profile(grid_profile))
    plan = plan_routes(grid_stops(6), [crew("a", (0.0, 0.001)), crew("b", (0.004, 0.003))],
                       travel, time_limit=0.3)
    sheet = crew_sheet(plan)
    assert sheet.count("<section>") == 2 and "break-after:page" in sheet
    for c in ("a", "b"):
        section = sheet.split(f"Crew sheet: {c}</h1>")[1].split("</section>")[0]
        ids = plan.stops[plan.stops["crew"] == c].sort_values("seq")["id"].tolist()
        assert in_order(section, ids)


def test_html_sheet_escapes_what_it_is_given(grid_profile):  # noqa: F811
    bad = "<script>alert(1)</script>"
    travel = Travel.from_profile(load_profile(grid_profile))
    stops = grid_stops(2).assign(address=bad, type=bad)
    plan = plan_routes(stops, [crew("a", (0.0, 0.001))], travel, time_limit=0.2)
    assert bad not in crew_sheet(plan) and "&lt;script&gt;" in crew_sheet(plan)
    assert bad in pages_text(crew_sheet_pdf(plan))[0].replace("\n", "")

