"""Spanish pages: the catalog covers every message, and the pages speak it in Chromium."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from tests.pages.conftest import axe_check
from tests.pages.places import outside

HOSTILE = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'
WEB = Path(__file__).resolve().parents[2] / "geo311" / "web"
CATALOG = WEB / "translations" / "es" / "LC_MESSAGES"


def _messages() -> set[str]:
    """Every message the pages' code and templates mark for translation (extracted now)."""
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    found = extract_from_dir(str(WEB), method_map,
                             keywords={"_": None, "gettext": None, "lazy_gettext": None})
    return {message for _, _, message, _, _ in found if message}


def test_the_spanish_catalog_translates_every_message_and_is_compiled():
    with open(CATALOG / "messages.po", "rb") as po:
        catalog = read_po(po)
    translated = {m.id: m.string for m in catalog if m.id and m.string}
    missing = sorted(_messages() - set(translated))
    assert missing == [], f"messages without a Spanish translation: {missing}"
    with open(CATALOG / "messages.mo", "rb") as mo:
        compiled = {m.id: m.string for m in read_mo(mo) if m.id}
    assert compiled == translated, "messages.mo is older than messages.po: run pybabel compile"


def test_pages_follow_the_browser_language_and_the_switch(browser, live_server, points):
    there = outside(points)
    context = browser.new_context(locale="es-ES")
    outside_hosts = []
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(f"{live_server}/")
                  else (outside_hosts.append(route.request.url), route.abort()))
    page = context.new_page()
    page.goto(f"{live_server}/")
    assert page.get_attribute("html", "lang") == "es"
    assert page.inner_text("h1").endswith("Servicio 311")
    page.goto(f"{live_server}/serves?address={quote(there.address)}")
    message = page.inner_text("#redirect-message")
    assert message.startswith("La dirección de la solicitud de servicio no se encuentra en")
    assert there.agency in message and there.phone in message
    assert axe_check(page) == []
    page.click("a[hreflang=en]")  # the switch keeps the address and the choice sticks
    assert page.get_attribute("html", "lang") == "en"
    assert "is not located in the" in page.inner_text("#redirect-message")
    page.goto(f"{live_server}/status")
    assert page.inner_text("h1") == "Status of my request"
    context.close()
    assert outside_hosts == []


def test_the_intake_rules_refusals_are_in_spanish_with_the_callers_text_as_text(
        signed_in, live_server, points, demo_dir):
    """An address outside the city and a missing required answer, filed from the Spanish
    intake page: both refusals in Spanish (the redirect with the agency, its phone and URL);
    then an address holding markup, named in the Spanish refusal as text."""
    page = signed_in
    there = outside(points)
    definitions = json.loads((demo_dir / "service_definitions.json").read_text())
    required = [a["description"] for a in definitions["GRAFFITI"]["attributes"]
                if a["required"]]
    page.goto(f"{live_server}/intake?lang=es")
    page.fill("#address", there.address)
    page.select_option("#service_code", "GRAFFITI")
    expect(page.locator("#attributes")).to_have_attribute("data-service", "GRAFFITI")
    page.click("#file-new")
    errors = page.locator(".errors")
    expect(errors).to_contain_text("La dirección de la solicitud de servicio no se encuentra en")
    text = errors.inner_text()
    assert there.agency in text and there.phone in text and there.url in text
    for label in required:
        assert f"«{label}» es obligatorio." in text
    assert "is required" not in text and "is not in" not in text
    page.fill("#address", f"12345 nowhere st {HOSTILE}")
    page.click("#file-new")
    expect(errors).to_contain_text(f"No se encontró la dirección «12345 nowhere st {HOSTILE}».")
    assert page.locator("main img").count() == 0
    assert page.locator("main script:not([type='application/json'])").count() == 0
    assert axe_check(page) == []
