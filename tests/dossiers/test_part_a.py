"""Part A: answers per field checked against the form definition, progress from that definition, autosave and
"Opslaan en sluiten" (without JavaScript), answers posted after the session ended, check answers and sending to a
mentor, who gets a signal mail; only the dossier's own student, and only while part A is open."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.dossiers import support
from tests.factories import PASSWORD, login
from webapp.accounts.models import LoginSession
from webapp.core.errors import DomainError
from webapp.core.timeutil import utcnow
from webapp.dossiers import formdef, part_a
from webapp.dossiers.models import Answer, Dossier
from webapp.dossiers.part_a_models import KeptAnswers
from webapp.extensions import db

SAMPLE = {"text": "Roos", "textarea": "Een antwoord.", "phone": "0612345678", "date": "2027-08-01", "email": "a@b.nl"}


def valid_post(section, required_only=True):
    """A good answer for each (required) field of the section, as the page posts it."""
    data = {}
    for field in section.fields:
        if required_only and not field.required:
            continue
        data[field.key] = field.choices[0][0] if field.kind == "choice" else SAMPLE[field.kind]
        if field.kind == "phone":
            data[field.key + "_land"] = "+31"
    return data


@pytest.fixture
def world(app, factory):
    school = support.school(factory)
    mentor = support.staff_member(factory, school, "mentor", email="mentor@school.example", first_name="Anja")
    other_mentor = support.staff_member(factory, school, "mentor", email="ander@school.example")
    support.staff_member(factory, school, "counsellor", email="decaan@school.example")
    klass = support.school_class(school, "4a", mentors=[mentor])
    support.school_class(school, "4b", mentors=[other_mentor])
    user = factory.user("roos@leerling.example", first_name="Roos")
    pupil = support.student(school, klass, last_name="Winter", user=user)
    programme = support.college(factory, "MBO Utrecht").programmes[0]
    dossier = support.dossier(pupil, programme)
    return {
        "school": school,
        "mentor": mentor,
        "other": other_mentor,
        "user": user,
        "student": pupil,
        "dossier": dossier,
    }


def section_url(dossier, key):
    return f"/doorstroomdossier/dossier/{dossier.id}/deel-a/{key}"


def field_url(dossier, section_key, field_key):
    return f"{section_url(dossier, section_key)}/veld/{field_key}"


def stored(dossier):
    db.session.expire_all()
    return part_a.answers(db.session.get(Dossier, dossier.id))


# ---------------------------------------------------------------- services


def test_progress_counts_the_required_fields_of_each_section_only(world):
    dossier = world["dossier"]
    personal = formdef.section("persoonlijke-gegevens")
    assert part_a.section_progress(dossier, personal) == 0
    assert part_a.save_section(dossier, personal, {"tussenvoegsel": "de", "mobiel_nummer": ""}) == {}
    given = part_a.answers(dossier)
    assert part_a.section_progress(dossier, personal) == 0  # optional fields do not count
    assert part_a.status(personal, 0, given) == "Bezig"
    required = personal.required_fields
    part_a.save_section(dossier, personal, valid_post(personal))
    assert part_a.section_progress(dossier, personal) == 100
    assert part_a.status(personal, 100, part_a.answers(dossier)) == "Klaar"
    part_a.save_section(dossier, personal, {"roepnaam": ""})  # emptied again
    assert part_a.section_progress(dossier, personal) == 100 * (len(required) - 1) // len(required)
    for section in formdef.SECTIONS:
        if section is not personal:
            assert part_a.section_progress(dossier, section) == 0
            assert part_a.status(section, 0, part_a.answers(dossier)) == "Nog niet begonnen"
    total = sum(len(s.required_fields) for s in formdef.SECTIONS)
    assert part_a.progress(dossier) == 100 * (len(required) - 1) // total


@pytest.mark.parametrize(
    ("key", "posted", "message"),
    [
        ("telefoonnummer", {"telefoonnummer": "06-12ab", "telefoonnummer_land": "+31"}, "geldig telefoonnummer"),
        ("telefoonnummer", {"telefoonnummer": "0612345678", "telefoonnummer_land": "+999"}, "landnummer"),
        ("roepnaam", {"roepnaam": "x" * 61}, "hoogstens 60 tekens"),
        ("ingangsdatum", {"ingangsdatum": "31-02-2027"}, "bestaande datum"),
        ("geslacht", {"geslacht": "onbekend"}, "Kies een van de mogelijkheden"),
    ],
)
def test_a_bad_answer_gets_a_dutch_message_and_nothing_is_stored(world, key, posted, message):
    dossier = world["dossier"]
    with pytest.raises(DomainError, match=message):
        part_a.save_field(dossier, key, posted)
    assert key not in part_a.answers(dossier)


def test_answers_are_stored_in_one_form(world):
    dossier = world["dossier"]
    part_a.save_field(dossier, "telefoonnummer", {"telefoonnummer": "06 123 456 78"})
    assert part_a.save_field(dossier, "ingangsdatum", {"ingangsdatum": "01-08-2027"}) == {
        "telefoonnummer": "+31 612345678",
        "ingangsdatum": "2027-08-01",
    }
    assert part_a.save_field(dossier, "telefoonnummer", {"telefoonnummer": ""}) == {"ingangsdatum": "2027-08-01"}
    assert part_a.shown(formdef.FIELDS["ingangsdatum"], "2027-08-01") == "01-08-2027"


def test_another_students_dossier_is_not_found(world, factory):
    other = support.student(world["school"], user=factory.user())
    with pytest.raises(part_a.NotFound):
        part_a.get_dossier(other, world["dossier"].id)


# ---------------------------------------------------------------- pages


def test_the_overview_is_a_task_list_with_status_in_words_and_percent(client, world):
    login(client, "roos@leerling.example")
    part_a.save_section(world["dossier"], formdef.section("motivatie"), valid_post(formdef.section("motivatie")))
    db.session.commit()
    page = client.get(f"/doorstroomdossier/dossier/{world['dossier'].id}").get_data(as_text=True)
    assert "Juridisch secretaresse" in page and "MBO Utrecht" in page
    assert "Nog niet begonnen (0%)" in page and "Klaar (100%)" in page
    assert "<h2>Vervolgkeuze</h2>" in page
    assert page.index("Persoonlijke gegevens") < page.index("Vervolgkeuze") < page.index("Motivatie")


def test_autosave_stores_one_field_and_answers_its_fragment_with_the_progress(client, world):
    login(client, "roos@leerling.example")
    dossier = world["dossier"]
    response = client.post(
        field_url(dossier, "persoonlijke-gegevens", "roepnaam"),
        data={"roepnaam": "Roos", "achternaam": "niet deze"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    one_of_seven = 100 // len(formdef.section("persoonlijke-gegevens").required_fields)
    body = response.get_data(as_text=True)
    assert 'id="veld-roepnaam"' in body and 'value="Roos"' in body and "<html" not in body
    assert 'id="section-progress"' in body and 'data-hx-swap-oob="true"' in body and f"Bezig ({one_of_seven}%)" in body
    assert int(response.headers["X-Session-Seconds-Left"]) > 0
    assert stored(dossier) == {"roepnaam": "Roos"}  # only the field that was left

    page = client.get(section_url(dossier, "persoonlijke-gegevens")).get_data(as_text=True)
    assert 'value="Roos"' in page  # a reload shows what was saved


def test_autosave_of_a_bad_value_shows_the_message_and_keeps_what_was_saved(client, world):
    login(client, "roos@leerling.example")
    dossier = world["dossier"]
    client.post(field_url(dossier, "vervolgopleiding", "ingangsdatum"), data={"ingangsdatum": "2027-08-01"})
    response = client.post(
        field_url(dossier, "vervolgopleiding", "ingangsdatum"),
        data={"ingangsdatum": "2027-02-31"},
        headers={"HX-Request": "true"},
    )
    body = response.get_data(as_text=True)
    assert "Vul een bestaande datum in" in body and 'aria-invalid="true"' in body
    assert stored(dossier) == {"ingangsdatum": "2027-08-01"}


def test_autosave_refuses_another_students_dossier_a_field_of_another_section_and_a_sent_part_a(client, world, factory):
    intruder = factory.user("ander@leerling.example")
    support.student(world["school"], user=intruder)
    dossier = world["dossier"]
    login(client, "ander@leerling.example")
    url = field_url(dossier, "persoonlijke-gegevens", "roepnaam")
    assert client.post(url, data={"roepnaam": "X"}).status_code == 404
    assert client.get(section_url(dossier, "persoonlijke-gegevens")).status_code == 404
    assert client.get(f"/doorstroomdossier/dossier/{dossier.id}").status_code == 404

    client.post("/uitloggen")
    login(client, "roos@leerling.example")
    assert client.post(field_url(dossier, "motivatie", "roepnaam"), data={"roepnaam": "X"}).status_code == 404
    assert client.get(section_url(dossier, "bestaat-niet")).status_code == 404
    db.session.execute(update(Dossier).where(Dossier.id == dossier.id).values(state="sent_to_mentor"))
    db.session.commit()
    response = client.post(url, data={"roepnaam": "X"}, headers={"HX-Request": "true"})
    assert response.status_code == 409 and "kan nu niet worden gewijzigd" in response.get_data(as_text=True)
    assert stored(dossier) == {}


def test_opslaan_en_sluiten_saves_the_section_without_javascript(client, world):
    login(client, "roos@leerling.example")
    dossier = world["dossier"]
    data = valid_post(formdef.section("persoonlijke-gegevens"))
    response = client.post(section_url(dossier, "persoonlijke-gegevens"), data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/dossier/{dossier.id}")
    assert stored(dossier)["telefoonnummer"] == "+31 612345678"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Persoonlijke gegevens is opgeslagen." in page and "Klaar (100%)" in page


def test_opslaan_en_sluiten_with_errors_shows_the_error_summary_and_keeps_the_good_answers(client, world):
    login(client, "roos@leerling.example")
    dossier = world["dossier"]
    data = valid_post(formdef.section("persoonlijke-gegevens")) | {"telefoonnummer": "12"}
    response = client.post(section_url(dossier, "persoonlijke-gegevens"), data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Er is een probleem" in page and 'href="#veld-telefoonnummer"' in page
    assert 'value="12"' in page  # what was typed stays in the form
    answers = stored(dossier)
    assert answers["roepnaam"] == "Roos" and "telefoonnummer" not in answers


def test_a_section_posted_after_the_session_ended_is_kept_and_saved_after_the_next_login(client, world):
    login(client, "roos@leerling.example")
    dossier = world["dossier"]
    client.get(section_url(dossier, "motivatie"))  # the page is open; the session then ends
    db.session.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    autosave = client.post(
        field_url(dossier, "motivatie", "waarom"), data={"waarom": "Omdat"}, headers={"HX-Request": "true"}
    )
    assert autosave.status_code == 401  # the page's script then posts the whole section
    response = client.post(section_url(dossier, "motivatie"), data={"waarom": "Omdat ik van recht houd.", "beroep": ""})
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
    assert stored(dossier) == {}  # nothing applied before we know who posted it

    after = client.post(response.headers["Location"], data={"email": "roos@leerling.example", "password": PASSWORD})
    assert after.headers["Location"].endswith("/deel-a/motivatie")
    page = client.get(after.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert stored(dossier) == {"waarom": "Omdat ik van recht houd."}
    assert "van voor het inloggen zijn opgeslagen" in page
    client.get(section_url(dossier, "motivatie"))
    assert stored(dossier) == {"waarom": "Omdat ik van recht houd."}  # applied once


def test_a_page_asked_for_without_a_session_keeps_nothing(client, world):
    response = client.get(section_url(world["dossier"], "motivatie"))
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
    assert client.get_cookie("loket_deel_a", path="/doorstroomdossier/dossier") is None
    assert db.session.scalar(select(func.count()).select_from(KeptAnswers)) == 0


def test_kept_answers_are_not_applied_to_someone_elses_dossier(client, world, factory):
    dossier = world["dossier"]
    intruder = factory.user("ander@leerling.example")
    own = support.dossier(support.student(world["school"], user=intruder), dossier.programme)
    response = client.post(section_url(dossier, "motivatie"), data={"waarom": "Ingevoegd"})
    assert response.status_code == 302  # kept, bound to Roos's dossier
    login(client, "ander@leerling.example")
    page = client.get(f"/doorstroomdossier/dossier/{own.id}", follow_redirects=True)  # the kept answers are tried
    assert page.status_code == 200 and "Ingevoegd" not in page.get_data(as_text=True)
    assert stored(dossier) == {} and stored(own) == {}
    assert db.session.scalar(select(func.count()).select_from(KeptAnswers)) == 0  # and gone
    assert client.get_cookie("loket_deel_a", path="/doorstroomdossier/dossier") is None


def test_blijf_ingelogd_extends_the_session(client, world):
    login(client, "roos@leerling.example")
    soon = db.session.scalar(select(LoginSession.created_at)) + timedelta(minutes=2)
    db.session.execute(update(LoginSession).values(expires_at=soon))
    db.session.commit()
    response = client.post("/doorstroomdossier/dossier/sessie-verlengen")
    assert response.status_code == 204 and int(response.headers["X-Session-Seconds-Left"]) > 600
    db.session.expire_all()
    assert db.session.scalar(select(LoginSession.expires_at)) > soon


def fill_everything(dossier):
    for section in formdef.SECTIONS:
        assert part_a.save_section(dossier, section, valid_post(section)) == {}
    db.session.commit()


def test_check_answers_offers_sending_only_at_100_percent(client, world):
    login(client, "roos@leerling.example")
    dossier = world["dossier"]
    check = f"/doorstroomdossier/dossier/{dossier.id}/deel-a/controleren"
    page = client.get(check).get_data(as_text=True)
    assert "Versturen naar mentor</button>" not in page and page.count(">Wijzigen<") == len(formdef.SECTIONS)
    refused = client.post(f"/doorstroomdossier/dossier/{dossier.id}/deel-a/versturen", data={"mentor": 1})
    assert refused.status_code == 409 and "Vul eerst alle verplichte onderdelen" in refused.get_data(as_text=True)

    fill_everything(dossier)
    page = client.get(check).get_data(as_text=True)
    assert "Versturen naar mentor</button>" in page and "Een antwoord." in page
    assert "Anja" in page and "ander@school.example" not in page  # only the mentors of the student's class


def test_sending_mails_the_chosen_mentor_and_closes_part_a(client, world, outbox):
    login(client, "roos@leerling.example")
    dossier = world["dossier"]
    fill_everything(dossier)
    send = f"/doorstroomdossier/dossier/{dossier.id}/deel-a/versturen"
    other_membership = world["other"].memberships[0].id
    refused = client.post(send, data={"mentor": other_membership})
    assert refused.status_code == 409 and "Kies een mentor van je klas" in refused.get_data(as_text=True)
    assert outbox.messages == []

    mentor_membership = world["mentor"].memberships[0].id
    response = client.post(send, data={"mentor": mentor_membership})
    assert response.status_code == 303
    db.session.expire_all()
    record = db.session.get(Dossier, dossier.id)
    assert record.state == "sent_to_mentor" and record.mentor_id == mentor_membership
    (mail,) = outbox.to("mentor@school.example")
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert world["student"].name in body and "Juridisch secretaresse" in body and "/doorstroomdossier/" in body

    again = client.post(send, data={"mentor": mentor_membership})
    assert again.status_code == 409 and "verstuurd naar mentor" in again.get_data(as_text=True).lower()
    page = client.get(f"/doorstroomdossier/dossier/{dossier.id}").get_data(as_text=True)
    assert "Verstuurd naar mentor" in page and "kan nu niet worden gewijzigd" in page
    section_page = client.get(section_url(dossier, "motivatie")).get_data(as_text=True)
    assert "<textarea" not in section_page and "Een antwoord." in section_page
    saved = client.post(section_url(dossier, "motivatie"), data={"waarom": "Anders"})
    assert saved.status_code == 303
    assert stored(dossier)["waarom"] == "Een antwoord."
    assert len(outbox.messages) == 1


def test_a_class_without_mentors_sends_to_the_schools_counsellors(world, factory):
    pupil = support.student(world["school"], user=factory.user())
    dossier = support.dossier(pupil, world["dossier"].programme)
    assert [m.user.email for m in part_a.mentors_for(dossier)] == ["decaan@school.example"]
    assert db.session.scalar(select(Answer).where(Answer.dossier_id == dossier.id)) is None


def test_the_form_of_a_page_opened_before_the_session_ended_still_passes_the_csrf_check(app, client, world):
    login(client, "roos@leerling.example")
    dossier = world["dossier"]
    page = client.get(section_url(dossier, "motivatie")).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    app.config["WTF_CSRF_ENABLED"] = True
    db.session.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    response = client.post(section_url(dossier, "motivatie"), data={"csrf_token": token, "waarom": "Bewaard"})
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
    assert client.get_cookie("loket_deel_a", path="/doorstroomdossier/dossier") is not None


def test_after_an_autosave_found_the_session_ended_the_section_posts_with_the_token_it_was_given(app, client, world):
    login(client, "roos@leerling.example")
    dossier = world["dossier"]
    page = client.get(section_url(dossier, "motivatie")).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    app.config["WTF_CSRF_ENABLED"] = True
    db.session.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    autosave = client.post(
        field_url(dossier, "motivatie", "waarom"),
        data={"csrf_token": token, "waarom": "Bewaard"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert autosave.status_code == 401
    old_token = client.post(section_url(dossier, "motivatie"), data={"csrf_token": token, "waarom": "Bewaard"})
    assert old_token.status_code == 400  # the ended session took the page's token along
    fresh = autosave.headers["X-CSRF-Token"]
    response = client.post(section_url(dossier, "motivatie"), data={"csrf_token": fresh, "waarom": "Bewaard"})
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
    assert client.get_cookie("loket_deel_a", path="/doorstroomdossier/dossier") is not None


def test_the_pages_are_valid_html(client, world, tmp_path):
    from tests.components import nu_html_errors

    login(client, "roos@leerling.example")
    dossier = world["dossier"]
    pages = {}
    base = f"/doorstroomdossier/dossier/{dossier.id}"
    bad_phone = valid_post(formdef.section("persoonlijke-gegevens")) | {"telefoonnummer": "12"}
    pages["section with errors"] = client.post(section_url(dossier, "persoonlijke-gegevens"), data=bad_phone)
    fill_everything(dossier)
    for key in ("persoonlijke-gegevens", "familie-wonen-vrije-tijd", "school-van-herkomst"):
        pages[key] = client.get(section_url(dossier, key))
    pages["overview"] = client.get(base)
    pages["check, complete"] = client.get(f"{base}/deel-a/controleren")
    client.post(f"{base}/deel-a/versturen", data={"mentor": world["mentor"].memberships[0].id})
    pages["overview, sent"] = client.get(base)
    pages["section, sent"] = client.get(section_url(dossier, "motivatie"))
    pages["check, sent"] = client.get(f"{base}/deel-a/controleren")
    assert {name: response.status_code for name, response in pages.items()} == {
        name: 400 if name == "section with errors" else 200 for name in pages
    }
    assert nu_html_errors({name: r.get_data(as_text=True) for name, r in pages.items()}, tmp_path) == []
