"""What every logged-in page carries, and Organisatie kiezen when a page needs an organisation."""

from lxml import html

from tests.factories import login

LANDMARKS = {"header", "main", "footer", "nav", "aside"}


def _in_landmark(element) -> bool:
    for ancestor in element.iterancestors():
        if ancestor.tag in LANDMARKS:
            return True
        if (ancestor.tag == "section" or ancestor.get("role") == "region") and ancestor.get("aria-label"):
            return True
    return False


def test_the_acting_banner_is_inside_a_landmark(app, client, factory):
    organisation = factory.organisation("Herenbos Schagen")
    user = factory.user()
    factory.member(user, organisation, role="admin")
    login(client, user.email, organisation=organisation.id)
    for url in ("/", "/mijn-gegevens", "/mijn-organisatie"):
        tree = html.fromstring(client.get(url).get_data(as_text=True))
        [banner] = tree.xpath("//*[contains(@class, 'acting-banner')]")
        assert "U handelt namens" in banner.text_content()
        assert _in_landmark(banner), url


def test_choosing_own_name_for_a_page_that_needs_an_organisation_says_why(app, client, factory):
    organisation = factory.organisation("Herenbos Schagen")
    user = factory.user()
    factory.member(user, organisation, role="contact")
    login(client, user.email, organisation="person")

    bounced = client.get("/mijn-organisatie")
    assert bounced.status_code == 302
    page = client.get(bounced.headers["Location"]).get_data(as_text=True)
    assert "Deze pagina is er alleen namens een organisatie." in page
    assert "Herenbos Schagen" in page

    # choosing the own name again does not send the user round without a word
    response = client.post(bounced.headers["Location"], data={"context": "person"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Deze pagina is er alleen namens een organisatie. Kies een organisatie." in text
    assert f'value="{organisation.id}"' in text

    chosen = client.post(bounced.headers["Location"], data={"context": str(organisation.id)})
    assert chosen.status_code == 303 and chosen.headers["Location"] == "/mijn-organisatie"
    assert client.get("/mijn-organisatie").status_code == 200


def test_a_person_without_organisations_hears_that_the_page_is_for_organisations(app, client, factory):
    user = factory.user()
    login(client, user.email)
    bounced = client.get("/mijn-organisatie")
    page = client.get(bounced.headers["Location"]).get_data(as_text=True)
    assert "Deze pagina is er alleen namens een organisatie." in page
    assert "U bent bij geen organisatie contactpersoon" in page
