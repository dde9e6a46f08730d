"""Verwijder alle empties the selection only after a confirmation, which works without JavaScript."""

import re

from webapp.extensions import db
from webapp.passes import services


def test_remove_all_asks_first_and_returns_to_the_filtered_list(contact_client, world):
    services.add_to_selection(
        world.acting(), [world.holder_organisation(world.knightley).id, world.holder_organisation(world.tester).id]
    )
    db.session.commit()
    page = contact_client.get("/pasjes?zoek=knight").get_data(as_text=True)
    assert 'action="/pasjes/selectie/alle-verwijderen"' not in page  # no one-click post on the list
    link = re.search(r'<a class="button" href="(/pasjes/selectie/alle-verwijderen[^"]*)">Verwijder alle</a>', page)
    assert link and "zoek=knight" in link.group(1)

    confirm = contact_client.get(link.group(1).replace("&amp;", "&"))
    body = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Weet u zeker dat u alle 2 kwalificatiehouders uit de selectie wilt verwijderen?" in body
    assert 'class="button warning"' in body and 'href="/pasjes?zoek=knight">Annuleren</a>' in body
    assert services.selection_summary(world.acting()).count == 2  # asking changes nothing

    form = re.search(r'<form method="post" action="/pasjes/selectie/alle-verwijderen".*?</form>', body, re.S).group(0)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    done = contact_client.post("/pasjes/selectie/alle-verwijderen", data=fields)
    assert done.status_code == 303 and done.headers["Location"] == "/pasjes?zoek=knight"
    assert services.selection_summary(world.acting()).count == 0


def test_remove_all_with_an_empty_selection_says_so(contact_client, world):
    body = contact_client.get("/pasjes/selectie/alle-verwijderen").get_data(as_text=True)
    assert "Uw selectie is leeg" in body and 'href="/pasjes">Terug</a>' in body
    assert "button warning" not in body
