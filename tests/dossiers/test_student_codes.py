"""The activation code: bound to the student (another student's code is a wrong one), typed in any case with or
without the dash, each refusal's Dutch message on the page, wrong tries bounded (and kept: the request commits
them), and the used code is the record that the student activated."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.dossiers import support
from tests.factories import login
from webapp.core import onetimecodes
from webapp.core.models import OneTimeCode
from webapp.core.timeutil import utcnow
from webapp.dossiers import codes, students
from webapp.extensions import db

ACTIVATE = "/doorstroomdossier/activatiecode"
NEW_DOSSIER = "/doorstroomdossier/nieuw-dossier"


def _code_for(student, days=30) -> str:
    code = onetimecodes.issue(codes.PURPOSE, codes.subject(student), timedelta(days=days))
    db.session.commit()
    return code


def _logged_in_student(app, factory, school):
    user = factory.user()
    pupil = support.student(school, user=user)
    client = app.test_client()
    login(client, user.email)
    return client, pupil


def _typed(client, code):
    return client.post(ACTIVATE, data={"code": code})


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_the_right_code_in_any_case_without_the_dash_activates_the_student(app, factory):
    client, pupil = _logged_in_student(app, factory, support.school(factory))
    code = _code_for(pupil)
    home = _page(client.get("/doorstroomdossier/mijn-dossiers"))
    assert f'href="{ACTIVATE}">Nieuw dossier' in home
    assert client.get(NEW_DOSSIER).headers["Location"] == ACTIVATE
    assert "Vul de activatiecode in" in _page(client.get(ACTIVATE))

    response = _typed(client, " " + code.replace("-", "").lower() + " ")
    assert response.status_code == 303 and response.headers["Location"] == NEW_DOSSIER
    assert students.has_activated(pupil)
    assert f'href="{NEW_DOSSIER}">Nieuw dossier' in _page(client.get("/doorstroomdossier/mijn-dossiers"))
    assert client.get(ACTIVATE).headers["Location"] == NEW_DOSSIER  # once is enough
    assert client.get(NEW_DOSSIER).status_code == 200


def test_another_students_code_is_refused_and_stays_theirs(app, factory):
    school = support.school(factory)
    client, pupil = _logged_in_student(app, factory, school)
    other_client, other = _logged_in_student(app, factory, school)
    _code_for(pupil)
    theirs = _code_for(other)

    refused = _typed(client, theirs)
    assert refused.status_code == 400 and "De code klopt niet." in _page(refused)
    assert not students.has_activated(pupil)
    assert _typed(other_client, theirs).status_code == 303
    assert students.has_activated(other) and not students.has_activated(pupil)


@pytest.mark.parametrize(
    "what, message",
    [
        ("expired", "De code is verlopen."),
        ("replaced", "Deze code is vervangen door een nieuwere code."),
        ("mistyped", "De code klopt niet."),
    ],
)
def test_each_refusal_says_why(app, factory, what, message):
    client, pupil = _logged_in_student(app, factory, support.school(factory))
    code = _code_for(pupil)
    if what == "expired":
        db.session.execute(update(OneTimeCode).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    elif what == "replaced":
        _code_for(pupil)
    elif what == "mistyped":
        code = code[:-1] + ("2" if code[-1] != "2" else "3")
    response = _typed(client, code)
    assert response.status_code == 400
    assert message in _page(response) and 'aria-invalid="true"' in _page(response)
    assert not students.has_activated(pupil)


def test_a_used_code_is_refused(app, factory):
    pupil = support.student(support.school(factory))
    code = _code_for(pupil)
    students.activate(pupil, code, address="192.0.2.1")
    with pytest.raises(onetimecodes.CodeUsed) as used:
        students.activate(pupil, code, address="192.0.2.1")
    assert used.value.message == "Deze code is al gebruikt."


def test_wrong_tries_are_kept_and_bounded(app, factory):
    client, pupil = _logged_in_student(app, factory, support.school(factory))
    code = _code_for(pupil)
    wrong = "ABCD-EFGH" if code != "ABCD-EFGH" else "HGFE-DCBA"
    answers = [_page(_typed(client, wrong)) for _ in range(onetimecodes.MAX_ATTEMPTS)]
    assert all("De code klopt niet." in answer for answer in answers[:-1])
    assert "Te veel pogingen; deze code is geblokkeerd." in answers[-1]
    # each request committed its wrong try: now even the right code is refused
    locked = _typed(client, code)
    assert locked.status_code == 400 and "geblokkeerd" in _page(locked)
    assert not students.has_activated(pupil)


def test_the_code_page_is_only_for_students(app, client, factory):
    assert client.get(ACTIVATE).status_code == 302  # to log in
    person = factory.user()
    login(client, person.email)
    assert client.get(ACTIVATE).status_code == 404
    assert client.post(ACTIVATE, data={"code": "ABCD-EFGH"}).status_code == 404
