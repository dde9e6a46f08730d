"""The Activatiecodes page: what each staff member sees, the single hand-outs (a mail, a printed letter) and who
may do them, also by hand-made posts."""

import pytest

from tests.dossiers.codes_world import code_in, make_world, pdf_pages
from tests.factories import login
from webapp.dossiers import codes

INDEX = "/doorstroomdossier/school/activatiecodes/"


def student_url(student) -> str:
    return f"/doorstroomdossier/school/activatiecodes/leerlingen/{student.id}"


@pytest.fixture
def world(app, factory):
    return make_world(factory)


def logged_in(app, user, school):
    client = app.test_client()
    login(client, user.email, organisation=school.id)
    return client


def row_of(html: str, student) -> str:
    start = html.index(f'id="student-{student.id}"')
    return html[start : html.index("</tr>", start)]


def test_the_counsellor_sees_the_school_and_a_mentor_their_class(app, world):
    page = logged_in(app, world.counsellor, world.school).get(INDEX).get_data(as_text=True)
    assert all(name in page for name in ("Roos de Winter", "Mirjam Hoenderloo", "Jaap Rierink"))
    assert "Sem Elders" not in page
    jaap = row_of(page, world.jaap)
    assert "Geen e-mailadres bekend: print een brief" in jaap
    assert "Per e-mail versturen" not in jaap and "Brief printen" in jaap
    assert "Per e-mail versturen" in row_of(page, world.roos)

    page = logged_in(app, world.mentor_a, world.school).get(INDEX).get_data(as_text=True)
    assert "Roos de Winter" in page and "Jaap Rierink" not in page
    assert 'value="class:' + str(world.class_b.id) not in page  # the bulk choices: only their own class


def test_the_page_is_for_school_staff_only(app, world, factory):
    assert app.test_client().get(INDEX).status_code == 302  # to the login
    outsider = factory.user()
    organisation = factory.organisation("Kinderopvang Elders")
    factory.member(outsider, organisation, role="admin")
    assert logged_in(app, outsider, organisation).get(INDEX).status_code == 404


def test_a_mail_to_one_student(app, world, outbox):
    client = logged_in(app, world.mentor_a, world.school)
    response = client.post(student_url(world.roos), data={"method": "mail"})
    assert response.status_code == 303
    (mail,) = outbox.to("r.dewinter@leerling.example")
    body = mail.get_body().get_content()
    assert mail["Subject"] == codes.MAIL_SUBJECT
    assert "Beste Roos de Winter" in body and "Klik op 'maak een nieuw account'" in body
    code = code_in(body)
    assert f"Vul de volgende activatiecode in: {code}" in body
    page = client.get(INDEX).get_data(as_text=True)
    assert "De activatiecode is per e-mail verstuurd naar Roos de Winter" in page
    assert "e-mail" in row_of(page, world.roos) and "Nog niet gebruikt" in row_of(page, world.roos)
    codes.redeem(world.roos, code, "192.0.2.1")


def test_a_letter_for_one_student_and_a_new_one_asks_first(app, world):
    client = logged_in(app, world.counsellor, world.school)
    response = client.post(student_url(world.jaap), data={"method": "letter"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    (page,) = pdf_pages(response.data)
    first = code_in(page)
    assert "Jaap Rierink" in page

    asked = client.post(student_url(world.jaap), data={"method": "letter"})
    assert asked.mimetype == "text/html" and "Met een nieuwe code werkt de oude niet meer" in asked.get_data(True)
    again = client.post(student_url(world.jaap), data={"method": "letter", "bevestigd": "1"})
    assert again.mimetype == "application/pdf"
    second = code_in(pdf_pages(again.data)[0])
    assert second != first
    assert "brief" in row_of(client.get(INDEX).get_data(as_text=True), world.jaap)


def test_no_mail_button_and_no_mail_by_a_hand_made_post_without_email(app, world, outbox):
    client = logged_in(app, world.counsellor, world.school)
    response = client.post(student_url(world.jaap), data={"method": "mail"}, follow_redirects=True)
    assert "Geen e-mailadres bekend: print een brief" in response.get_data(as_text=True)
    assert outbox.messages == [] and not codes.code_status(world.jaap).handed_out


@pytest.mark.parametrize("method", ["mail", "letter"])
def test_another_class_or_school_is_a_404_also_by_hand_made_post(app, world, method):
    mentor = logged_in(app, world.mentor_a, world.school)
    assert mentor.post(student_url(world.jaap), data={"method": method}).status_code == 404
    other = logged_in(app, world.other_counsellor, world.other_school)
    assert other.post(student_url(world.roos), data={"method": method}).status_code == 404
    assert (
        other.post("/doorstroomdossier/school/activatiecodes/leerlingen/999999", data={"method": method}).status_code
        == 404
    )
    assert not codes.code_status(world.jaap).handed_out and not codes.code_status(world.roos).handed_out
