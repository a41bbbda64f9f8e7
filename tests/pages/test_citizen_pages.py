"""The citizen's pages in Chromium: who serves an address, the status of a request."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from geo311.service.records import Contact, NewRequest
from tests.pages.conftest import axe_check
from tests.pages.places import inside, outside

HOSTILE = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'


def test_who_serves_an_address_shows_its_ward_and_agency_on_a_map(page, guard, live_server,
                                                                 points, pages_city):
    here = inside(points)
    page.goto(f"{live_server}/serves")
    page.fill("#address", here.address.lower())
    page.press("#address", "Enter")
    page.wait_for_selector(".card")
    assert page.text_content("[data-testid=canonical]") == here.address
    ward_label = pages_city.profile.district("ward").label
    badge = page.locator(".badge[data-key=ward]").inner_text()
    assert badge.split(maxsplit=len(ward_label.split()))[-1] == here.ward, badge
    assert pages_city.profile.jurisdiction.name in page.inner_text(".serving")
    # the map: the city limit and each district holding the point, drawn offline
    page.wait_for_selector(".map path.point-here")
    assert page.locator(".map path.shape-city").count() == 1
    assert page.locator(".map path.shape-district").count() == len(pages_city.profile.districts)
    # the offline basemap names the street of the address (from the profile's centerlines)
    street = here.address.split(" ", 1)[1].lower()
    page.locator(".street-label").first.wait_for()
    labels = [text.lower() for text in page.locator(".street-label").all_inner_texts()]
    assert street in labels
    assert axe_check(page) == []


def test_an_address_outside_the_city_gets_the_redirect_card(page, guard, live_server, points,
                                                          pages_city):
    there = outside(points)
    page.goto(f"{live_server}/serves?address={quote(there.address)}")
    card = page.locator(".redirect")
    assert card.count() == 1
    assert page.text_content("[data-testid=redirect-name]") == there.agency
    assert page.text_content("[data-testid=redirect-phone]") == there.phone
    assert page.text_content("[data-testid=redirect-url]") == there.url
    city = pages_city.profile.jurisdiction.name
    assert (f"The service request address entered is not located in the {city}. It is located "
            f"within the boundaries of the following agency: {there.agency}."
            in page.text_content("#redirect-message"))
    page.wait_for_selector(".map path.point-here")
    assert page.locator(".map path.shape-city").count() == 1
    assert page.locator(".map path.shape-serving").count() == 1
    page.click("button.copy")
    expect(page.locator(".copied")).to_have_text("✓")
    assert axe_check(page) == []


def test_hostile_text_in_the_address_renders_as_text(page, guard, live_server):
    page.goto(f"{live_server}/serves?address={quote(HOSTILE)}")
    assert page.input_value("#address") == HOSTILE
    assert page.locator("main img").count() == 0
    assert page.locator("main script:not([type='application/json'])").count() == 0


@pytest.fixture(scope="module")
def filed(pages_store, points):
    """A request filed with personal data and hostile text, and a public and a private note."""
    here = inside(points, 1)
    stored = pages_store.create_request(NewRequest(
        service_code="GRAFFITI", service_name="Graffiti Removal", lon=here.lon, lat=here.lat,
        address=here.address, description=f"paint on the wall {HOSTILE}", source="web",
        contact=Contact(email="caller@example.org", phone="555-0100", first_name="Ada",
                        last_name="Lovelace")))
    pages_store.add_note(stored.service_request_id, f"crew sent {HOSTILE}", actor="agent",
                         public=True)
    pages_store.add_note(stored.service_request_id, "caller sounded upset", actor="agent",
                         public=False)
    return stored, here


def test_the_status_page_shows_status_notes_and_the_block_only(page, guard, live_server, filed):
    stored, here = filed
    page.goto(f"{live_server}/status")
    page.fill("#token", stored.token)
    page.press("#token", "Enter")
    page.wait_for_selector("[data-testid=status]")
    assert page.text_content("[data-testid=status]") == "Open"
    number, _, street = here.address.partition(" ")
    assert page.text_content("[data-testid=block]") == \
        f"{int(number) // 100 * 100} block of {street}"
    notes = page.inner_text("[data-testid=notes]")
    assert f"crew sent {HOSTILE}" in notes and "upset" not in notes
    body = page.content()
    for private in ("caller@example.org", "555-0100", "Ada", "Lovelace", here.address,
                    f"{here.lon:.5f}", stored.service_request_id):
        assert private not in body
    assert page.locator("main img").count() == 0
    page.wait_for_selector(".map path.shape-block")
    assert page.locator(".map path.point-here").count() == 0  # no door, only the block
    assert axe_check(page) == []


def test_an_unknown_token_is_a_page_saying_so(page, guard, live_server):
    response = page.goto(f"{live_server}/status/{'x' * 30}")
    assert response.status == 404
    assert "No request has this tracking number" in page.inner_text("main")
    assert axe_check(page) == []
