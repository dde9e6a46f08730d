"""Account flows in headless Chromium against the live portal, mail through real SMTP; every page
reached is scanned with axe."""

from urllib.parse import urlsplit

from tests.browser.fixtures import assert_accessible
from tests.factories import Factory
from tests.mail import links

PASSWORD = "Kade-Brug-84-Lente"


def _mailed_link(smtp, to, subject):
    return links(smtp.wait_for(to=to, subject=subject))[0]


def test_admin_invites_contact_who_activates_chooses_and_edits_data(live_server, smtp, page, page_without_js):
    with live_server.app.app_context():
        factory = Factory(live_server.app)
        herenbos = factory.organisation("Herenbos Schagen")
        gemeente = factory.organisation("Gemeente Heerhugowaard")
        deby = factory.user("deby.browser@herenbos.example", first_name="Deby", last_name="Rummens - Heijnen")
        factory.member(deby, herenbos, role="admin")
        factory.member(deby, gemeente, role="admin")
        herenbos_id, gemeente_id = herenbos.id, gemeente.id
    url = live_server.url

    # Deby logs in with JavaScript (remember me), chooses Herenbos, adds a contact person
    page.goto(f"{url}/inloggen")
    assert_accessible(page)
    page.get_by_label("Gebruikersnaam (e-mailadres)").fill("deby.browser@herenbos.example")
    page.get_by_label("Wachtwoord", exact=True).fill("Zeilboot-Anker-77")
    page.get_by_label("Onthoud mijn gegevens").check()
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/organisatie-kiezen**")
    assert_accessible(page)
    page.get_by_label("Herenbos Schagen").check()
    page.get_by_role("button", name="OK").click()
    page.get_by_text("U handelt namens Herenbos Schagen").wait_for()
    assert_accessible(page)
    page.goto(f"{url}/mijn-organisatie")
    assert_accessible(page)
    page.get_by_role("link", name="Nieuwe contactpersoon").click()
    assert_accessible(page)
    page.get_by_label("E-mailadres").fill("geen-adres")
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("Vul een geldig e-mailadres in.").wait_for()
    assert_accessible(page)
    page.get_by_label("E-mailadres").fill("sanne.browser@herenbos.example")
    page.get_by_label("Voornaam").fill("Sanne")
    page.get_by_label("Achternaam").fill("de Wit")
    page.get_by_label("Digitale pasjes").check()
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("Sanne de Wit is uitgenodigd als contactpersoon").wait_for()
    assert page.get_by_role("cell", name="Digitale pasjes").count() == 1
    assert page.get_by_role("cell", name="Sanne de Wit uitgenodigd").count() == 1
    assert_accessible(page)

    # switch from the name menu to the other organisation
    page.locator("summary", has_text="Deby Rummens - Heijnen").click()
    page.get_by_role("link", name="Organisatie kiezen").click()
    page.get_by_label("Gemeente Heerhugowaard").check()
    page.get_by_role("button", name="OK").click()
    page.get_by_text("U handelt namens Gemeente Heerhugowaard").wait_for()
    assert "Gemeente Heerhugowaard" in page.locator("h1").inner_text()  # back on Mijn organisatie, for the new choice

    # Sanne activates through the mailed link without JavaScript, and edits her data
    link = _mailed_link(smtp, "sanne.browser@herenbos.example", "Activeer")
    nojs = page_without_js
    nojs.goto(link)
    assert_accessible(nojs)
    nojs.get_by_label("Nieuw wachtwoord", exact=True).fill("Sanne-de-Wit-1")
    nojs.get_by_label("Bevestig nieuw wachtwoord").fill("Sanne-de-Wit-1")
    nojs.get_by_role("button", name="Activeren").click()
    nojs.get_by_text("naam of e-mailadres").first.wait_for()
    assert_accessible(nojs)
    nojs.get_by_label("Nieuw wachtwoord", exact=True).fill(PASSWORD)
    nojs.get_by_label("Bevestig nieuw wachtwoord").fill(PASSWORD)
    nojs.get_by_role("button", name="Activeren").click()
    nojs.wait_for_url("**/organisatie-kiezen**")
    nojs.get_by_label("Herenbos Schagen").check()
    nojs.get_by_role("button", name="OK").click()
    nojs.get_by_text("U handelt namens Herenbos Schagen als contactpersoon").wait_for()
    nojs.goto(f"{url}/mijn-gegevens")
    assert_accessible(nojs)
    nojs.get_by_role("link", name="Aanpassen").click()
    nojs.get_by_label("Functie").fill("Planner")
    nojs.get_by_role("button", name="Aanpassen").click()
    nojs.get_by_text("Uw gegevens zijn aangepast.").wait_for()
    assert "Planner" in nojs.content()
    nojs.goto(f"{url}/mijn-organisatie")
    assert_accessible(nojs)
    assert nojs.get_by_role("link", name="Organisatiegegevens aanpassen").count() == 0
    assert nojs.goto(f"{url}/mijn-organisatie/aanpassen").status == 404
    assert_accessible(nojs)

    # logout forgets; the login page no longer has Deby's address
    page.locator("summary", has_text="Mijn account").click()
    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_text("U bent uitgelogd.").wait_for()
    assert page.get_by_label("Gebruikersnaam (e-mailadres)").input_value() == ""
    assert herenbos_id and gemeente_id


def test_reset_password_through_mailed_link_and_edit_my_data_with_htmx(live_server, smtp, page, page_without_js):
    with live_server.app.app_context():
        Factory(live_server.app).user("jan.browser@example.nl", first_name="Jan", last_name="Visser")
    url = live_server.url

    # request a reset without JavaScript: the same answer as for anyone
    nojs = page_without_js
    nojs.goto(f"{url}/inloggen")
    nojs.get_by_role("link", name="Wachtwoord opvragen").click()
    assert_accessible(nojs)
    nojs.get_by_label("Gebruikersnaam (e-mailadres)").fill("jan.browser@example.nl")
    nojs.get_by_role("button").filter(has_text="Versturen").or_(nojs.locator("main button[type=submit]")).first.click()
    nojs.get_by_text("Als dit e-mailadres bij ons bekend is").wait_for()
    assert_accessible(nojs)

    link = _mailed_link(smtp, "jan.browser@example.nl", "wachtwoord")
    page.goto(link)
    assert_accessible(page)
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_label("Bevestig nieuw wachtwoord").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.get_by_text("Uw wachtwoord is gewijzigd.").wait_for()
    page.get_by_text("U handelt op eigen naam").wait_for()
    # the link works once
    assert page.goto(link).status == 404
    assert_accessible(page)

    # edit my data with htmx: the form replaces the details in place
    page.goto(f"{url}/mijn-gegevens")
    assert_accessible(page)
    page.get_by_role("link", name="Aanpassen").click()
    page.get_by_label("Straat").wait_for()
    assert urlsplit(page.url).path == "/mijn-gegevens/aanpassen"
    assert_accessible(page)
    page.get_by_label("Straat").fill("Dorpsstraat")
    page.get_by_label("Huisnummer").fill("3")
    page.get_by_label("Postcode").fill("1234")
    page.get_by_label("Plaats").fill("Hoorn")
    page.get_by_role("button", name="Aanpassen").click()
    page.get_by_text("Vul een postcode in als 1234 AB.").wait_for()
    assert_accessible(page)
    page.get_by_label("Postcode").fill("1621 ab")
    page.get_by_role("button", name="Aanpassen").click()
    page.get_by_text("Uw gegevens zijn aangepast.").wait_for()
    assert "Dorpsstraat 3, 1621 AB Hoorn" in page.content()

    # the new password works, the old one does not
    page.locator("summary", has_text="Mijn account").click()
    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_label("Gebruikersnaam (e-mailadres)").fill("jan.browser@example.nl")
    page.get_by_label("Wachtwoord", exact=True).fill("Zeilboot-Anker-77")
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_text("De combinatie van gebruikersnaam en wachtwoord is onjuist").wait_for()
    assert_accessible(page)
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_text("U handelt op eigen naam").wait_for()
