"""The receiving college in headless Chromium on the demo world: MBO Utrecht's contact person finds Noor Vermeulen's
finished dossier by searching and filtering as they type (htmx), opens it, and downloads the PDF, whose text holds
her answers; and the same without JavaScript (the filter form's button, plain links)."""

import re
import subprocess

import pytest

from tests.browser.fixtures import assert_accessible, assert_accessible_and_fits, log_in_demo

pytestmark = pytest.mark.browser

COLLEGE_STAFF = ("toelating@mboutrecht.example", "MBO Utrecht (Is nieuwe naam ROC ASA)")


def test_the_college_finds_opens_and_downloads_a_finished_dossier(demo_portal, page):
    base = demo_portal.url
    log_in_demo(page, base, *COLLEGE_STAFF)
    page.goto(f"{base}/doorstroomdossier/")
    page.get_by_role("heading", name="Afgeronde dossiers").wait_for()
    assert page.url == f"{base}/doorstroomdossier/vervolgopleiding/"
    count = page.locator("#dossier-count")
    assert count.inner_text() == "2 dossiers gevonden"  # Noor's, and Lotte's from the mentor's demo
    assert_accessible_and_fits(page)

    search = page.get_by_label("Zoek op naam leerling")
    search.fill("xq")
    page.get_by_text("Er zijn geen afgeronde dossiers die aan dit filter voldoen.").wait_for()
    assert count.inner_text() == "0 dossiers gevonden"
    search.fill("verm")
    page.get_by_role("link", name="Noor Vermeulen").wait_for()
    page.get_by_label("OPP / warme overdracht").check()
    page.wait_for_url(re.compile(r"opp=ja"))
    assert count.inner_text() == "1 dossier gevonden"
    row = page.get_by_role("row", name=re.compile("Noor Vermeulen"))
    assert "Vakcollege De Brug" in row.inner_text() and "Toezicht en veiligheid" in row.inner_text()

    page.get_by_role("link", name="Noor Vermeulen").click()
    page.get_by_role("heading", name="Digitaal Doorstroomdossier van Noor Vermeulen").wait_for()
    assert page.get_by_text("Handhaver of boa.").is_visible()
    assert_accessible_and_fits(page)
    href = page.get_by_role("link", name="Download als PDF").get_attribute("href")
    response = page.request.get(base + href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=response.body(), capture_output=True, check=True).stdout
    assert "Noor Vermeulen" in text.decode() and "Handhaver of boa." in text.decode()


def test_the_college_list_without_javascript(demo_portal, page_without_js):
    page, base = page_without_js, demo_portal.url
    log_in_demo(page, base, *COLLEGE_STAFF)
    page.goto(f"{base}/doorstroomdossier/vervolgopleiding/")
    page.get_by_label("Zoek op naam leerling").fill("xq")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"zoek=xq"))
    assert page.locator("#dossier-count").inner_text() == "0 dossiers gevonden"
    page.get_by_label("Zoek op naam leerling").fill("noor")
    page.get_by_label("verzoek om nader contact").check()
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"contact=ja"))
    page.get_by_role("link", name="Noor Vermeulen").click()
    page.get_by_role("heading", name="Digitaal Doorstroomdossier van Noor Vermeulen").wait_for()
    assert_accessible(page)
