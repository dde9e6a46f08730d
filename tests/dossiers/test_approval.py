"""The approval (manual 004, chapter 4): the student starts it once part B has been sent, views parts A and B, may
comment on part B, and finishes; under 18 a parent approves through a mailed link that works once, expires and opens
only its own dossier; an approval tied to content that has changed since no longer counts; "Terug naar deel A"
opens part A again. Every step goes through the state table, also for hand-made posts; only the dossier's own student
reaches the pages."""

import re
from datetime import date, timedelta
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from tests.dossiers import support
from tests.factories import login
from tests.mail import links
from webapp.core import tokens
from webapp.core.errors import DomainError
from webapp.core.timeutil import today_local, utcnow
from webapp.dossiers import approval, document, formdef, history, part_a, states
from webapp.dossiers.approval_models import Approval, ApprovalComment, ParentRequest
from webapp.dossiers.models import Answer, Dossier
from webapp.extensions import db

MOTIVATION = "Ik wil graag juridisch secretaresse worden omdat ik van regels houd."
SAMPLE = {"text": "Roos", "textarea": MOTIVATION, "phone": "+31 612345678", "date": "2027-08-01", "email": "a@b.nl"}
PARENT = "ouder@thuis.example"


def born_years_ago(years: int) -> date:
    today = today_local()
    return date(today.year - years, today.month, 1)  # this month's first: exactly `years` old today


def fill_part_a(dossier):
    for section in formdef.SECTIONS:
        for field in section.required_fields:
            value = field.choices[0][0] if field.kind == formdef.CHOICE else SAMPLE[field.kind]
            db.session.add(Answer(dossier_id=dossier.id, field=field.key, value=value))
    db.session.flush()


def to_part_b_sent(dossier, student_user, mentor_user):
    """Part A sent to the mentor, part B started and sent to the student: the state table's own steps."""
    for action, by in (
        ("send_to_mentor", student_user),
        ("start_part_b", mentor_user),
        ("send_to_student", mentor_user),
    ):
        history.take(dossier, action, by)
    db.session.commit()


def make_world(factory, age: int, email="roos@leerling.example", last_name="Winter", school=None, mentor=None):
    school = school or support.school(factory)
    if mentor is None:
        mentor = support.staff_member(factory, school, "mentor", email="mentor@school.example", first_name="Anja")
    klass = support.school_class(school, f"4{last_name[0].lower()}", mentors=[mentor])
    user = factory.user(email, first_name="Roos")
    pupil = support.student(school, klass, last_name=last_name, user=user, birth_date=born_years_ago(age))
    programme = support.college(factory).programmes[0]
    dossier = support.dossier(pupil, programme)
    dossier.mentor_id = mentor.memberships[0].id
    fill_part_a(dossier)
    to_part_b_sent(dossier, user, mentor)
    return {"school": school, "mentor": mentor, "user": user, "student": pupil, "dossier": dossier}


@pytest.fixture
def adult(app, factory):
    return make_world(factory, 18)


@pytest.fixture
def minor(app, factory):
    return make_world(factory, 17)


def url(dossier, tail=""):
    return f"/doorstroomdossier/dossier/{dossier.id}/akkoordverklaring{tail}"


def fresh(dossier) -> Dossier:
    db.session.expire_all()
    return db.session.get(Dossier, dossier.id)


def text(response) -> str:
    return response.get_data(as_text=True)


def start(client, world):
    login(client, world["user"].email)
    response = client.post(url(world["dossier"], "/starten"))
    assert response.status_code == 303 and response.headers["Location"] == url(world["dossier"])
    assert fresh(world["dossier"]).state == "approval"


def parent_link_from(outbox, count=1) -> str:
    mails = outbox.to(PARENT)
    assert len(mails) == count
    (link,) = [each for each in links(mails[-1]) if "/ouder/" in each]
    return urlsplit(link).path


def parent_approves(app, link, name="Marieke de Winter", decision="akkoord", comment=""):
    parent = app.test_client()
    page = parent.get(link)
    assert page.status_code == 200
    shown_hash = re.search(r'name="content_hash" type="hidden" value="([0-9a-f]{64})"', text(page))
    assert shown_hash, "the page carries the hash of what it shows"
    return (
        parent,
        page,
        parent.post(
            link, data={"name": name, "decision": decision, "comment": comment, "content_hash": shown_hash.group(1)}
        ),
    )


# ---------------------------------------------------------------- who must approve


def test_the_age_on_the_day_of_approval_counts_the_birthday():
    assert approval.age_on(date(2009, 3, 14), date(2027, 3, 13)) == 17
    assert approval.age_on(date(2009, 3, 14), date(2027, 3, 14)) == 18
    assert approval.age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert approval.age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_the_home_offers_the_approval_and_the_pdf_and_says_what_was_sent(client, adult):
    login(client, adult["user"].email)
    home = text(client.get("/doorstroomdossier/mijn-dossiers"))
    assert "Start de akkoordverklaring" in home and "Deel B verstuurd naar leerling" in home
    assert "Verstuurd op" in home and "Nog niet afgehandeld" in home
    dossier = adult["dossier"]
    assert url(dossier, "/starten") in home and f"/doorstroomdossier/dossier/{dossier.id}/pdf" in home

    pdf = client.get(f"/doorstroomdossier/dossier/{dossier.id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    content = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf.data)).pages)
    assert adult["student"].name in content and "juridisch secretaresse worden" in " ".join(content.split())

    assert client.post(url(dossier, "/starten")).status_code == 303
    home = text(client.get("/doorstroomdossier/mijn-dossiers"))
    assert "Start de akkoordverklaring" not in home and "In akkoordverklaring" in home and url(dossier) in home


def test_the_approval_page_shows_parts_a_and_b(client, adult):
    start(client, adult)
    dossier = adult["dossier"]
    page = text(client.get(url(dossier)))
    assert "Deel B bekijken" in page and "Deel A bekijken" in page and "Afronden" in page
    assert "Akkoord van je ouder/verzorger" not in page  # 18: no parent needed

    part_a_page = text(client.get(url(dossier, "/a")))
    assert MOTIVATION in part_a_page and formdef.SECTIONS[0].title in part_a_page
    part_b_page = client.get(url(dossier, "/b"))
    assert part_b_page.status_code == 200 and "<h1>Deel B</h1>" in text(part_b_page)
    for shown_part in document.filled(fresh(dossier), ("B",)):  # part B's questions, whatever they are
        for shown_section in shown_part.sections:
            assert shown_section.section.title in text(part_b_page)


def test_part_b_is_not_shown_before_the_mentor_has_sent_it(client, factory, app):
    school = support.school(factory)
    user = factory.user("vroeg@leerling.example")
    pupil = support.student(school, user=user)
    dossier = support.dossier(pupil, support.college(factory).programmes[0])
    login(client, user.email)
    assert client.get(url(dossier, "/b")).status_code == 404
    assert client.get(url(dossier, "/a")).status_code == 200
    page = text(client.get(url(dossier)))
    assert "Deel B bekijken" not in page and "begint als je mentor deel B" in page


# ---------------------------------------------------------------- an 18-year-old


def test_an_18_year_old_comments_and_finishes_alone(client, adult, outbox):
    start(client, adult)
    dossier = adult["dossier"]
    saved = client.post(url(dossier, "/opmerking"), data={"comment": "Ik ben het niet eens met het advies."})
    assert saved.status_code == 303
    assert "Ik ben het niet eens met het advies." in text(client.get(url(dossier)))

    confirm = text(client.get(url(dossier, "/afronden")))
    assert "Weet je zeker dat je je dossier wilt afronden?" in confirm and "Ja, rond mijn dossier af" in confirm
    assert fresh(dossier).state == "approval"  # asking is not doing
    done = client.post(url(dossier, "/afronden"))
    assert done.status_code == 303
    record = fresh(dossier)
    assert record.state == "finished"
    (own,) = db.session.scalars(select(Approval).where(Approval.dossier_id == dossier.id)).all()
    assert own.role == "student" and own.agreed and own.comment == "Ik ben het niet eens met het advies."
    assert own.content_hash == document.content_hash(record) and own.by_id == adult["user"].id
    assert [step.action for step in history.steps(record)][-2:] == ["start_approval", "finish"]

    (to_student,) = outbox.to(adult["user"].email)
    assert "afgerond" in to_student["Subject"]
    (to_mentor,) = outbox.to("mentor@school.example")
    assert adult["student"].name in to_mentor["Subject"]
    home = text(client.get("/doorstroomdossier/mijn-dossiers"))
    assert "Afgehandeld op" in home and "Afgerond" in home
    page = text(client.get(url(dossier)))
    assert "Je dossier is afgerond" in page and "Ja, rond" not in page

    again = client.post(url(dossier, "/afronden"))
    assert again.status_code == 409 and "Een dossier met de status afgerond kunt u niet afronden." in text(again)
    assert len(outbox.messages) == 2


# ---------------------------------------------------------------- a 17-year-old and the parent


def test_a_17_year_old_needs_the_parents_approval_through_the_mailed_link(app, client, minor, outbox):
    start(client, minor)
    dossier = minor["dossier"]
    page = text(client.get(url(dossier)))
    assert "Akkoord van je ouder/verzorger" in page and "Link sturen naar ouder/verzorger" in page

    refused = client.post(url(dossier, "/afronden"))
    assert refused.status_code == 409 and "je ouder/verzorger moet eerst akkoord geven" in text(refused)
    confirm = text(client.get(url(dossier, "/afronden")))
    assert "je ouder/verzorger moet eerst akkoord geven" in confirm and "Ja, rond" not in confirm
    assert fresh(dossier).state == "approval"

    assert client.post(url(dossier, "/ouder"), data={"email": "geen-adres"}).status_code == 400
    assert client.post(url(dossier, "/ouder"), data={"email": PARENT}).status_code == 303
    assert f"Er is een link gestuurd naar {PARENT}" in text(client.get(url(dossier)))
    link = parent_link_from(outbox)
    mail = outbox.to(PARENT)[0]
    assert minor["student"].name in mail["Subject"]

    parent, shown, answered = parent_approves(app, link, comment="Goed ingevuld.")
    assert minor["student"].name in text(shown) and MOTIVATION in text(shown)
    assert answered.status_code == 303 and answered.headers["Location"] == "/doorstroomdossier/ouder/bedankt"
    assert minor["student"].name not in text(parent.get("/doorstroomdossier/ouder/bedankt"))
    (answer,) = db.session.scalars(select(Approval).where(Approval.role == "parent")).all()
    assert (answer.name, answer.email, answer.agreed, answer.comment) == (
        "Marieke de Winter",
        PARENT,
        True,
        "Goed ingevuld.",
    )
    assert answer.content_hash == document.content_hash(fresh(dossier))
    assert any("gereageerd" in each["Subject"] for each in outbox.to(minor["user"].email))

    page = text(client.get(url(dossier)))
    assert "Marieke de Winter heeft op" in page and "akkoord gegeven" in page
    assert client.post(url(dossier, "/afronden")).status_code == 303
    assert fresh(dossier).state == "finished"
    roles = sorted(db.session.scalars(select(Approval.role).where(Approval.dossier_id == dossier.id)))
    assert roles == ["parent", "student"]


def test_a_parent_who_does_not_agree_gives_a_reason_and_the_student_cannot_finish(app, client, minor, outbox):
    start(client, minor)
    dossier = minor["dossier"]
    client.post(url(dossier, "/ouder"), data={"email": PARENT})
    link = parent_link_from(outbox)
    _parent, _shown, without_reason = parent_approves(app, link, decision="niet-akkoord", comment="")
    assert without_reason.status_code == 409 and "Schrijf dan in uw opmerking waarom" in text(without_reason)
    assert db.session.scalar(select(func.count()).select_from(Approval)) == 0  # the link is not used up

    _parent, _shown, answered = parent_approves(app, link, decision="niet-akkoord", comment="Deel B klopt niet.")
    assert answered.status_code == 303
    page = text(client.get(url(dossier)))
    assert "geen akkoord gegeven" in page and "Deel B klopt niet." in page
    refused = client.post(url(dossier, "/afronden"))
    assert refused.status_code == 409 and fresh(dossier).state == "approval"


def test_a_change_after_the_parents_approval_makes_it_not_count_until_approved_again(app, client, minor, outbox):
    start(client, minor)
    dossier = minor["dossier"]
    client.post(url(dossier, "/ouder"), data={"email": PARENT})
    parent_approves(app, parent_link_from(outbox))

    # Terug naar deel A, a changed answer, and the cycle again up to the approval.
    assert client.post(url(dossier, "/terug-naar-deel-a")).status_code == 303
    field = next(f.key for f in formdef.FIELDS.values() if f.kind == formdef.TEXTAREA and f.required)
    section = formdef.SECTION_OF_FIELD[field]
    changed = client.post(
        f"/doorstroomdossier/dossier/{dossier.id}/deel-a/{section.key}/veld/{field}", data={field: "Iets anders."}
    )
    assert changed.status_code in (200, 303)
    assert part_a.answers(fresh(dossier))[field] == "Iets anders."
    record = fresh(dossier)
    to_part_b_sent(record, minor["user"], minor["mentor"])
    assert client.post(url(dossier, "/starten")).status_code == 303

    page = text(client.get(url(dossier)))
    assert "telt niet meer" in page and "Link sturen naar ouder/verzorger" in page
    refused = client.post(url(dossier, "/afronden"))
    assert refused.status_code == 409 and "telt niet meer" in text(refused)
    assert fresh(dossier).state == "approval"

    client.post(url(dossier, "/ouder"), data={"email": PARENT})
    parent, shown, answered = parent_approves(app, parent_link_from(outbox, count=2))
    assert "Iets anders." in text(shown) and answered.status_code == 303
    assert client.post(url(dossier, "/afronden")).status_code == 303
    assert fresh(dossier).state == "finished"


# ---------------------------------------------------------------- the parent's link


def test_the_parents_link_works_once_expires_and_opens_only_its_own_dossier(app, client, factory, minor, outbox):
    other = make_world(
        factory, 16, email="sem@leerling.example", last_name="Bakker", school=minor["school"], mentor=minor["mentor"]
    )
    start(client, minor)
    dossier = minor["dossier"]
    client.post(url(dossier, "/ouder"), data={"email": PARENT})
    first = parent_link_from(outbox)
    anonymous = app.test_client()
    page = text(anonymous.get(first))
    assert minor["student"].name in page and MOTIVATION in page and other["student"].name not in page

    # forged: another purpose's token for the same request, a changed token, a fingerprint of another nonce
    request = db.session.scalars(select(ParentRequest)).one()
    token = first.rsplit("/", 1)[1]
    for wrong in (
        tokens.make_token("reset", request.id, request.nonce),
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        tokens.make_token(approval.TOKEN_PURPOSE, request.id, "another nonce"),
    ):
        refused = anonymous.get(f"/doorstroomdossier/ouder/{wrong}")
        assert refused.status_code == 404 and minor["student"].name not in text(refused)

    # a new link replaces the first
    client.post(url(dossier, "/ouder"), data={"email": PARENT})
    second = parent_link_from(outbox, count=2)
    assert second != first and anonymous.get(first).status_code == 404
    assert anonymous.get(second).status_code == 200

    # it expires
    db.session.execute(update(ParentRequest).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    expired = anonymous.get(second)
    assert expired.status_code == 404 and "werkt niet" in text(expired)
    assert minor["student"].name not in text(expired) and MOTIVATION not in text(expired)

    # it works once
    client.post(url(dossier, "/ouder"), data={"email": PARENT})
    third = parent_link_from(outbox, count=3)
    _parent, _shown, answered = parent_approves(app, third)
    assert answered.status_code == 303
    used = anonymous.get(third)
    assert used.status_code == 404 and minor["student"].name not in text(used)
    late = anonymous.post(third, data={"name": "Iemand", "decision": "akkoord", "content_hash": "0" * 64})
    assert late.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Approval)) == 1


def test_a_parents_link_stops_working_when_the_student_goes_back_to_part_a(app, client, minor, outbox):
    start(client, minor)
    dossier = minor["dossier"]
    client.post(url(dossier, "/ouder"), data={"email": PARENT})
    link = parent_link_from(outbox)
    assert client.post(url(dossier, "/terug-naar-deel-a")).status_code == 303
    gone = app.test_client().get(link)
    assert gone.status_code == 404 and minor["student"].name not in text(gone)


def test_an_adult_cannot_ask_a_parent(client, adult, outbox):
    start(client, adult)
    refused = client.post(url(adult["dossier"], "/ouder"), data={"email": PARENT})
    assert refused.status_code == 409 and "18 jaar of ouder" in text(refused)
    assert outbox.to(PARENT) == []


# ---------------------------------------------------------------- Terug naar deel A


def test_back_to_part_a_asks_first_then_opens_part_a_again(client, adult, outbox):
    start(client, adult)
    dossier = adult["dossier"]
    confirm = text(client.get(url(dossier, "/terug-naar-deel-a")))
    assert "Weet je zeker dat je terug wilt naar deel A?" in confirm and "Ja, terug naar deel A" in confirm
    assert fresh(dossier).state == "approval"
    back = client.post(url(dossier, "/terug-naar-deel-a"))
    assert back.status_code == 303 and back.headers["Location"] == f"/doorstroomdossier/dossier/{dossier.id}"
    record = fresh(dossier)
    assert record.state == "part_a" and part_a.is_open(record)
    assert [step.action for step in history.steps(record)][-1] == "back_to_part_a"
    overview = text(client.get(f"/doorstroomdossier/dossier/{dossier.id}"))
    assert "kan nu niet worden gewijzigd" not in overview
    page = text(client.get(url(dossier)))
    assert "begint als je mentor deel B" in page and "Ja, rond" not in page


# ---------------------------------------------------------------- the state table, through hand-made posts


@pytest.mark.parametrize("state", list(states.STATES))
def test_the_state_table_refuses_every_step_it_does_not_allow(client, adult, state):
    login(client, adult["user"].email)
    dossier = adult["dossier"]
    for action, path in (
        ("start_approval", "/starten"),
        ("finish", "/afronden"),
        ("back_to_part_a", "/terug-naar-deel-a"),
    ):
        db.session.execute(update(Dossier).where(Dossier.id == dossier.id).values(state=state))
        db.session.commit()
        response = client.post(url(dossier, path))
        allowed = state in states.ACTIONS[action].sources
        if allowed:
            assert response.status_code == 303, (state, action)
            assert fresh(dossier).state == states.ACTIONS[action].target
        else:
            with pytest.raises(DomainError) as refusal:
                states.next_state(state, action)
            assert response.status_code == 409, (state, action)
            assert refusal.value.message in text(response)
            assert fresh(dossier).state == state


# ---------------------------------------------------------------- access


def test_only_the_dossiers_own_student_reaches_its_approval(app, client, factory, adult):
    dossier = adult["dossier"]
    intruder = factory.user("ander@leerling.example")
    support.student(adult["school"], user=intruder)
    paths = [
        url(dossier),
        url(dossier, "/a"),
        url(dossier, "/b"),
        url(dossier, "/afronden"),
        url(dossier, "/terug-naar-deel-a"),
        f"/doorstroomdossier/dossier/{dossier.id}/pdf",
    ]
    posts = ["/starten", "/afronden", "/terug-naar-deel-a", "/opmerking", "/ouder"]
    login(client, intruder.email)
    for path in paths:
        assert client.get(path).status_code == 404, path
    for tail in posts:
        assert client.post(url(dossier, tail), data={"email": PARENT, "comment": "x"}).status_code == 404, tail

    mentor = app.test_client()
    login(mentor, "mentor@school.example", organisation=adult["school"].id)
    for path in paths:
        assert mentor.get(path).status_code == 404, path
    for tail in posts:
        assert mentor.post(url(dossier, tail)).status_code == 404, tail

    anonymous = app.test_client()
    assert anonymous.get(url(dossier)).headers["Location"].startswith("/inloggen")
    assert fresh(dossier).state == "part_b_sent"
    assert db.session.scalar(select(func.count()).select_from(ApprovalComment)) == 0


# ---------------------------------------------------------------- rate limits


@pytest.fixture
def limited_app(app, database_url, tmp_path):
    from tests.conftest import make_app
    from webapp.extensions import limiter

    limited = make_app(
        tmp_path, database_url, RATELIMIT_ENABLED=True, LOGIN_LIMITS="3 per minute", RATELIMIT_STORAGE_URI="memory://"
    )
    yield limited
    limiter.reset()


def test_links_to_a_parent_and_the_parents_posts_are_rate_limited(limited_app, minor):
    client = limited_app.test_client()
    start(client, minor)
    dossier = minor["dossier"]
    for _ in range(5):
        assert client.post(url(dossier, "/ouder"), data={"email": PARENT}).status_code == 303
    assert client.post(url(dossier, "/ouder"), data={"email": PARENT}).status_code == 429
    assert db.session.scalar(select(func.count()).select_from(ParentRequest)) == 5

    request = db.session.scalars(select(ParentRequest).where(ParentRequest.revoked_at.is_(None))).one()
    link = f"/doorstroomdossier/ouder/{approval.parent_token(request)}"
    parent = limited_app.test_client()
    assert parent.get(link).status_code == 200
    for _ in range(3):
        assert parent.post(link, data={"name": ""}).status_code == 400
    assert parent.post(link, data={"name": ""}).status_code == 429
    assert parent.get(link).status_code == 200  # reading is not limited


def test_the_parents_page_needs_its_csrf_token(app, database_url, tmp_path, client, minor, outbox):
    from tests.conftest import make_app

    start(client, minor)
    client.post(url(minor["dossier"], "/ouder"), data={"email": PARENT})
    link = parent_link_from(outbox)
    guarded = make_app(tmp_path, database_url, WTF_CSRF_ENABLED=True).test_client()
    page = text(guarded.get(link))
    shown_hash = re.search(r'name="content_hash" type="hidden" value="([0-9a-f]{64})"', page).group(1)
    answer = {"name": "Marieke de Winter", "decision": "akkoord", "content_hash": shown_hash}
    assert guarded.post(link, data=answer).status_code == 400  # a post from another site carries no token
    assert db.session.scalar(select(func.count()).select_from(Approval)) == 0
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert guarded.post(link, data=answer | {"csrf_token": token}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Approval)) == 1
