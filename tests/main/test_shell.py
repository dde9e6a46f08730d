"""The portal's shell as users meet it: the start page's tiles (what each service is for, what waits),
the header's menus, the footer's statements and contact page; on the demo data, on both databases."""

import re
from datetime import timedelta

import pytest

from tests.factories import login
from webapp.extensions import db

DEMO_PASSWORD = "Tulpen-Veld-2026"


@pytest.fixture
def demo(app):
    from sqlalchemy import select

    from webapp.accounts.models import Organisation, User
    from webapp.core.modules import registry

    for load in registry().each("demo"):
        load()
        db.session.commit()
    users = {user.email: user for user in db.session.execute(select(User)).scalars()}
    organisations = {o.name: o for o in db.session.execute(select(Organisation)).scalars()}
    return users, organisations


def _texts(html: str, selector_class: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for item in re.findall(rf'<li class="{selector_class}">(.*?)</li>', html, re.S)
    ]


# What anyone can do without a service: the public tiles of the smartcards, the register and the dossiers.
PUBLIC_TILES = [
    "Registratie aanvragen Registreer uw zorgorganisatie voor smartcards. U heeft een geldige UZI-zorgverlenerspas "
    "nodig.",
    "Ik wil een organisatie valideren Uw aanvraag is verwerkt? Valideer uw organisatie met uw "
    "UZI-zorgverlenerspas en registreer u als administrator.",
    "Ik wil een smartcard aanmaken Maak met uw UZI-pas uw eigen ZORG-ID Smartcard aan.",
    "Personenregister kinderopvang Koppel als kinderopvangorganisatie of gastouderbureau personen met eHerkenning, "
    "of schrijf u als persoon in met DigiD.",
    "Digitaal Doorstroomdossier Het dossier waarmee een leerling van het vmbo doorstroomt naar het mbo: voor "
    "leerlingen, mentoren en decanen.",
]


def test_start_page_tiles_say_what_a_service_is_for_and_what_waits(demo, client):
    from webapp.core.timeutil import utcnow
    from webapp.passes.models import PassRequest

    users, organisations = demo
    deby, roc = users["deby@herenbos.example"], organisations["ROC Kop van Noord-Holland"]
    for status in ("available", "available", "expired", "building"):
        db.session.add(
            PassRequest(
                user_id=deby.id,
                organisation_id=roc.id,
                idempotency_key=f"tile-{status}-{utcnow().timestamp()}",
                status=status,
                expires_at=utcnow() + timedelta(days=7 if status != "expired" else -1),
            )
        )
    db.session.commit()
    login(client, "deby@herenbos.example", DEMO_PASSWORD, organisation=roc.id)
    tiles = _texts(client.get("/").get_data(as_text=True), "tile")
    assert tiles == [
        "Digitale pasjes Digitale pasjes (PDF) van kwalificatiehouders van uw organisatie aanvragen en downloaden. "
        "2 verzoeken beschikbaar",
        "Cursussen Inschrijven voor cursussen, uw inschrijvingen, resultaten en facturen bekijken.",
        *PUBLIC_TILES,
    ]

    client.post("/uitloggen")
    login(client, "martin.sommer@herenbos.example", DEMO_PASSWORD, organisation=organisations["Herenbos Schagen"].id)
    tiles = _texts(client.get("/").get_data(as_text=True), "tile")
    assert tiles == [  # no passes mandate: no passes tile; one enrolment to come
        "Cursussen Inschrijven voor cursussen, uw inschrijvingen, resultaten en facturen bekijken. "
        "1 inschrijving voor een komende cursus",
        *PUBLIC_TILES,
    ]

    client.post("/uitloggen")  # a visitor sees the public tiles under the login button
    assert _texts(client.get("/").get_data(as_text=True), "tile") == PUBLIC_TILES


def _menu(html: str, summary: str) -> list[str]:
    """The labels of the links in the header's menu (a <details>) whose summary starts with `summary`."""
    found = re.search(rf"<summary>(?:<[^>]+>)?{summary}.*?</summary>\s*<ul>(.*?)</ul>", html, re.S)
    assert found, f"no menu {summary!r}"
    return [re.sub(r"<[^>]+>", "", label).strip() for label in re.findall(r"<a [^>]*>(.*?)</a>", found.group(1))]


def test_header_offers_mijn_onderwijsgroep_and_a_labelled_account_menu(demo, client):
    users, organisations = demo
    login(client, "deby@herenbos.example", DEMO_PASSWORD, organisation=organisations["Herenbos Schagen"].id)
    page = client.get("/").get_data(as_text=True)
    header = page[page.index("<header") : page.index("</header>")]
    assert _menu(header, "Mijn Onderwijsgroep") == [
        "Persoonlijke gegevens",
        "Organisatiegegevens",
        "Digitaal Dossier",
        "Facturen",
        "Cursussen",
    ]
    assert re.search(r"<summary><span class=\"menu-label\">Mijn account:</span> Deby Rummens - Heijnen", header)
    assert "U handelt namens <strong>Herenbos Schagen</strong>" in header  # the banner inside the header landmark
    for href in re.findall(r'<a href="(/[^"]*)"', header):  # Smartcards asks for EH2+ first: the step-up page
        assert client.get(href, follow_redirects=True).status_code == 200, href

    client.post("/uitloggen")
    login(client, "jan.visser@example.nl", DEMO_PASSWORD)  # a person, for no organisation
    header = client.get("/").get_data(as_text=True).split("</header>")[0]
    assert _menu(header, "Mijn Onderwijsgroep") == [
        "Persoonlijke gegevens",
        "Digitaal Dossier",
        "Facturen",
        "Cursussen",
    ]


def test_footer_links_the_privacy_and_accessibility_statements_and_contact(app, client):
    app.config.update(
        ORGANISATION_NAME="Stichting Vakbekwaam",
        CONTACT_EMAIL="vragen@vakbekwaam.example",
        CONTACT_PHONE="072 123 45 67",
    )
    page = client.get("/").get_data(as_text=True)
    footer = page[page.index("<footer") :]
    links = re.findall(r'<a href="(/[^"]+)">([^<]+)</a>', footer)
    assert {("/contact", "Contact"), ("/privacyverklaring", "Privacyverklaring")} <= set(links)
    assert ("/toegankelijkheidsverklaring", "Toegankelijkheidsverklaring") in links
    for path, heading in (
        ("/contact", "Contact"),
        ("/privacyverklaring", "Privacyverklaring"),
        ("/toegankelijkheidsverklaring", "Toegankelijkheidsverklaring"),
    ):
        response = client.get(path)
        text = response.get_data(as_text=True)
        assert response.status_code == 200 and f"<h1>{heading}</h1>" in text, path
        assert "Stichting Vakbekwaam" in text and 'href="mailto:vragen@vakbekwaam.example"' in text, path
    assert 'href="tel:0721234567"' in client.get("/contact").get_data(as_text=True)


def test_person_search_button_is_an_svg_icon_with_a_text_label(demo, client):
    from sqlalchemy import select

    from webapp.courses.models import Event

    users, organisations = demo
    event = db.session.execute(select(Event).where(Event.name == "LV Optimaal bespuiten (VT)")).scalar_one()
    login(client, "deby@herenbos.example", DEMO_PASSWORD, organisation=organisations["Herenbos Schagen"].id)
    page = client.get(f"/cursussen/evenement/{event.id}/inschrijven?deelnemer=0").get_data(as_text=True)
    button = re.search(r'<button type="submit" class="button search-button">(.*?)</button>', page, re.S).group(1)
    assert button.startswith('<svg class="icon" aria-hidden="true"') and button.endswith("</svg> Zoeken")
    assert "\U0001f50d" not in page  # no emoji, which shows as an empty box without an emoji font
