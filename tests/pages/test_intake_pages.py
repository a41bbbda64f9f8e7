"""Agent intake and the public report form in Chromium, from the address to the token."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect

from geo311.service.records import NewRequest
from tests.pages.conftest import axe_check
from tests.pages.places import inside, near_ward_edge, outside, typo

HOSTILE = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def definitions(demo_dir) -> dict:
    """The demo's service definitions, read from the generated file."""
    return json.loads((demo_dir / "service_definitions.json").read_text())


def fill_required_by_keyboard(page, definitions: dict, code: str) -> None:
    """Answer each required attribute of ``code`` with the keyboard only: its first value of a
    list, else "1"."""
    for attribute in definitions[code]["attributes"]:
        if not attribute["required"]:
            continue
        name = f"attribute[{attribute['code']}]"
        field = page.locator(f"[name='{name}']").first
        field.focus()
        if attribute["datatype"] in ("singlevaluelist", "multivaluelist"):
            if not field.is_checked():
                page.keyboard.press("Space")
        else:
            page.keyboard.press("Control+A")
            page.keyboard.type("1")


def test_intake_from_a_typo_to_the_status_page_by_keyboard_alone(signed_in, live_server,
                                                                 points, definitions):
    page = signed_in
    here = inside(points)
    page.focus("#address")
    started = time.perf_counter()
    page.keyboard.type(typo(here.address))
    suggestion = page.locator(f"button.suggestion[data-address='{here.address}']")
    suggestion.wait_for()
    print(f"typed and suggested in {time.perf_counter() - started:.3f} s")
    assert page.locator(".suggestions .reason").first.inner_text() != ""
    assert axe_check(page) == []
    # Tab from the address to the suggestion and take it with Enter
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.address") == here.address:
            break
    page.keyboard.press("Enter")
    expect(page.locator("#address")).to_have_value(here.address)
    expect(page.locator("[data-testid=canonical]")).to_have_text(here.address)
    expect(page.locator(".badge[data-key=ward]")).to_contain_text(here.ward)
    # the service type: search it, then the form built from its definition
    code = "GRAFFITI"
    page.focus("#service-filter")
    page.keyboard.type("graffiti")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "service_code"
    expect(page.locator("#service_code")).to_have_value(code)
    required = [a for a in definitions[code]["attributes"] if a["required"]]
    expect(page.locator("#attributes")).to_have_attribute("data-service", code)
    assert page.locator("#attributes .req").count() == len(required)
    fill_required_by_keyboard(page, definitions, code)
    page.focus("#description")
    page.keyboard.type(f"tagging on the wall {HOSTILE}")
    page.focus("#file-new")
    page.keyboard.press("Enter")
    token = page.locator("[data-testid=token]")
    token.wait_for()
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,}", token.inner_text())
    page.focus("[data-testid=status-link]")
    page.keyboard.press("Enter")
    expect(page.locator("[data-testid=status]")).to_have_text("Open")
    assert HOSTILE in page.inner_text("main")
    number, _, street = here.address.partition(" ")
    assert page.text_content("[data-testid=block]") == \
        f"{int(number) // 100 * 100} block of {street}"


def test_intake_outside_the_city_shows_the_redirect_card(signed_in, points):
    page = signed_in
    there = outside(points)
    page.fill("#address", there.address)
    page.press("#address", "Enter")
    expect(page.locator("[data-testid=redirect-phone]")).to_have_text(there.phone)
    expect(page.locator("[data-testid=redirect-url]")).to_have_text(there.url)
    assert there.agency in page.inner_text("#redirect-message")
    page.locator(".map path.shape-serving").wait_for()
    assert axe_check(page) == []


def test_intake_near_a_ward_edge_asks_the_side_and_files_on_the_one_chosen(
        signed_in, points, definitions, pages_store, pages_city):
    page = signed_in
    edge = near_ward_edge(points)
    page.fill("#address", edge.address)
    page.press("#address", "Enter")
    sides = page.locator("fieldset.sides")
    sides.wait_for()
    assert edge.ward in sides.inner_text() and edge.other_ward in sides.inner_text()
    page.locator(".map path.shape-other-side").first.wait_for()
    assert axe_check(page) == []
    page.select_option("#service_code", "GRAFFITI")
    expect(page.locator("#attributes")).to_have_attribute("data-service", "GRAFFITI")
    fill_required_by_keyboard(page, definitions, "GRAFFITI")
    page.click("#file-new")  # no side chosen: refused, the form kept
    expect(page.locator(".errors")).to_contain_text("confirm which side")
    assert page.input_value("#address") == edge.address
    layer = pages_city.locator.district_layer("ward")
    other_id = str(layer.ids[list(layer.names).index(edge.other_ward)])
    page.check(f"input[name=side][value='ward:{other_id}']")
    fill_required_by_keyboard(page, definitions, "GRAFFITI")
    page.click("#file-new")
    token = page.locator("[data-testid=token]").inner_text()
    stored = pages_store.get_by_token(token)
    assert stored.districts["ward"] == other_id
    notices = " ".join(page.locator(".notice").all_inner_texts())
    assert f"{edge.ward} here, {edge.other_ward} at" in notices  # the rules' edge notice


def test_intake_attaches_a_duplicate_to_the_open_request(signed_in, points, definitions,
                                                         pages_store):
    page = signed_in
    here = inside(points, 2)
    parent = pages_store.create_request(NewRequest(
        service_code="POTHOLE", service_name="Pothole Repair", lon=here.lon, lat=here.lat,
        address=here.address, description="deep hole", source="web"))
    page.fill("#address", here.address)
    page.select_option("#service_code", "POTHOLE")
    expect(page.locator("#attributes")).to_have_attribute("data-service", "POTHOLE")
    attach = page.locator(f"button.attach[value='{parent.service_request_id}']")
    attach.wait_for()
    assert page.locator(".map path.point-other").count() >= 1
    fill_required_by_keyboard(page, definitions, "POTHOLE")
    attach.click()
    token = page.locator("[data-testid=token]").inner_text()
    child = pages_store.get_by_token(token)
    assert child.duplicate_of == parent.service_request_id
    assert "Attached to an open request" in page.inner_text("main")


def test_the_public_report_form_files_a_request_and_redirects_outside(page, guard, live_server,
                                                                      points, definitions,
                                                                      pages_store):
    there = outside(points)
    page.goto(f"{live_server}/report")
    assert axe_check(page) == []
    page.fill("#address", there.address)
    page.select_option("#service_code", "STREETLIGHT")
    expect(page.locator("#attributes")).to_have_attribute("data-service", "STREETLIGHT")
    fill_required_by_keyboard(page, definitions, "STREETLIGHT")
    page.fill("#first_name", HOSTILE)
    page.click("button[type=submit] >> text=Send the report")
    expect(page.locator("[data-testid=redirect-phone]")).to_have_text(there.phone)
    assert axe_check(page) == []
    here = inside(points, 3)
    page.fill("#address", here.address)
    fill_required_by_keyboard(page, definitions, "STREETLIGHT")
    page.click("button[type=submit] >> text=Send the report")
    stored = pages_store.get_by_token(page.locator("[data-testid=token]").inner_text())
    assert stored.address == here.address and stored.contact.first_name == HOSTILE
    assert axe_check(page) == []


def test_hostile_text_typed_into_intake_stays_text(signed_in):
    page = signed_in
    page.fill("#address", f"12 main st {HOSTILE}")
    page.press("#address", "Enter")
    page.locator("#check .card").wait_for()
    assert page.locator("#check img, #check script:not([type='application/json'])").count() == 0
    page.fill("#service-filter", HOSTILE)  # the service search takes it as text too
    assert page.locator("main img").count() == 0
