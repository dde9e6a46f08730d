"""The world the fuzz tests attack: an organisation with its admin, a contact person and an employee; a person in
their own name; the issuer's staff; a course with an open event, a person's enrolment with its invoice, a
message with an attachment in the person's Digitaal Dossier, a mail on its way, an account still to activate, and
two open invitations of the organisation: one to a person with an account (who accepts it with its link), one
to a new address (which the admin sends again and revokes). A client is logged in for each role: anonymous,
person, invitee (the person with the invitation to accept), admin (of the organisation) and staff."""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from tests.factories import acting_as, login
from tests.smartcards.admin_world import make_card, step_up
from webapp.accounts import services as accounts
from webapp.core.jobs import wait_for_in_process_jobs
from webapp.core.models import OutgoingMail
from webapp.core.timeutil import today_local
from webapp.courses import services as courses
from webapp.courses.models import Category, Course, Event
from webapp.extensions import db
from webapp.organisations import services as organisations
from webapp.smartcards import crl


class Clients(dict):
    """A test client per role, logged in when first asked for (a login costs a password hash)."""

    def __init__(self, app, logins):
        super().__init__()
        self.app, self.logins = app, logins

    def __missing__(self, role):
        client = self[role] = self.app.test_client()
        if self.logins[role] is not None:
            email, organisation = self.logins[role]
            login(client, email, organisation=organisation)
        return client


@dataclass
class World:
    app: object
    clients: dict
    ids: dict

    def url(self, endpoint: str, **values) -> str:
        return self.app.url_map.bind("localhost").build(endpoint, values)


@pytest.fixture
def fuzz_world(app, factory) -> World:
    organisation = factory.organisation("Herenbos Schagen", email="info@herenbos.example", kind="care")
    admin = factory.user("deby@herenbos.example", first_name="Deby", last_name="Rummens")
    factory.member(admin, organisation, role="admin")
    contact = factory.user("jan@herenbos.example", first_name="Jan", last_name="Visser")
    contact_membership = factory.member(contact, organisation, role="contact", services=("passes", "courses"))
    employee = factory.user("els@herenbos.example", first_name="Els", last_name="Bakker")
    factory.member(employee, organisation, role="employee")
    person = factory.user("kees@voorbeeld.example", first_name="Kees", last_name="Jansen")
    staff = factory.user("staf@loket.example", is_staff=True, first_name="Sam", last_name="Staf")
    newcomer = factory.user("nieuw@voorbeeld.example", activated=False)
    invitee = factory.user("lisa@voorbeeld.example", first_name="Lisa", last_name="de Wit")
    invited = {"role": "contact", "services": ["passes"]}
    with app.test_request_context():  # the mailed links are built with url_for
        invitation = organisations.invite_contact_person(
            organisation, {**invited, "email": invitee.email, "first_name": "Lisa", "last_name": "de Wit"}, admin
        )
        open_invitation = organisations.invite_contact_person(
            organisation,
            {**invited, "email": "piet@voorbeeld.example", "first_name": "Piet", "last_name": "Pan"},
            admin,
        )
        db.session.commit()
        invitation_token = urlsplit(organisations.invitation_link(invitation)).path.rsplit("/", 1)[1]

    category = Category(name="Cursussen & Trainingen")
    course = Course(name="Licentieverlenging Gewasbescherming", category=category, cancellation_rules="Kosteloos.")
    event = Event(
        course=course,
        name="LV Optimaal bespuiten",
        starts_on=today_local() + timedelta(days=30),
        location="Den Helder",
        price_cents=25000,
        vat_rate=21,
        places=50,
    )
    db.session.add(event)
    db.session.commit()
    enrollment = courses.enrol(acting_as(person), event.id)
    message = courses.send_archive_message(
        acting_as(staff),
        subject="Uw certificaat",
        body="Zie de bijlage.",
        person_email=person.email,
        attachments=[("certificaat.txt", "text/plain", b"Geslaagd")],
    )
    db.session.commit()
    wait_for_in_process_jobs()

    logins = {
        "anonymous": None,
        "person": (person.email, None),
        "invitee": (invitee.email, None),
        "admin": (admin.email, organisation.id),
        "staff": (staff.email, None),
    }
    clients = Clients(app, logins)

    def token(purpose, user):
        return urlsplit(accounts.link_for(purpose, user)).path.rsplit("/", 1)[1]

    ids = {
        "organisation_id": organisation.id,
        "membership_id": contact_membership.id,
        "category_id": category.id,
        "course_id": course.id,
        "event_id": event.id,
        "enrollment_id": enrollment.id,
        "invoice_id": enrollment.invoice.id,
        "message_id": message.id,
        "attachment_id": message.attachments[0].id,
        "mail_id": db.session.execute(db.select(OutgoingMail.id).limit(1)).scalar_one(),
        "employee_id": employee.id,
        "person_id": person.id,
        "person_email": person.email,
        "activation_token": token(accounts.ACTIVATE, newcomer),
        "reset_token": token(accounts.RESET, person),
        "invitation_token": invitation_token,
        "invitation_id": open_invitation.id,
    }
    return World(app, clients, ids)


@pytest.fixture
def smartcards_admin_world(app, factory, tmp_path) -> World:
    """The smartcards beheeromgeving's world: an organisation's administrator logged in and stepped up to EH2+
    (role card_admin), an employee's card in each state (ids by state), the CRL published; and anonymous."""
    app.config["SMARTCARD_CA_KEY_FILE"] = str(tmp_path / "ca" / "ca-key.pem")
    app.config["SMARTCARD_CA_CERT_FILE"] = str(tmp_path / "ca" / "ca.pem")
    organisation = factory.organisation("Zorggroep Alfa", kind="care")
    admin = factory.user("beheerder@alfa.example", first_name="Anna", last_name="Alfa")
    factory.member(admin, organisation, role="admin")
    holder = factory.user("roos@alfa.example", first_name="Roos", last_name="de Winter")
    factory.member(holder, organisation, role="employee")
    ids = {
        state: make_card(organisation, holder, state=state).id for state in ("active", "blocked", "revoked", "blank")
    }
    crl.publish()  # the CRL is stored: its GET stores nothing
    db.session.commit()
    clients = {"anonymous": app.test_client(), "card_admin": app.test_client()}
    login(clients["card_admin"], admin.email, organisation=organisation.id)
    step_up(clients["card_admin"], admin)
    return World(app, clients, ids)


@pytest.fixture
def register_world(app, factory) -> World:
    """The person register's world: a childcare organisation's employee logged in with eHerkenning at EH2+ with the
    mandate (role register_org), a person logged in with DigiD (register_person, enrolled and linked there), one
    who has not enrolled (register_newcomer), an open link request of another person, and anonymous."""
    from tests.register.support import as_organisation, as_person, childcare_organisation, enrolled_person
    from webapp.register.models import Link, LinkRequest

    organisation = childcare_organisation(factory, "Kinderopvang Alfa", kvk_number="69500001", city="Utrecht")
    linked = enrolled_person("123456721", first_name="Daan", last_name="Jansen", email="daan@voorbeeld.example")
    asking = enrolled_person("123456770", first_name="Sanne", last_name="Bakker")
    link = Link(person=linked, organisation=organisation)
    request = LinkRequest(person=asking, organisation=organisation)
    db.session.add_all([link, request])
    db.session.commit()
    clients = {
        role: app.test_client() for role in ("anonymous", "register_org", "register_person", "register_newcomer")
    }
    as_organisation(clients["register_org"], organisation)
    as_person(clients["register_person"], "123456721", first_name="Daan", last_name="Jansen")
    # a DigiD person who has not enrolled, whose token lacks the name and birth date: the whole enrolment form
    as_person(clients["register_newcomer"], "123456812", first_name="", last_name="", birth_date=None)
    ids = {"organisation_id": organisation.id, "link_id": link.id, "request_id": request.id, "person_id": linked.id}
    return World(app, clients, ids)


@pytest.fixture
def dossiers_world(app, factory) -> World:
    """The dossiers' world: a school with a counsellor (role counsellor) and a mentor (mentor) of class 4a, a second
    mentor not yet of a class, students in 4a and 4b, one with an account and an activated code (student) whose
    dossier is in part A, a bulk hand-out of letters, a college with a programme; staff (Loket's) and anonymous.
    Issue 18's steps (see _dossiers_issue_18): a dossier in part B, the student's second dossier in its approval
    with a parent's link, and a finished dossier the college's contact person (college) sees."""
    from datetime import timedelta

    from tests.dossiers import support
    from webapp.core import onetimecodes
    from webapp.dossiers import codes, students
    from webapp.dossiers.models import BulkHandout

    school = support.school(factory, "Vakcollege De Brug")
    counsellor = support.staff_member(factory, school, "counsellor", email="decaan@brug.example")
    mentor = support.staff_member(factory, school, "mentor", email="mentor@brug.example", first_name="Anja")
    spare = support.staff_member(factory, school, "mentor", email="pieter@brug.example", first_name="Pieter")
    class_a = support.school_class(school, "4a", mentors=[mentor])
    class_b = support.school_class(school, "4b")
    user = factory.user("roos@leerling.example", first_name="Roos")
    pupil = support.student(school, class_a, last_name="Winter", email="roos@leerling.example", user=user)
    other = support.student(school, class_b, first_name="Jaap", infix="", last_name="Rierink")
    code = onetimecodes.issue(codes.PURPOSE, codes.subject(pupil), timedelta(days=30))
    students.activate(pupil, code, address="192.0.2.1")
    college = support.college(factory, "MBO Utrecht", programmes=(("Juridisch secretaresse", 4, "BOL"),))
    programme = college.programmes[0]
    dossier = support.dossier(pupil, programme)
    staff = factory.user("staf@loket.example", is_staff=True)
    issue_18 = _dossiers_issue_18(app, factory, school, class_a, class_b, mentor, user, pupil, college)
    bulk = BulkHandout(school_id=school.id, method="letter", scope="all", scope_label="alle leerlingen", state="done")
    db.session.add(bulk)
    db.session.commit()
    logins = {
        "anonymous": None,
        "counsellor": (counsellor.email, school.id),
        "mentor": (mentor.email, school.id),
        "student": (user.email, None),
        "staff": (staff.email, None),
        "college": (issue_18.pop("college_email"), college.organisation_id),
    }
    ids = {
        **issue_18,
        "school_id": school.id,
        "class_id": class_a.id,
        "mentor_membership_id": next(m.id for m in mentor.memberships if m.organisation_id == school.id),
        "spare_membership_id": next(m.id for m in spare.memberships if m.organisation_id == school.id),
        "student_id": other.id,
        "pupil_id": pupil.id,
        "dossier_id": dossier.id,
        "programme_id": programme.id,
        "college_id": college.organisation_id,
        "bulk_id": bulk.id,
    }
    return World(app, Clients(app, logins), ids)


def _dossiers_issue_18(app, factory, school, class_a, class_b, mentor, user, pupil, college) -> dict:
    """Issue 18's part of the dossiers' world: a student of 4a (the mentor's class) whose dossier is in part B, part A
    filled; the world's student's second dossier (at another college) in its approval, with a link mailed to a
    parent (the student is under 18); a student of 4b whose dossier is finished, seen by the college's contact
    person. The ids, the parent link's token, the content's hash the parent page shows, and the contact's e-mail
    address (college_email, for the login)."""
    from tests.dossiers import support
    from webapp.dossiers import approval, document, history, part_a

    def through(dossier, *actions):
        for action in actions:
            history.take(dossier, action, None)

    mentor_membership = next(m.id for m in mentor.memberships if m.organisation_id == school.id)
    programme = college.programmes[0]
    part_b_student = support.student(school, class_a, first_name="Daan", infix="", last_name="Smit")
    in_part_b = support.dossier(part_b_student, programme)
    in_part_b.mentor_id = mentor_membership
    part_a.store_answers(in_part_b, {"roepnaam": "Daan", "waarom": "Omdat ik recht wil studeren."})
    through(in_part_b, "send_to_mentor", "start_part_b")
    part_a.store_answers(in_part_b, {"b_opp": "nee", "b_advies": "Een goede keuze."})

    twente = support.college(factory, "ROC van Twente", programmes=(("Metaalbewerken", 2, "BBL"),))
    in_approval = support.dossier(pupil, twente.programmes[0])
    in_approval.mentor_id = mentor_membership
    part_a.store_answers(in_approval, {"roepnaam": "Roos", "waarom": "Ik werk graag met metaal."})
    through(in_approval, "send_to_mentor", "start_part_b")
    part_a.store_answers(in_approval, {"b_opp": "nee", "b_advies": "Past goed bij Roos."})
    through(in_approval, "send_to_student", "start_approval")
    db.session.commit()
    with app.test_request_context():  # the mailed link is built with url_for
        parent_request = approval.ask_parent(in_approval, "ouder@thuis.example", user)
        db.session.commit()
        parent_token = approval.parent_token(parent_request)
    content_hash = document.content_hash(in_approval)

    finisher = support.student(school, class_b, first_name="Mila", infix="", last_name="Jansen")
    finished = support.dossier(finisher, programme)
    part_a.store_answers(finished, {"roepnaam": "Mila", "b_opp": "ja", "b_nader_contact": "nee"})
    through(finished, "send_to_mentor", "start_part_b", "send_to_student", "start_approval", "finish")
    contact = factory.user("toelating@mboutrecht.example", first_name="Fatima", last_name="El Amrani")
    factory.member(contact, college.organisation, role="contact")
    db.session.commit()
    wait_for_in_process_jobs()
    return {
        "part_b_student_id": part_b_student.id,
        "part_b_dossier_id": in_part_b.id,
        "approval_dossier_id": in_approval.id,
        "parent_token": parent_token,
        "content_hash": content_hash,
        "finished_dossier_id": finished.id,
        "college_email": contact.email,
    }
