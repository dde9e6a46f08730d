def test_index_lists_only_own_holders(contact_client, world):
    response = contact_client.get("/pasjes")
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:2000]
    assert "Mevr. K.C. Knightley" in body and "73029884" in body and "1122334455" in body
    assert "Dhr. TT Te Tester" in body
    assert "Buitenstaander" not in body


def test_htmx_details_toggle(contact_client, world):
    holder_organisation = world.holder_organisation(world.knightley).id
    response = contact_client.get(
        f"/pasjes/houders/{holder_organisation}?open=1&zoek=7302", headers={"HX-Request": "true"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:3000]
    assert "j.bos@onsweb.nl" in body and f'id="holder-{holder_organisation}"' in body
    closed = contact_client.get(
        f"/pasjes/houders/{holder_organisation}?open=0", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "j.bos@onsweb.nl" not in closed and "Bekijk details" in closed


def test_filter_form_without_javascript_lands_on_the_clean_url(contact_client, world):
    """The form sends every field, empty or not; the list answers with its bookmarkable address."""
    response = contact_client.get("/pasjes?organisatie=&zoek=Knightley&examentype=&examennummer=&vervaldatum_van=")
    assert response.status_code == 302
    assert response.headers["Location"] == "/pasjes?zoek=Knightley"
    page = contact_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mevr. K.C. Knightley" in page and "Dhr. TT Te Tester" not in page


def test_remove_all_lands_on_the_filtered_list(contact_client, world):
    """ "Verwijder alle" carries the list's filters, as "Voeg alle toe" does (through its confirmation page)."""
    import re

    from webapp.extensions import db
    from webapp.passes import services

    services.add_to_selection(world.acting(), [world.holder_organisation(world.knightley).id])
    db.session.commit()
    page = contact_client.get("/pasjes?zoek=knight&sort=naam").get_data(as_text=True)
    confirm_url = re.search(r'href="(/pasjes/selectie/alle-verwijderen[^"]*)">Verwijder alle', page).group(1)
    confirm = contact_client.get(confirm_url.replace("&amp;", "&")).get_data(as_text=True)
    form = re.search(
        r'<form method="post" action="/pasjes/selectie/alle-verwijderen"[^>]*>(.*?)</form>', confirm, re.S
    ).group(1)
    response = contact_client.post(
        "/pasjes/selectie/alle-verwijderen", data=dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    )
    assert response.status_code == 303 and response.headers["Location"] == "/pasjes?zoek=knight&sort=naam"
    assert "Mevr. K.C. Knightley" in (page := contact_client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Dhr. TT Te Tester" not in page


def test_the_details_row_spans_every_column(app, contact_client, world):
    """Seven columns, or eight with the organisation column of a contact person of several organisations."""
    import re

    from tests.factories import login

    colleague = app.test_client()  # at the ROC only
    login(colleague, "collega@rockopnh.example", organisation=world.roc.id)
    holder_organisation = world.holder_organisation(world.knightley).id
    for client, columns in [(contact_client, 8), (colleague, 7)]:
        page = client.get(f"/pasjes?details={holder_organisation}").get_data(as_text=True)
        head = re.search(r'<table class="table holders">.*?<thead>(.*?)</thead>', page, re.S).group(1)
        assert head.count("<th ") == columns
        assert re.search(r'<tr class="details-row">\s*<td colspan="(\d+)"', page).group(1) == str(columns)


def test_the_caption_names_the_sort_column_as_its_header_does(contact_client, world):
    def caption(query):
        import re

        page = contact_client.get("/pasjes" + query).get_data(as_text=True)
        return re.search(r"<caption[^>]*>(.*?)</caption>", page, re.S).group(1)

    assert caption("") == "Kwalificatiehouders, gesorteerd op Kwalificatienr. (oplopend)"
    assert caption("?sort=extern&richting=desc") == "Kwalificatiehouders, gesorteerd op Extern nummer (aflopend)"
    assert caption("?sort=geboortedatum") == "Kwalificatiehouders, gesorteerd op Geboortedatum (oplopend)"


def result_count(client, url) -> str:
    import re

    page = client.get(url).get_data(as_text=True)
    return " ".join(re.search(r'<p id="result-count"[^>]*>(.*?)</p>', page, re.S).group(1).split())


def test_the_count_counts_rows_as_rows_when_a_holder_is_at_two_organisations(contact_client, world):
    """Knightley at the ROC and at Herenbos is two rows of the list, but one holder: the count says rows."""
    from webapp.extensions import db
    from webapp.passes.importer import upsert_holder

    upsert_holder({"number": "73029884"}, [], [(world.herenbos.id, "")])
    db.session.commit()
    assert result_count(contact_client, "/pasjes").startswith("3 regel(s) gevonden")
    assert "eens per organisatie" in result_count(contact_client, "/pasjes")
    assert result_count(contact_client, f"/pasjes?organisatie={world.roc.id}") == "1 kwalificatiehouder(s) gevonden"
    assert result_count(contact_client, f"/pasjes?organisatie={world.herenbos.id}") == (
        "2 kwalificatiehouder(s) gevonden"
    )
