"""Uw koppelingen: the organisation sees its own links (BSN masked as *****1234), filtered by Huidig / Gepland te
ontkoppelen / Ontkoppeld / Alle, searched by the start of a name part or by full BSN (posted: never in a URL),
sorted by its column headers and paged; another organisation's links never show."""

import re
from datetime import timedelta

from sqlalchemy import select

from tests.register.support import as_organisation, childcare_organisation, enrolled_person, valid_bsn
from webapp.core.timeutil import today_local, utcnow
from webapp.extensions import db
from webapp.register.models import Link, RegisteredPerson

URL = "/personenregister/organisatie/koppelingen"
BSN_WINTER, BSN_JANSEN, BSN_BAKKER, BSN_SMIT = "111222333", "123456782", "999999990", "555555550"


def _link(person, organisation, *, days_ago, state="linked", unlink_in=None, unlinked_days_ago=None):
    now = utcnow()
    link = Link(
        person=person,
        organisation=organisation,
        state=state,
        linked_at=now - timedelta(days=days_ago),
        unlink_on=today_local() + timedelta(days=unlink_in) if unlink_in else None,
        unlinked_at=now - timedelta(days=unlinked_days_ago) if unlinked_days_ago is not None else None,
        unlinked_by="unlink" if state == "unlinked" else "",
    )
    db.session.add(link)
    db.session.commit()
    return link


def _world(factory):
    ours = childcare_organisation(factory, "Kinderopvang Eigen")
    theirs = childcare_organisation(factory, "Kinderopvang Ander")
    winter = enrolled_person(BSN_WINTER, first_name="Roos", infix="de", last_name="Winter")
    jansen = enrolled_person(BSN_JANSEN, first_name="Jan", last_name="Jansen")
    bakker = enrolled_person(BSN_BAKKER, first_name="Piet", last_name="Bakker")
    smit = enrolled_person(BSN_SMIT, first_name="Anna", last_name="Smit")
    _link(winter, ours, days_ago=10)
    _link(jansen, ours, days_ago=20, unlink_in=14)
    _link(bakker, ours, days_ago=30, state="unlinked", unlinked_days_ago=5)
    _link(smit, theirs, days_ago=5)
    return ours, theirs


def _names(html: str) -> list[str]:
    return re.findall(r'<td><a href="/personenregister/organisatie/koppelingen/\d+">([^<]+)</a></td>', html)


def test_the_list_shows_current_links_with_masked_bsns(app, client, factory):
    ours, _ = _world(factory)
    as_organisation(client, ours)
    page = client.get(URL)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert _names(html) == ["Jan Jansen", "Roos de Winter"]  # Huidig, by name; not Bakker (unlinked), not Smit
    assert "*****2333" in html and "*****6782" in html
    assert BSN_WINTER not in html and BSN_JANSEN not in html
    assert "Ontkoppelen op " + (today_local() + timedelta(days=14)).strftime("%d-%m-%Y") in html
    assert "2 koppelingen gevonden" in html


def test_filters(app, client, factory):
    ours, _ = _world(factory)
    as_organisation(client, ours)
    assert _names(client.get(URL + "?status=gepland").get_data(as_text=True)) == ["Jan Jansen"]
    unlinked = client.get(URL + "?status=ontkoppeld").get_data(as_text=True)
    assert _names(unlinked) == ["Piet Bakker"]
    assert (utcnow() - timedelta(days=5)).strftime("%d-%m-%Y") in unlinked
    assert _names(client.get(URL + "?status=alle").get_data(as_text=True)) == [
        "Piet Bakker",
        "Jan Jansen",
        "Roos de Winter",
    ]


def test_search_by_the_start_of_a_name_part(app, client, factory):
    ours, _ = _world(factory)
    as_organisation(client, ours)
    search = lambda text: _names(client.get(URL, query_string={"status": "alle", "zoek": text}).get_data(as_text=True))  # noqa: E731
    assert search("win") == ["Roos de Winter"]
    assert search("ROOS") == ["Roos de Winter"]
    assert search("de") == ["Roos de Winter"]  # the infix is a part too
    assert search("ja") == ["Jan Jansen"]
    assert search("jan win") == []  # every word must match a part of the same name
    assert search("ansen") == []  # the start of a part, not the middle
    assert search("smit") == []  # another organisation's person
    assert search("%_") == [] and search("12") == []


def test_search_by_full_bsn_goes_by_post_and_never_into_the_url(app, client, factory):
    ours, _ = _world(factory)
    as_organisation(client, ours)
    answer = client.post(URL + "/zoeken-op-bsn", data={"bsn": "123.456.782"})
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert "123456782" not in location and "6782" not in location
    html = client.get(location).get_data(as_text=True)
    assert _names(html) == ["Jan Jansen"] and "1 koppeling gevonden" in html
    # the search id carries on through a sort, and means nothing in another browser
    assert "bsn-zoekopdracht=" in location
    other = app.test_client()
    as_organisation(other, ours)
    elsewhere = other.get(location).get_data(as_text=True)
    assert (
        "zoekopdracht op BSN is verlopen" in elsewhere and "Jan Jansen" in elsewhere and "Roos de Winter" in elsewhere
    )


def test_a_bsn_search_for_another_organisations_person_or_a_bad_bsn(app, client, factory):
    ours, _ = _world(factory)
    as_organisation(client, ours)
    html = client.get(client.post(URL + "/zoeken-op-bsn", data={"bsn": BSN_SMIT}).headers["Location"]).get_data(
        as_text=True
    )
    assert _names(html) == [] and "0 koppelingen gevonden" in html
    refused = client.post(URL + "/zoeken-op-bsn", data={"bsn": "123456789"})
    assert refused.status_code == 400
    assert "Vul een geldig BSN in: 9 cijfers die de elfproef doorstaan." in refused.get_data(as_text=True)
    letters = client.post(URL + "/zoeken-op-bsn", data={"bsn": "12345678a"})
    assert letters.status_code == 400


def test_sorts(app, client, factory):
    ours, _ = _world(factory)
    as_organisation(client, ours)
    names = lambda **args: _names(client.get(URL, query_string={"status": "alle", **args}).get_data(as_text=True))  # noqa: E731
    assert names(sort="naam", richting="desc") == ["Roos de Winter", "Jan Jansen", "Piet Bakker"]
    assert names(sort="gekoppeld") == ["Piet Bakker", "Jan Jansen", "Roos de Winter"]  # oldest first
    assert names(sort="gekoppeld", richting="desc") == ["Roos de Winter", "Jan Jansen", "Piet Bakker"]
    # ontkoppeld op: the unlinked first (by date), then the planned date, then those with neither
    assert names(sort="ontkoppeld") == ["Piet Bakker", "Jan Jansen", "Roos de Winter"]
    assert names(sort="ontkoppeld", richting="desc") == ["Roos de Winter", "Jan Jansen", "Piet Bakker"]


def test_pages(app, client, factory):
    ours = childcare_organisation(factory)
    for number in range(30):
        person = enrolled_person(valid_bsn(number), first_name="Kind", last_name=f"Achternaam{number:02d}")
        _link(person, ours, days_ago=number + 1)
    as_organisation(client, ours)
    first = client.get(URL).get_data(as_text=True)
    assert len(_names(first)) == 25 and "Pagina 1 van 2" in first
    second = client.get(URL + "?pagina=2").get_data(as_text=True)
    assert _names(second) == [f"Kind Achternaam{number:02d}" for number in range(25, 30)]
    assert _names(client.get(URL + "?pagina=99").get_data(as_text=True)) == _names(second)  # past the end: the last


def test_htmx_gets_the_list_alone(app, client, factory):
    ours, _ = _world(factory)
    as_organisation(client, ours)
    answer = client.get(URL + "?zoek=win", headers={"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    assert "<html" not in html and 'id="link-list"' in html and _names(html) == ["Roos de Winter"]
    assert answer.headers["HX-Push-Url"] == URL + "?zoek=win"
    assert "HX-Request" in answer.headers["Vary"]


def test_without_an_organisation_session_the_list_is_not_shown(app, client, factory):
    _world(factory)
    answer = client.get(URL)
    assert answer.status_code == 302 and "/personenregister" in answer.headers["Location"]
    assert client.post(URL + "/zoeken-op-bsn", data={"bsn": BSN_JANSEN}).status_code == 404


def test_a_changed_name_is_what_the_list_sorts_and_searches_by(app, client, factory):
    ours, _ = _world(factory)
    winter = db.session.scalar(select(RegisteredPerson).where(RegisteredPerson.bsn_is(BSN_WINTER)))
    winter.set_name("Roos", "", "Aalbers")
    db.session.commit()
    as_organisation(client, ours)
    assert _names(client.get(URL).get_data(as_text=True)) == ["Roos Aalbers", "Jan Jansen"]
    assert _names(client.get(URL + "?zoek=aal").get_data(as_text=True)) == ["Roos Aalbers"]
    assert _names(client.get(URL + "?zoek=win").get_data(as_text=True)) == []


def test_names_with_quotes_backslashes_and_tabs_are_found(app, client, factory):
    ours = childcare_organisation(factory)
    odd = enrolled_person(BSN_WINTER, first_name='Jo"ke', infix="", last_name="d'Arc\\ Tab\tbed")
    _link(odd, ours, days_ago=1)
    as_organisation(client, ours)
    for typed in ('jo"k', "d'arc\\", "tab"):
        assert _names(client.get(URL, query_string={"zoek": typed}).get_data(as_text=True)) != [], typed
