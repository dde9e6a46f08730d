"""The shell and a few pages as they look: the header's menus by keyboard and without JavaScript, and
spacing and alignment a user noticed (measured on the rendered page, not read from the CSS)."""

import re

import pytest

from tests.browser.fixtures import log_in_demo

pytestmark = pytest.mark.browser


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("javascript", [True, False])
def test_header_menus_open_by_keyboard_with_and_without_javascript(demo_portal, browser, javascript):
    context = browser.new_context(locale="nl-NL", java_script_enabled=javascript)
    page = context.new_page()
    log_in_demo(page, demo_portal.url, "deby@herenbos.example", "Herenbos Schagen")
    mine = page.locator("summary", has_text="Mijn Onderwijsgroep")
    assert page.get_by_role("link", name="Digitaal Dossier").is_hidden()
    mine.focus()
    page.keyboard.press("Enter")
    menu = page.locator("details", has=mine).get_by_role("link")
    assert menu.all_inner_texts() == [
        "Persoonlijke gegevens",
        "Organisatiegegevens",
        "Digitaal Dossier",
        "Facturen",
        "Cursussen",
    ]
    assert all(link.is_visible() for link in menu.all())
    page.keyboard.press("Tab")  # on to the first link, and follow it
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/mijn-gegevens$"))
    account = page.locator("summary", has_text="Mijn account")
    assert " ".join(account.inner_text().split()).startswith(
        "Mijn account: Deby Rummens - Heijnen"
    )  # a visible label, not a bare ▸
    account.focus()
    page.keyboard.press("Enter")
    assert page.get_by_role("button", name="Uitloggen").is_visible()
    context.close()


def test_verification_row_headings_are_left_aligned(demo_portal, page):
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.passes.models import Qualification

    with demo_portal.app.app_context():
        token = db.session.execute(select(Qualification.verify_token).limit(1)).scalar()
        db.session.remove()
    page.goto(f"{demo_portal.url}/pasjes/verificatie/{token}")
    for heading in page.locator("th[scope=row]").all():
        assert heading.evaluate("e => getComputedStyle(e).textAlign") in ("left", "start")
    table = box(page, "table.data-list")
    assert abs(box(page, "th[scope=row]")["x"] - table["x"]) < 1  # the headings start at the table's edge


def test_passes_details_and_options_are_set_out(demo_portal, page):
    log_in_demo(page, demo_portal.url, "deby@herenbos.example", "ROC Kop van Noord-Holland")
    page.goto(f"{demo_portal.url}/pasjes?zoek=73029884")
    page.get_by_role("link", name=re.compile("Bekijk details")).first.click()
    page.get_by_text("j.bos@onsweb.nl").wait_for()
    # the grey panel is as tall as its content: no large empty grey area under it
    panel = box(page, ".holder-details")
    tallest = max(
        box["height"]
        for box in page.locator(".holder-details > *").evaluate_all(
            "items => items.map(e => e.getBoundingClientRect().toJSON())"
        )
    )
    assert panel["height"] <= tallest + 40, (panel, tallest)

    page.get_by_role("button", name=re.compile("Voeg toe Mevr. K.C. Knightley")).first.click()
    page.get_by_role("link", name="Dien verzoek in").click()
    page.wait_for_url(re.compile(r"/pasjes/verzoek$"))
    groups = page.locator(".submit-options fieldset").all()
    assert len(groups) == 2
    for group in groups:
        legend = group.locator("legend").bounding_box()
        first_choice = group.locator(".option").first.bounding_box()
        assert first_choice["y"] - (legend["y"] + legend["height"]) >= 8, "a group heading touches its checkboxes"
        assert group.locator("legend").evaluate("e => parseInt(getComputedStyle(e).fontWeight)") >= 600
    first, second = (group.bounding_box() for group in groups)
    assert second["y"] - (first["y"] + first["height"]) >= 16, "the groups are not set apart"


def test_activation_hint_keeps_its_distance_from_the_error_box(demo_portal, page):
    from tests.factories import Factory
    from webapp.accounts.services import ACTIVATE, link_for

    with demo_portal.app.app_context():
        link = link_for(ACTIVATE, Factory(demo_portal.app).user("nieuw.layout@herenbos.example", activated=False))
    page.goto(link)
    page.get_by_label("Nieuw wachtwoord", exact=True).fill("kort")
    page.get_by_label("Bevestig nieuw wachtwoord").fill("kort")
    page.get_by_role("button", name="Activeren").click()
    page.locator(".form-errors").wait_for()
    page.wait_for_load_state()  # the answer's stylesheet applied, not only its HTML parsed (a busy machine lags)
    hint, errors = box(page, "#password-rules"), box(page, ".form-errors")
    assert errors["y"] - (hint["y"] + hint["height"]) >= 12, (hint, errors)


def test_holder_list_with_selected_rows_fits_a_1024_px_window_whole(demo_portal, page):
    """Not only no sideways page scroll: the list itself fits, actions and "Toegevoegd" included."""
    log_in_demo(page, demo_portal.url, "deby@herenbos.example", "ROC Kop van Noord-Holland")
    page.set_viewport_size({"width": 1024, "height": 900})
    page.goto(f"{demo_portal.url}/pasjes")
    page.get_by_role("button", name="Voeg alle toe").click()
    page.get_by_text("Toegevoegd", exact=True).first.wait_for()
    region = page.get_by_role("region", name="Kwalificatiehouders")
    assert region.evaluate("e => e.scrollWidth <= e.clientWidth"), "the list scrolls inside its region at 1024 px"
    main = box(page, "main")
    assert box(page, "table.holders")["width"] <= main["width"]
