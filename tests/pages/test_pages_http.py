"""The pages over HTTP without a browser: CSRF, staff sign-in, headers, assets."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

ASSETS = Path(__file__).with_name("assets")


@pytest.fixture
def client(pages_app):
    return pages_app.test_client()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _login(staff_login, **extra) -> dict:
    return {"username": staff_login[0], "password": staff_login[1], **extra}


def test_a_post_without_the_session_csrf_token_is_refused(client, staff_login):
    assert client.post("/staff/login", data=_login(staff_login)).status_code == 400
    page = client.get("/staff/login").get_data(as_text=True)
    other = client.post("/staff/login", data=_login(staff_login, csrf_token="forged"))
    assert other.status_code == 400
    assert "did not come from this site" in other.get_data(as_text=True)
    ok = client.post("/staff/login", data=_login(staff_login, csrf_token=_token(page)))
    assert ok.status_code == 302 and ok.headers["Location"] == "/intake"
    assert client.get("/intake").status_code == 200
    # the same session stands for the staff member on the API's staff endpoints
    assert client.get("/api/v1/staff/requests").status_code == 200


def test_staff_pages_need_a_staff_login(client, staff_login):
    assert client.get("/intake").headers["Location"] == "/staff/login?next=/intake"
    token = _token(client.get("/staff/login").get_data(as_text=True))
    for user, password in ((staff_login[0], "wrong"), ("nobody", staff_login[1]), ("", "")):
        answer = client.post("/staff/login", data={"username": user, "password": password,
                                                   "csrf_token": token})
        assert answer.status_code == 401
        assert client.get("/intake").status_code == 302
        assert client.get("/dashboard").status_code == 302


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_sign_in_never_sends_to_another_site(client, staff_login, target):
    token = _token(client.get("/staff/login").get_data(as_text=True))
    answer = client.post("/staff/login", data=_login(staff_login, csrf_token=token,
                                                     next=target))
    assert answer.headers["Location"] == "/intake"


def test_pages_allow_only_their_own_scripts(client):
    for url in ("/", "/serves?address=1+main+st", "/status", "/staff/login", "/status/x"):
        answer = client.get(url)
        policy = answer.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy
        html = answer.get_data(as_text=True)
        scripts = re.findall(r"<script([^>]*)>", html)
        assert all('src="/' in attrs or 'type="application/json"' in attrs for attrs in scripts)


def test_only_the_vendored_leaflet_files_are_served(client):
    for name in ("leaflet.js", "leaflet.css"):
        assert client.get(f"/vendor/{name}").status_code == 200
    assert client.get("/vendor/images/layers.png").mimetype == "image/png"
    for name in ("d3.min.js", "SHA256SUMS", "..%2Fmaps.py", "LICENSE.leaflet"):
        assert client.get(f"/vendor/{name}").status_code == 404


def test_the_committed_axe_core_is_the_npm_file():
    expected = (ASSETS / "SHA256SUMS").read_text().split()
    digest = hashlib.sha256((ASSETS / "axe.min.js").read_bytes()).hexdigest()
    assert expected == [digest, "axe.min.js"]
    assert (ASSETS / "LICENSE.axe-core").read_text().startswith("Mozilla Public License")


def test_the_public_report_form_is_rate_limited_per_client(pages_city, pages_store):
    from geo311.web import create_app

    app = create_app(pages_city, pages_store, config={"GEO311_REPORT_LIMIT": "2 per minute"})
    client = app.test_client()
    token = _token(client.get("/report").get_data(as_text=True))
    form = {"csrf_token": token, "address": "", "service_code": ""}
    codes = [client.post("/report", data=form).status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    refused = client.post("/report", data=form)
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    assert client.get("/report").status_code == 200  # reading the form is not limited
    other = app.test_client()  # another session from the same address: the limit holds
    token = _token(other.get("/report").get_data(as_text=True))
    assert other.post("/report", data={**form, "csrf_token": token}).status_code == 429


def test_a_city_without_a_service_catalog_says_nothing_can_be_filed(demo_dir, tmp_path,
                                                                    pages_store):
    from geo311.city import City
    from geo311.web import create_app

    for item in demo_dir.iterdir():
        if item.name != "profile.toml":
            (tmp_path / item.name).symlink_to(item)
    text = (demo_dir / "profile.toml").read_text()
    services = text[text.index("[services]"):].split("\n\n")[0]
    (tmp_path / "profile.toml").write_text(text.replace(services, ""))
    client = create_app(City.open(tmp_path), pages_store).test_client()
    answer = client.get("/report")
    assert answer.status_code == 503 and answer.mimetype == "text/html"
    assert "no service catalog" in answer.get_data(as_text=True)
    assert client.get("/serves?address=1200+n+main+st").status_code == 200


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";"))}


def test_tiles_only_when_the_profile_names_them_and_the_csp_allows_their_host_only(
        client, pages_city):
    from dataclasses import replace

    from geo311.city import City
    from geo311.web import create_app

    answer = client.get("/")
    assert _directives(answer.headers["Content-Security-Policy"])["img-src"] == \
        ["'self'", "data:"]
    assert "data-tiles" not in answer.get_data(as_text=True)
    url = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    profile = replace(pages_city.profile, maps=replace(pages_city.profile.maps, tiles=url,
                                                       tiles_attribution="Example <Tiles>"))
    tiled = create_app(City.open(profile), None).test_client()
    for page in ("/", "/serves", "/status"):
        answer = tiled.get(page)
        directives = _directives(answer.headers["Content-Security-Policy"])
        assert directives["img-src"] == ["'self'", "data:", "https://*.tiles.example.org"]
        assert directives["default-src"] == ["'self'"]
        html = answer.get_data(as_text=True)
        assert f'data-tiles="{url}"' in html
        assert 'data-tiles-attribution="Example &lt;Tiles&gt;"' in html


def test_without_a_store_the_dashboard_reads_the_requests_file(pages_city, demo_dir):
    import geopandas as gpd
    import pandas as pd

    from geo311.web.dashboard import DashboardQuery, build

    view = build(pages_city, DashboardQuery(types=("GRAFFITI",), by="ward"))
    # oracle: the requests file joined to the ward polygons with geopandas
    rows = pd.read_csv(demo_dir / "requests.csv", dtype=str)
    rows = rows[rows["service_code"] == "GRAFFITI"]
    points = gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(
        rows["lon"].astype(float), rows["lat"].astype(float)), crs="EPSG:4326")
    wards = gpd.read_file(demo_dir / "wards.geojson").to_crs("EPSG:4326")
    joined = gpd.sjoin(points, wards[["name", "geometry"]], predicate="intersects")
    counts = joined[~joined.index.duplicated()].groupby("name").size()
    assert dict(zip(view.table["name"], view.table["count"].astype(int), strict=True)) == \
        {name: int(counts.get(name, 0)) for name in wards["name"]}


def test_the_intake_accept_learns_the_callers_words_as_an_alias(client, staff_login, points,
                                                                pages_city, pages_store):
    """The agent took the suggested address for what the caller said (the page keeps the
    words in ``said``): filing it stores an alias with its provenance, and the validator
    reads the words as that street from then on."""
    from geo311.service.store.learned import learned_rows
    from tests.pages.places import inside

    page = client.get("/staff/login").get_data(as_text=True)
    client.post("/staff/login", data=_login(staff_login, csrf_token=_token(page)))
    here = inside(points, 3)
    number, street = here.address.split(" ", 1)
    name = pages_city.validator.validate(here.address)["understood"]["street"]
    heard = name.split()
    words = [w for w in heard if len(w) > 2 and not w.isdigit()]
    said = f"{number} {street.replace(words[0], words[0] + 'QZ', 1)}"
    form = client.get("/intake").get_data(as_text=True)
    filed = client.post("/intake", data={
        "csrf_token": _token(form), "address": here.address, "said": said,
        "service_code": "ENCAMPMENT", "side": "here"})
    assert filed.status_code == 201, filed.get_data(as_text=True)[:2000]
    row = learned_rows(pages_store)[-1]
    assert (row.kind, row.said, row.actor, row.source) == ("alias", said, staff_login[0],
                                                           "intake")
    assert pages_city.validator.validate(said)["address"] == here.address


def _signed_in(client, staff_login) -> None:
    token = _token(client.get("/staff/login").get_data(as_text=True))
    client.post("/staff/login", data=_login(staff_login, csrf_token=token))


def test_crews_that_cannot_be_compared_keep_the_dashboards_map_and_table(client, staff_login,
                                                                         pages_city):
    """The stored slice holds graffiti and potholes only (Public Works): the crews of another
    department cannot be compared, and the page says so under the view instead of failing."""
    _signed_in(client, staff_login)
    answer = client.get("/dashboard?type=GRAFFITI&by=ward&department=Sanitation")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'id="districts"' in html and 'class="map-data"' in html
    assert 'data-testid="crews-error"' in html and 'id="crews"' not in html
    shown = client.get("/dashboard?type=GRAFFITI&by=ward&department=Public+Works")
    assert 'id="crews"' in shown.get_data(as_text=True)


def test_the_dashboards_map_classes_are_worded_in_spanish(client, staff_login):
    _signed_in(client, staff_login)
    english = client.get("/dashboard?type=GRAFFITI&method=gistar").get_data(as_text=True)
    spanish = client.get("/dashboard?type=GRAFFITI&method=gistar&lang=es").get_data(
        as_text=True)
    legend = re.compile(r'<ul class="legend"[^>]*>(.*?)</ul>', re.S)
    words = re.findall(r"</span>([^<]+)</li>", legend.search(spanish).group(1))
    assert words and all(w.startswith(("Punto", "No significativo")) for w in words), words
    assert "Hot spot, 99% confidence" in legend.search(english).group(1)
    assert '"requests_words": "' in spanish and " solicitudes" in spanish
