"""Uw koppelingen's name search reads the search words' rows alone, which carry the link's name, state and dates
(register_0005, kept by database triggers): a search with a status filter follows an unlink, a planned unlink (set
and cleared), the planned-unlink job and a person's rename; and every sort of a search, with every status filter,
lists what the unsearched list lists, filtered to the matching names, in the same order, whichever way the search
pages (word by word, by sorting its hits, or testing each link in the list's order)."""

import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.register.support import as_organisation, childcare_organisation, enrolled_person, valid_bsn
from webapp.core import paging
from webapp.core.jobs import perform
from webapp.core.timeutil import format_date, today_local, utcnow
from webapp.extensions import db
from webapp.register import jobs, links
from webapp.register.actors import OrganisationActor
from webapp.register.models import Link, LinkWord, RegisteredPerson

URL = "/personenregister/organisatie/koppelingen"


def _names(html: str) -> list[str]:
    return re.findall(r'<td><a href="/personenregister/organisatie/koppelingen/\d+">([^<]+)</a></td>', html)


def _link(person, organisation, *, days_ago=10, unlink_on=None) -> Link:
    link = Link(person=person, organisation=organisation, linked_at=utcnow() - timedelta(days=days_ago))
    link.unlink_on = unlink_on
    db.session.add(link)
    db.session.commit()
    return link


def _search(client, text: str, status: str) -> list[str]:
    return _names(client.get(URL, query_string={"status": status, "zoek": text}).get_data(as_text=True))


def test_a_search_with_a_status_follows_an_unlink(app, client, factory):
    ours = childcare_organisation(factory)
    link = _link(enrolled_person(valid_bsn(1), first_name="Jan", last_name="Jansen"), ours)
    _link(enrolled_person(valid_bsn(2), first_name="Janneke", last_name="Bos"), ours)
    as_organisation(client, ours)
    assert _search(client, "jan", "huidig") == ["Janneke Bos", "Jan Jansen"]
    assert _search(client, "jan", "ontkoppeld") == []
    assert client.post(f"{URL}/{link.id}/verbreken").status_code == 303
    assert _search(client, "jan", "huidig") == ["Janneke Bos"]
    assert _search(client, "jan jansen", "ontkoppeld") == ["Jan Jansen"]
    assert _search(client, "jan", "alle") == ["Janneke Bos", "Jan Jansen"]
    html = client.get(URL, query_string={"status": "ontkoppeld", "zoek": "jansen"}).get_data(as_text=True)
    assert format_date(utcnow()) in html  # the row's unlink date (the link's own, read for the page)


def test_a_search_with_a_status_follows_a_planned_unlink_set_and_cleared(app, client, factory):
    ours = childcare_organisation(factory)
    link = _link(enrolled_person(valid_bsn(1), first_name="Roos", infix="de", last_name="Winter"), ours)
    as_organisation(client, ours)
    assert _search(client, "roos de", "gepland") == []
    later = today_local() + timedelta(days=20)
    client.post(f"{URL}/{link.id}/ontkoppelen-op", data={"unlink_on": later.isoformat()})
    assert _search(client, "roos de", "gepland") == ["Roos de Winter"]
    assert _search(client, "win", "huidig") == ["Roos de Winter"]
    client.post(f"{URL}/{link.id}/ontkoppelen-op", data={"actie": "wissen"})
    assert _search(client, "roos de", "gepland") == []
    assert _search(client, "roos de", "huidig") == ["Roos de Winter"]


def test_a_search_with_a_status_follows_the_planned_unlink_job(app, client, factory):
    ours = childcare_organisation(factory)
    due = today_local() + timedelta(days=3)
    _link(enrolled_person(valid_bsn(1), first_name="Piet", last_name="Visser"), ours, unlink_on=due)
    as_organisation(client, ours)
    assert _search(client, "visser", "gepland") == ["Piet Visser"]
    start_of_day = datetime.combine(due, datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
    assert perform(jobs.unlink_planned, start_of_day) == "1 koppeling(en) ontkoppeld"
    assert _search(client, "visser", "gepland") == []
    assert _search(client, "visser", "huidig") == []
    assert _search(client, "piet", "ontkoppeld") == ["Piet Visser"]


def test_a_search_with_a_status_follows_a_rename(app, client, factory):
    ours = childcare_organisation(factory)
    person = enrolled_person(valid_bsn(1), first_name="Roos", infix="de", last_name="Winter")
    link = _link(person, ours)
    as_organisation(client, ours)
    assert client.post(f"{URL}/{link.id}/verbreken").status_code == 303
    person = db.session.get(RegisteredPerson, person.id)
    person.set_name("Roos", "", "Aalbers")
    db.session.commit()
    assert _search(client, "aal", "ontkoppeld") == ["Roos Aalbers"]
    assert _search(client, "aal", "huidig") == []
    assert _search(client, "win", "ontkoppeld") == [] and _search(client, "de", "alle") == []
    rows = db.session.execute(select(LinkWord.word, LinkWord.previous_word, LinkWord.state, LinkWord.sort_name)).all()
    assert sorted(rows) == [
        ("aalbers", "", "unlinked", "aalbers roos"),
        ("roos", "aalbers", "unlinked", "aalbers roos"),
    ]


FIRST = ["Jan", "Janneke", "Vera", "Anna", "Joris", "Vos"]
LAST = [("", "Jansen"), ("van", "Dijk"), ("de", "Vries"), ("", "Visser"), ("van der", "Veen"), ("", "Bakker")]


def _many_links(factory):
    """Links of every state and date, among names that share words and prefixes (some twice in one name: "Vos van
    Veen"), and the same person linked twice; with another organisation's links of the same names."""
    rng = random.Random(16)
    ours, theirs = childcare_organisation(factory), childcare_organisation(factory)
    now = utcnow()
    for number in range(50):
        infix, last = rng.choice(LAST)
        person = enrolled_person(valid_bsn(number), first_name=rng.choice(FIRST), infix=infix, last_name=last)
        link = Link(person=person, organisation=theirs if number % 7 == 0 else ours)
        link.linked_at = now - timedelta(days=rng.randrange(1, 30), seconds=rng.randrange(0, 3) * 3600)
        roll = rng.random()
        if roll < 0.3:
            link.state, link.unlinked_by = "unlinked", "unlink"
            link.unlinked_at = now - timedelta(days=rng.choice([0, 1, 2]))
        elif roll < 0.55:
            link.unlink_on = today_local() + timedelta(days=rng.choice([5, 6, 7]))
        db.session.add(link)
        if number % 10 == 3:  # linked before, with this organisation
            db.session.add(
                Link(
                    person=person,
                    organisation=ours,
                    state="unlinked",
                    unlinked_by="unlink",
                    linked_at=now - timedelta(days=90),
                    unlinked_at=now - timedelta(days=60),
                )
            )
    db.session.commit()
    return ours


def _every_page(actor, filters) -> list[int]:
    ids, page = [], 1
    while True:
        found = links.link_list(actor, links.Filters(**{**filters, "page": page}))
        ids += [row.id for row in found.rows]
        if found.page >= found.pages:
            return ids
        page += 1


@pytest.mark.parametrize("way", ["word runs", "sorted hits", "tested per link"])
def test_every_sort_of_a_search_is_the_unsearched_list_filtered(app, factory, monkeypatch, way):
    ours = _many_links(factory)
    if way == "word runs":  # the name order word by word; the other orders sorted
        monkeypatch.setattr(links, "RUNS_FROM", 1)
    elif way == "sorted hits":
        monkeypatch.setattr(links, "RUNS_FROM", 10**9)
    else:  # every word common, too many runs: every order tested per link
        monkeypatch.setattr(links, "RUNS_FROM", 0)
        monkeypatch.setattr(links, "MAX_RUNS", 0)
        monkeypatch.setattr(links, "COMMON_WORD", 0)
    monkeypatch.setattr(links, "PAGE_SIZE", 6)  # many pages, so the page's offset and end matter
    monkeypatch.setattr(paging, "PAGE_SIZE", 6)
    found_some = 0
    with app.test_request_context():
        actor = OrganisationActor(ours, "eherkenning", "EH2+", subject="test")
        names = dict(db.session.execute(select(Link.id, Link.sort_name).where(Link.organisation_id == ours.id)).all())
        for status in links.STATUSES:
            for sort in links.SORTS:
                for direction in ("asc", "desc"):
                    filters = dict(status=status, sort=sort, direction=direction)
                    unsearched = _every_page(actor, filters)
                    for search in ("v", "jan", "van v", "vos v", "de vries", "j v", "xq"):
                        words = search.split()
                        expected = [
                            link_id
                            for link_id in unsearched
                            if all(any(part.startswith(word) for part in names[link_id].split()) for word in words)
                        ]
                        found = _every_page(actor, {**filters, "search": search})
                        assert found == expected, (search, status, sort, direction)
                        found_some += len(found) > 6  # more than a page
    assert found_some > 40, found_some  # of the 144 cases; more than a page
