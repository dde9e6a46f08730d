"""The student's home and Nieuw dossier: all their dossiers always (archived ones marked, a college that does not
take part said so), the catalogue searched (a page without JavaScript, a fragment for htmx), a dossier started in
part A, the same programme twice refused while the first is not archived, another student's dossier not theirs."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.dossiers import support
from tests.factories import login
from webapp.core import onetimecodes
from webapp.core.errors import NotFound
from webapp.dossiers import codes, part_a, students
from webapp.dossiers.models import Answer, Dossier
from webapp.dossiers.student_views import open_url
from webapp.extensions import db

HOME = "/doorstroomdossier/mijn-dossiers"
NEW_DOSSIER = "/doorstroomdossier/nieuw-dossier"


@pytest.fixture
def catalogue(factory):
    utrecht = support.college(
        factory,
        "MBO Utrecht (Is nieuwe naam ROC ASA)",
        programmes=(("Juridisch secretaresse", 4, "BOL"), ("Toezicht en veiligheid", 3, "BOL")),
    )
    grafisch = support.college(
        factory, "Grafisch Lyceum Rotterdam", takes_part=False, programmes=(("Art & Design", 4, "BOL"),)
    )
    return {p.name: p for college in (utrecht, grafisch) for p in college.programmes}


def _student(app, factory, school=None, *, activated=True):
    user = factory.user()
    pupil = support.student(school or support.school(factory), user=user, first_name="Roos")
    if activated:
        code = onetimecodes.issue(codes.PURPOSE, codes.subject(pupil), timedelta(days=30))
        students.activate(pupil, code, address="192.0.2.1")
        db.session.commit()
    client = app.test_client()
    login(client, user.email)
    return client, pupil


def _dossiers(pupil) -> list[Dossier]:
    return list(db.session.scalars(select(Dossier).where(Dossier.student_id == pupil.id).order_by(Dossier.id)))


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_home_lists_all_the_students_dossiers(app, factory, catalogue):
    client, pupil = _student(app, factory)
    _, other = _student(app, factory)
    support.dossier(pupil, catalogue["Juridisch secretaresse"], state="sent_to_mentor")
    archived = support.dossier(pupil, catalogue["Art & Design"])
    archived.archived = True
    db.session.commit()
    support.dossier(other, catalogue["Toezicht en veiligheid"])

    page = _text(client.get(HOME))
    juridisch = catalogue["Juridisch secretaresse"]
    assert f"Juridisch secretaresse (4 - BOL - Australiëlaan 23 - {juridisch.code})" in page
    assert "MBO Utrecht (Is nieuwe naam ROC ASA) (Utrecht)" in page and "Verstuurd naar mentor" in page
    assert "Art &amp; Design" in page and "Gearchiveerd" in page and "Deel A invullen" in page
    assert "neemt (nog) niet deel aan het DDD" in page
    assert "Toezicht en veiligheid" not in page  # another student's
    assert page.count(">Openen<span") == 2  # each of the student's dossiers opens on its part A


def test_the_home_says_when_there_are_no_dossiers_yet(app, factory):
    client, _ = _student(app, factory)
    assert "Je hebt nog geen dossiers." in _text(client.get(HOME))


def test_the_catalogue_is_searched_with_and_without_javascript(app, factory, catalogue):
    client, _ = _student(app, factory)
    everything = _text(client.get(NEW_DOSSIER))
    assert all(name.replace("&", "&amp;") in everything for name in catalogue)
    assert "neemt deel aan het DDD" in everything and "neemt (nog) niet deel aan het DDD" in everything

    found = _text(client.get(NEW_DOSSIER, query_string={"zoek": "juridisch"}))
    assert "Juridisch secretaresse" in found and "Toezicht en veiligheid" not in found and "Art &amp;" not in found
    by_city = _text(client.get(NEW_DOSSIER, query_string={"zoek": "rotterdam"}))
    assert "Art &amp; Design" in by_city and "Juridisch" not in by_city

    utrecht_id = catalogue["Toezicht en veiligheid"].college_id
    one_college = _text(client.get(NEW_DOSSIER, query_string={"instelling": utrecht_id}))
    assert (
        "Toezicht en veiligheid" in one_college
        and "Art &amp; Design" not in one_college.split('id="catalogue-results"')[1]
    )

    fragment = client.get(NEW_DOSSIER, query_string={"zoek": "toezicht"}, headers={"HX-Request": "true"})
    body = _text(fragment)
    assert not body.lstrip().lower().startswith("<!doctype") and 'id="catalogue-results"' in body
    assert "Toezicht en veiligheid" in body and "Juridisch" not in body
    assert 'data-hx-swap-oob="innerHTML"' in body  # the count, out of band
    assert fragment.headers["HX-Push-Url"] == f"{NEW_DOSSIER}?zoek=toezicht"
    assert "HX-Request" in fragment.headers["Vary"]

    nothing = _text(client.get(NEW_DOSSIER, query_string={"zoek": "sterrenkunde"}))
    assert 'Er is geen opleiding gevonden met "sterrenkunde"' in nothing


def test_choosing_a_programme_starts_a_dossier_in_part_a(app, factory, catalogue):
    client, pupil = _student(app, factory)
    programme = catalogue["Juridisch secretaresse"]
    response = client.post(NEW_DOSSIER, data={"programme_id": programme.id})
    assert response.status_code == 303
    (dossier,) = _dossiers(pupil)
    assert (dossier.programme_id, dossier.state, dossier.archived) == (programme.id, "part_a", False)
    with app.test_request_context():
        expected = open_url(dossier) or HOME  # its part A overview once that branch is merged, else the home
    assert response.headers["Location"] == expected
    assert "Je dossier voor Juridisch secretaresse is aangemaakt." in _text(client.get(expected))

    # a programme of a college that does not take part may be chosen too
    assert client.post(NEW_DOSSIER, data={"programme_id": catalogue["Art & Design"].id}).status_code == 303
    assert len(_dossiers(pupil)) == 2


def test_the_same_programme_twice_is_refused_until_the_first_is_archived(app, factory, catalogue):
    client, pupil = _student(app, factory)
    programme = catalogue["Juridisch secretaresse"]
    assert client.post(NEW_DOSSIER, data={"programme_id": programme.id}).status_code == 303
    listed = _text(client.get(NEW_DOSSIER, query_string={"zoek": "juridisch"}))
    assert "Je hebt al een dossier voor deze opleiding." in listed and "Kies deze opleiding" not in listed
    again = client.post(NEW_DOSSIER, data={"programme_id": programme.id})  # a page from before, or a second tab
    assert again.status_code == 409
    assert "Je hebt al een dossier voor Juridisch secretaresse bij MBO Utrecht" in _text(again)
    assert len(_dossiers(pupil)) == 1

    first = _dossiers(pupil)[0]
    first.archived = True
    db.session.commit()
    assert client.post(NEW_DOSSIER, data={"programme_id": programme.id}).status_code == 303
    assert len(_dossiers(pupil)) == 2


def test_a_programme_that_is_not_there_is_a_404_and_nonsense_a_400(app, factory, catalogue):
    client, pupil = _student(app, factory)
    assert client.post(NEW_DOSSIER, data={"programme_id": 999999}).status_code == 404
    nonsense = client.post(NEW_DOSSIER, data={"programme_id": "drie"})
    assert nonsense.status_code == 400 and "Kies een opleiding uit de lijst." in _text(nonsense)
    assert _dossiers(pupil) == []


def test_a_student_without_an_activated_code_goes_to_the_code_first(app, factory, catalogue):
    client, pupil = _student(app, factory, activated=False)
    response = client.post(NEW_DOSSIER, data={"programme_id": catalogue["Juridisch secretaresse"].id})
    assert response.status_code == 303 and response.headers["Location"] == "/doorstroomdossier/activatiecode"
    assert _dossiers(pupil) == []


def test_another_students_dossier_is_not_found(app, factory, catalogue):
    _, pupil = _student(app, factory)
    _, other = _student(app, factory)
    theirs = support.dossier(other, catalogue["Juridisch secretaresse"])
    mine = support.dossier(pupil, catalogue["Juridisch secretaresse"])
    assert part_a.get_dossier(pupil, mine.id).id == mine.id
    for dossier_id in (theirs.id, 999999):
        with pytest.raises(NotFound):
            part_a.get_dossier(pupil, dossier_id)


def test_the_students_pages_are_nobody_elses(app, client, factory):
    for path in (HOME, NEW_DOSSIER):
        assert client.get(path).status_code == 302  # to log in
    person = factory.user()
    login(client, person.email)
    for path in (HOME, NEW_DOSSIER):
        assert client.get(path).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Dossier)) == 0


def test_each_dossier_opens_on_its_part_a_overview_with_its_progress(app, factory, catalogue):
    client, pupil = _student(app, factory)
    mine = support.dossier(pupil, catalogue["Art & Design"])
    db.session.add(Answer(dossier_id=mine.id, field="roepnaam", value="Roos"))
    db.session.commit()
    with app.test_request_context():
        overview = open_url(mine)
    assert overview == f"/doorstroomdossier/dossier/{mine.id}"
    page = _text(client.get(HOME))
    assert f'<a href="{overview}">Openen' in page
    assert f"{part_a.progress(mine)}%" in page and part_a.progress(mine) > 0
    response = client.post(NEW_DOSSIER, data={"programme_id": catalogue["Juridisch secretaresse"].id})
    with app.test_request_context():
        assert response.headers["Location"] == open_url(_dossiers(pupil)[-1])
