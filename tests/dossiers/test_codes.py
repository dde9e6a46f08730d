"""Activation codes, one student at a time: the code's life cycle (single use, bound to the student, valid until
the school year's end, replaced by a newer one, attempts bounded) and the rules of handing one out."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests.dossiers.codes_world import code_in, make_world, pdf_pages
from webapp.core import onetimecodes
from webapp.core.errors import DomainError, NotFound
from webapp.core.models import AuditEvent, OneTimeCode
from webapp.dossiers import codes
from webapp.dossiers.models import CodeHandout
from webapp.extensions import db


@pytest.fixture
def world(app, factory):
    return make_world(factory)


def letter_code(world, student, staff=None) -> str:
    handed = codes.hand_out(staff or world.staff(world.counsellor), student, "letter")
    db.session.commit()
    return handed.letter.code


def refusal(student, typed) -> str:
    with pytest.raises(onetimecodes.CodeRefused) as refused:
        codes.redeem(student, typed, "192.0.2.1")
    db.session.commit()  # the wrong try is kept, as the view's commit keeps it
    return refused.value.message


def test_a_code_works_once(world):
    code = letter_code(world, world.roos)
    codes.redeem(world.roos, code.lower().replace("-", " "), "192.0.2.1")
    db.session.commit()
    assert codes.code_status(world.roos).used
    assert refusal(world.roos, code) == "Deze code is al gebruikt."


def test_a_code_is_bound_to_its_student(world):
    roos_code = letter_code(world, world.roos)
    letter_code(world, world.mirjam)
    assert refusal(world.mirjam, roos_code) == "De code klopt niet."
    codes.redeem(world.roos, roos_code, "192.0.2.1")  # Mirjam's try did not use it up


def test_a_code_is_valid_until_the_end_of_the_school_year(world):
    amsterdam_end = datetime(2027, 7, 31, 21, 59, tzinfo=UTC)  # 23:59 summer time
    assert codes.school_year_end(datetime(2026, 12, 5, 12, tzinfo=UTC)) == amsterdam_end
    assert codes.school_year_end(datetime(2027, 7, 31, 21, 58, tzinfo=UTC)) == amsterdam_end
    assert codes.school_year_end(datetime(2027, 8, 1, 0, 0, tzinfo=UTC)).year == 2028

    code = letter_code(world, world.roos)
    stored = db.session.scalar(select(OneTimeCode).where(OneTimeCode.subject == f"student:{world.roos.id}"))
    assert stored.expires_at == codes.school_year_end()
    db.session.execute(
        update(OneTimeCode).where(OneTimeCode.id == stored.id).values(expires_at=datetime.now(UTC) - timedelta(1))
    )
    db.session.commit()
    assert codes.code_status(world.roos).state_label == "Verlopen"
    assert refusal(world.roos, code) == "De code is verlopen."


def test_a_new_code_makes_the_old_one_stop_working(world):
    old = letter_code(world, world.roos)
    new = letter_code(world, world.roos)
    assert old != new
    assert refusal(world.roos, old) == "Deze code is vervangen door een nieuwere code."
    codes.redeem(world.roos, new, "192.0.2.1")


def test_mistyped_codes_are_refused_and_the_attempts_are_bounded(world):
    code = letter_code(world, world.roos)
    assert refusal(world.roos, "nonsense") == "De code klopt niet."
    for _ in range(onetimecodes.MAX_ATTEMPTS - 2):
        assert refusal(world.roos, "ABCD-EFGH") == "De code klopt niet."
    assert refusal(world.roos, "ABCD-EFGH") == onetimecodes.CodeLocked.message  # the last try locks it
    assert refusal(world.roos, code) == onetimecodes.CodeLocked.message  # the right code no longer works
    assert codes.code_status(world.roos).state_label == "Geblokkeerd (te veel pogingen)"


def test_the_status_says_how_when_and_whether_used(world):
    assert not codes.code_status(world.roos).handed_out
    codes.hand_out(world.staff(world.mentor_a), world.roos, "mail")
    db.session.commit()
    status = codes.code_status(world.roos)
    assert (status.handed_out, status.method_label, status.used) == (True, "e-mail", False)
    assert datetime.now(UTC) - status.handed_out_at < timedelta(minutes=1)
    handout = db.session.scalar(select(CodeHandout).where(CodeHandout.student_id == world.roos.id))
    assert handout.handed_out_by_id == world.mentor_a.id and handout.code_id is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "dossiers.activation_handed_out"))
    assert (event.subject, event.actor_id, event.organisation_id) == (
        f"student:{world.roos.id}",
        world.mentor_a.id,
        world.school.id,
    )


def test_no_mail_to_a_student_without_email(world, outbox):
    with pytest.raises(DomainError) as refused:
        codes.hand_out(world.staff(world.counsellor), world.jaap, "mail")
    assert refused.value.message == "Geen e-mailadres bekend: print een brief"
    db.session.rollback()
    assert not codes.code_status(world.jaap).handed_out


def test_a_mentor_hands_out_only_to_their_classes(world):
    with pytest.raises(NotFound):
        codes.hand_out(world.staff(world.mentor_a), world.jaap, "letter")
    with pytest.raises(NotFound):
        codes.hand_out(world.staff(world.other_counsellor, world.other_school), world.roos, "letter")
    assert codes.hand_out(world.staff(world.mentor_b), world.jaap, "letter").pdf


def test_the_letter_carries_the_instructions_the_name_the_class_and_the_code(world):
    handed = codes.hand_out(world.staff(world.counsellor), world.jaap, "letter")
    (page,) = pdf_pages(handed.pdf)
    flat = " ".join(page.split())
    assert code_in(page) == handed.letter.code
    for words in (
        "Vakcollege De Brug",
        "Jaap Rierink, klas 4b",
        "http://localhost/doorstroomdossier",
        "Klik op 'maak een nieuw account'",
        "Vul je BSN en e-mail in.",
        "Ga naar je e-mail en klik op de link die we je hebben gestuurd.",
        "Verzin een wachtwoord dat aan de eisen voldoet",
        "Klik op het vlak met de tekst Digitaal Doorstroomdossier.",
        f"Vul de volgende activatiecode in: {handed.letter.code}",
        "Klik op de knop 'Nieuw dossier'",
        "31-07-2027",
    ):
        assert words in flat, words
