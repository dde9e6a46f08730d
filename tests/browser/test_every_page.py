"""Every page of the portal, as the role that uses it reaches it, in headless Chromium with the demo data:
valid HTML (the W3C Nu checker, the page and the htmx fragment of the same address), no axe violation of
any impact, and it fits (no sideways scrolling at 1024 px; at 390 px nothing sticks out except inside a
labelled region that scrolls by itself).

The pages come from the app's URL map: a GET page without an entry in PAGES (or a reason in NOT_HTML)
fails test_every_page_has_an_entry, so a new page cannot go unchecked."""

import re

import pytest

from tests.browser.fixtures import assert_accessible, assert_fits, log_in_demo, record_fragments
from tests.components import nu_fragment_errors, nu_html_errors
from tests.factories import Factory

pytestmark = pytest.mark.browser

# GET endpoints that answer with something else than an HTML page: the reason.
NOT_HTML = {
    "static": "files",
    "passes.download": "the ZIP of passes",
    "passes_staff.import_template": "the CSV template",
    "courses.invoice_pdf": "the invoice PDF",
    "smartcard_crl.revocation_list": "the CRL (DER)",
    "courses_staff.invoice_pdf": "the invoice PDF",
    "courses.attachment": "a message's attachment",
    "register_login.eherkenning_callback": "the OIDC callback: a redirect to the organisation's pages or a refusal page",
    "register_login.digid_callback": "the OIDC callback: a redirect to the person's pages or a refusal page",
    "dossiers_school.import_template": "the CSV template",
    "dossiers_staff.import_template": "the CSV template",
    "dossiers_codes.bulk_letters": "the PDF of activation-code letters",
    "dossiers_part_b.part_a_pdf": "part A as a PDF (Deel A bekijken)",
    "dossiers_approval.pdf": "the dossier's PDF",
    "dossiers_college.dossier_pdf": "the whole dossier's PDF",
    "dossiers_mentor.dossier_pdf": "a finished dossier's PDF",
}

# endpoint -> its visits: (role, arguments for url_for[, status]); an argument "@name" is the id `name` of
# the demo world (see world_ids), the others go into the path or the query string.
PAGES = {
    "main.home": [("anonymous", {}), ("person", {}), ("contact", {}), ("admin", {}), ("staff", {})],
    "main.privacy": [("anonymous", {})],
    "main.accessibility": [("anonymous", {})],
    "main.contact": [("anonymous", {}), ("person", {})],
    "main.outbox": [("staff", {})],
    "accounts.login": [("anonymous", {})],
    "accounts.request_reset": [("anonymous", {})],
    "accounts.activate": [("anonymous", {"token": "@activation_token"})],
    "accounts.reset_password": [("anonymous", {"token": "@reset_token"})],
    "accounts.my_data": [("person", {}), ("admin", {})],
    "accounts.edit_my_data": [("person", {}), ("admin", {})],
    "accounts.change_password": [("person", {})],
    "accounts.authenticator": [("person", {})],
    "accounts.decouple_authenticator": [("person", {})],  # without an authenticator: the step-up page
    "accounts.step_up": [("admin", {"level": "EH2+"}), ("admin", {"level": "EH3"})],  # EH3: the smartcard
    "accounts.choose_organisation": [("admin", {})],
    "organisations.show": [("admin", {})],
    "organisations.edit": [("admin", {})],
    "organisations.add_contact": [("admin", {})],
    "organisations.edit_contact": [("admin", {"membership_id": "@employee_membership"})],
    "organisations.remove_contact": [("admin", {"membership_id": "@employee_membership"})],
    "organisations.revoke_invitation": [("admin", {"invitation_id": "@invitation"})],
    "organisations.invitation": [("person", {"token": "@invitation_token"})],
    "organisations.audit_log": [("admin", {})],
    "organisations_staff.index": [("staff", {})],
    "organisations_staff.new": [("staff", {})],
    "organisations_staff.organisation": [("staff", {"organisation_id": "@herenbos"})],
    "backoffice.index": [("staff", {})],
    "backoffice.outgoing_mail": [("staff", {})],
    "backoffice.periodic_runs": [("staff", {})],
    "backoffice.audit_log": [("staff", {}), ("staff", {"gebruiker": "deby"})],
    "cardcheck.index": [("staff", {})],
    "passes.index": [("contact", {}), ("contact", {"zoek": "Knightley"}), ("contact", {"pagina": "2"})],
    "passes.holder_row": [("contact", {"holder_organisation_id": "@holder_organisation", "open": "1"})],
    "passes.submit": [("contact", {})],
    "passes.requests": [("contact", {}), ("contact", {"zoek": "bestaat-niet"})],
    "passes.remove_all": [("contact", {})],
    "passes.delete_request": [("contact", {"request_id": "@pass_request"})],
    "passes.request_row": [("contact", {"request_id": "@pass_request"})],
    "passes.verify": [("anonymous", {"token": "@verify_token"})],
    "passes_staff.import_csv": [("staff", {})],
    "courses.agenda": [("anonymous", {}), ("person", {}), ("anonymous", {"pagina": "2"})],
    "courses.offer": [("anonymous", {})],
    "courses.category": [("anonymous", {"category_id": "@category"})],
    "courses.course": [("anonymous", {"course_id": "@course"})],
    "courses.enrol": [
        ("person", {"event_id": "@event"}),
        ("admin", {"event_id": "@event"}),
        ("admin", {"event_id": "@event", "deelnemer": "0", "zoek": "somm"}),
    ],
    "courses.confirmation": [("person", {"enrollment_id": "@enrollment"})],
    "courses.cancel": [("person", {"enrollment_id": "@enrollment"})],
    "courses.my_courses": [("person", {}), ("admin", {})],
    "courses.organisation_courses": [("admin", {})],
    "courses.invoices": [("person", {}), ("admin", {})],
    "courses.message_archive": [("person", {})],
    "courses.message": [("person", {"message_id": "@message"})],
    "courses_staff.index": [("staff", {})],
    "courses_staff.course": [("staff", {"course_id": "@course"})],
    "courses_staff.event": [("staff", {"event_id": "@event"})],
    "courses_staff.invoices": [("staff", {})],
    "courses_staff.message": [("staff", {})],
    "smartcard_requests.new": [("anonymous", {})],
    "register_login.start": [("anonymous", {}), ("register_org", {}), ("register_person", {})],
    "register_login.refused": [
        ("anonymous", {"reden": reason}, {"mislukt": 400, "niet-bereikbaar": 503}.get(reason, 403))
        for reason in (
            "niveau-onbekend",
            "niveau-te-laag",
            "geen-machtiging",
            "organisatie-onbekend",
            "bsn-ongeldig",
            "mislukt",
            "niet-bereikbaar",
        )
    ],
    "register_links.index": [
        ("register_org", {}),
        ("register_org", {"status": "alle", "sort": "ontkoppeld", "richting": "desc"}),
    ],
    "register_links.person": [("register_org", {"link_id": "@zonnebloem_link"})],
    "register_links.unlink": [("register_org", {"link_id": "@zonnebloem_link"})],
    "register_person.home": [("register_person", {})],
    "register_person.email": [("register_person", {})],
    "register_person.find_organisation": [("register_person", {}), ("register_person", {"zoek": "kinderopvang"})],
    # Daan is linked to De Zonnebloem, and his first steps asked Het Nest: each page says so
    "register_person.request_link": [
        ("register_person", {"organisation_id": "@zonnebloem"}),
        ("register_person", {"organisation_id": "@het_nest"}),
    ],
    "register_person.withdraw": [("register_person", {"request_id": "@person_request"})],
    "register_person.deregister": [("register_person", {})],  # still linked: which organisation
    "register.home": [("register_org", {})],
    "register.requests": [("register_org", {})],
    "register.reject": [("register_org", {"request_id": "@register_request"})],
    "register.link_many": [("register_org", {})],
    "register.organisation": [("register_org", {})],
    "smartcard_requests.received": [("anonymous", {})],
    "smartcards_staff.requests_list": [("staff", {}), ("staff", {"status": "submitted"})],
    "smartcards_staff.request_page": [("staff", {"request_id": "@registration_request"})],
    # ZORG-ID Smartcard aanmaken: the later steps without a checked credential card go back to it (the browser
    # test through the card stack, tests/smartcards/test_personalise_browser.py, checks them with a card)
    "smartcard_personalise.intro": [("person", {})],
    "smartcard_personalise.credential": [("person", {})],
    "smartcard_personalise.birth_date": [("person", {})],
    "smartcard_personalise.card": [("person", {})],
    "smartcard_personalise.done": [("person", {})],
    # dossiers, the student (manual 004): the landing, help, a new account; Roos's home, code and Nieuw dossier (once
    # she has entered a code the code page leads on to Nieuw dossier)
    "dossiers_student.start": [("anonymous", {})],
    "dossiers_student.help": [("anonymous", {}), ("student", {})],
    "dossiers_student.new_account": [("anonymous", {})],
    "dossiers_student.home": [("student", {})],
    "dossiers_student.activate": [("student", {})],
    "dossiers_student.new_dossier": [("student", {}), ("student", {"zoek": "juridisch"})],
    "smartcard_signin.sign_in": [("anonymous", {})],
    "smartcard_signin.step_up": [("person", {})],
    # smartcards onboarding: without a checked card in the session the later steps lead back to the start page
    # (tests/smartcards/test_onboarding_browser.py judges each of them as the card holder sees it)
    "smartcard_onboarding.start": [("anonymous", {}), ("person", {})],
    "smartcard_onboarding.organisation": [("anonymous", {})],
    "smartcard_onboarding.administrator": [("anonymous", {})],
    "smartcard_onboarding.couple": [("anonymous", {})],
    "smartcard_onboarding.done": [("anonymous", {})],
    "smartcards.index": [
        ("card_admin", {}),
        ("card_admin", {"status": "blocked"}),
        ("card_admin", {"zoek": "jansen", "sort": "verloopt", "richting": "desc"}),
        ("admin", {}),  # at EH1: the step-up page
    ],
    "smartcards.card": [("card_admin", {"card_id": "@smartcard"}), ("card_admin", {"card_id": "@revoked_smartcard"})],
    "smartcards.card_action": [
        ("card_admin", {"card_id": "@smartcard", "word": "blokkeren"}),
        ("card_admin", {"card_id": "@smartcard", "word": "intrekken"}),
        ("card_admin", {"card_id": "@revoked_smartcard", "word": "intrekken"}, 409),
    ],
    # the transfer dossiers: the front door (before the student's pages are merged: a page on the DDD), the school's
    # pages as the counsellor (who changes) and a mentor (who reads) see them, the colleges' catalogue for staff
    "dossiers.index": [("anonymous", {}), ("student", {})],
    "dossiers_school.index": [("counsellor", {}), ("mentor", {})],
    "dossiers_school.classes": [("counsellor", {}), ("mentor", {})],
    "dossiers_school.remove_mentor": [("counsellor", {"class_id": "@class_4a", "membership_id": "@mentor_4a"})],
    "dossiers_school.students": [
        ("counsellor", {}),
        ("counsellor", {"zoek": "winter", "leerjaar": "4"}),
        ("mentor", {}),
    ],
    "dossiers_school.student": [("counsellor", {"student_id": "@roos"}), ("mentor", {"student_id": "@roos"})],
    "dossiers_school.new_student": [("counsellor", {})],
    "dossiers_school.edit_student": [("counsellor", {"student_id": "@roos"})],
    "dossiers_school.remove_student": [("counsellor", {"student_id": "@roos"})],
    "dossiers_school.unlink_account": [("counsellor", {"student_id": "@roos"})],
    "dossiers_school.import_students": [("counsellor", {})],
    "dossiers_staff.colleges": [("staff", {})],
    "dossiers_staff.college": [("staff", {"organisation_id": "@mbo_utrecht"})],
    "dossiers_staff.import_programmes": [("staff", {})],
    "dossiers_codes.index": [("counsellor", {}), ("mentor", {})],
    "dossiers_codes.confirm_bulk": [
        ("counsellor", {"method": "letter", "scope": "all"}),
        ("mentor", {"method": "mail", "scope": "all"}),  # Mirjam and Roos by mail; the page says Jaap has no e-mail
    ],
    "dossiers_codes.bulk": [("counsellor", {"bulk_id": "@codes_bulk"})],
    # dossiers part A: Roos de Winter's dossier in the demo world (state part_a)
    "dossiers_part_a.overview": [("student", {"dossier_id": "@roos_dossier"})],
    "dossiers_part_a.section": [
        ("student", {"dossier_id": "@roos_dossier", "section_key": "persoonlijke-gegevens"}),
        ("student", {"dossier_id": "@roos_dossier", "section_key": "vervolgopleiding"}),
    ],
    "dossiers_part_a.check": [("student", {"dossier_id": "@roos_dossier"})],
    # dossiers part B: Mirjam Hoenderloo's dossier in the demo world (state part_b, class 4a) and, started early,
    # the student part of Jaap Rierink (class 4b: the counsellor's)
    "dossiers_part_b.overview": [
        ("counsellor", {"dossier_id": "@mirjam_dossier"}),
        ("mentor", {"dossier_id": "@mirjam_dossier"}),
    ],
    "dossiers_part_b.section": [
        ("mentor", {"dossier_id": "@mirjam_dossier", "section_key": "begeleiding"}),
        ("mentor", {"dossier_id": "@mirjam_dossier", "section_key": "opp-en-nader-contact"}),
    ],
    "dossiers_part_b.check": [("mentor", {"dossier_id": "@mirjam_dossier"})],
    "dossiers_part_b.student_overview": [
        ("counsellor", {"student_id": "@jaap"}),
        ("mentor", {"student_id": "@mirjam"}),
    ],
    "dossiers_part_b.student_section": [("counsellor", {"student_id": "@jaap", "section_key": "begeleiding"})],
    # dossiers, the approval: Roos's second demo dossier, in akkoordverklaring (she is under 18, no parent has approved:
    # Afronden says why it waits); the parent's page through a link mailed for it, and the thanks after
    "dossiers_approval.page": [("student", {"dossier_id": "@roos_approval_dossier"})],
    "dossiers_approval.part": [
        ("student", {"dossier_id": "@roos_approval_dossier", "part": "a"}),
        ("student", {"dossier_id": "@roos_approval_dossier", "part": "b"}),
    ],
    "dossiers_approval.finish": [("student", {"dossier_id": "@roos_approval_dossier"})],
    "dossiers_approval.back": [("student", {"dossier_id": "@roos_approval_dossier"})],
    "dossiers_parent.approve": [("anonymous", {"token": "@parent_token"})],
    "dossiers_parent.thanks": [("anonymous", {})],
    # dossiers, the receiving college: MBO Utrecht's finished dossiers (Noor Vermeulen's in the demo world)
    "dossiers_college.index": [
        ("college", {}),
        ("college", {"zoek": "smit", "opp": "ja"}),
        ("college", {"zoek": "bestaat-niet"}),
    ],
    "dossiers_college.dossier": [("college", {"dossier_id": "@finished_dossier"})],
    # dossiers, the mentor's dashboards: the demo's 4a has a dossier waiting for Start deel B (Sanne), one with part
    # B at the student for 20 days (Daan) and a finished one (Lotte)
    "dossiers_mentor.worklist": [
        ("counsellor", {}),
        ("mentor", {}),
        ("counsellor", {"zoek": "bos", "status": "sent_to_mentor"}),
    ],
    "dossiers_mentor.my_students": [("counsellor", {}), ("mentor", {}), ("mentor", {"zoek": "smit", "leerjaar": "4"})],
    "dossiers_mentor.dossier_history": [
        ("mentor", {"dossier_id": "@sanne_dossier"}),
        ("counsellor", {"dossier_id": "@lotte_dossier"}),
    ],
    "dossiers_mentor.step": [
        ("mentor", {"dossier_id": "@sanne_dossier", "slug": "terugzetten-naar-deel-a"}),
        ("mentor", {"dossier_id": "@sanne_dossier", "slug": "archiveren"}),
    ],
}
# addresses that are no endpoint's page: the error page
OTHER_PAGES = [("anonymous", "/bestaat-niet", 404)]

LOGINS = {
    "person": ("jan.visser@example.nl", None),
    "contact": ("deby@herenbos.example", "ROC Kop van Noord-Holland"),  # contact person with the passes mandate
    "admin": ("deby@herenbos.example", "Herenbos Schagen"),
    "staff": ("beheer@loket.example", None),
    "card_admin": ("sanne@zorggroepduinstreek.example", "Zorggroep Duinstreek"),  # smartcards, stepped up to EH2+
    "counsellor": ("decaan@debrug.example", "Vakcollege De Brug"),  # the transfer dossiers' school
    "mentor": ("mentor4a@debrug.example", "Vakcollege De Brug"),
    "student": ("r.dewinter@leerling.example", None),
    "college": ("toelating@mboutrecht.example", "MBO Utrecht (Is nieuwe naam ROC ASA)"),  # a receiving college's staff
}


def test_every_page_has_an_entry():
    from webapp import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATA_KEY": "y", "PERIODIC_TIMER": False})
    pages = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    missing = sorted(pages - set(PAGES) - set(NOT_HTML))
    assert missing == [], f"GET pages no browser test visits (add them to PAGES, or a reason to NOT_HTML): {missing}"
    assert sorted(set(PAGES) - pages) == []  # an entry for a page that is gone


def world_ids(app) -> dict:
    """The ids the pages need, found in the demo data (and what the roles' first steps made)."""
    from sqlalchemy import select

    from webapp.accounts.models import Membership, Organisation, User
    from webapp.accounts.services import ACTIVATE, RESET, link_for
    from webapp.courses.models import Category, Enrollment, Event, Message
    from webapp.dossiers.models import BulkHandout, ClassMentor, Dossier, Student
    from webapp.extensions import db
    from webapp.organisations.models import Invitation
    from webapp.organisations.services import invitation_link, invite_contact_person
    from webapp.passes.models import Holder, HolderOrganisation, PassRequest, Qualification
    from webapp.register.demo import ZONNEBLOEM_KVK
    from webapp.register.models import Link as RegisterLink
    from webapp.register.models import LinkRequest, RegisteredPerson
    from webapp.smartcards.models import RegistrationRequest, Smartcard
    from webapp.smartcards.requests import submit as submit_request

    def one(query):
        return db.session.execute(query.limit(1)).scalar()

    with app.test_request_context():
        jan = one(select(User).where(User.email == "jan.visser@example.nl"))
        herenbos = one(select(Organisation).where(Organisation.name == "Herenbos Schagen"))
        newcomer = one(select(User).where(User.email == "nieuw.browser@herenbos.example"))
        if newcomer is None:
            newcomer = Factory(app).user("nieuw.browser@herenbos.example", activated=False)
        invitation = one(select(Invitation).where(Invitation.user_id == jan.id, Invitation.state == "invited"))
        if invitation is None:  # Herenbos invites Jan, who has not answered yet
            invitation = invite_contact_person(
                herenbos, {"email": jan.email, "first_name": "Jan", "last_name": "Visser", "role": "contact"}, None
            )
            db.session.commit()
        knightley = one(select(Holder).where(Holder.number == "73029884"))
        registration = one(select(RegistrationRequest).where(RegistrationRequest.state == "submitted"))
        if registration is None:  # a care provider has asked to register, and waits for the staff's decision
            registration = submit_request(
                {
                    "organisation_name": "Zorggroep De Linde",
                    "kvk_number": "12345678",
                    "subscriber_number": "90001234",
                    "street": "Lindelaan",
                    "house_number": "12",
                    "postcode": "1741 AB",
                    "city": "Schagen",
                    "representative_name": "Anna de Vries",
                    "email": "anna@delinde.example",
                    "phone": "0224-123456",
                }
            )
            db.session.commit()
        event = one(select(Event).where(Event.name == "LV Optimaal bespuiten (VT)"))
        mentor_4a = one(select(Membership.id).join(User).where(User.email == "mentor4a@debrug.example"))
        de_brug = one(select(Organisation).where(Organisation.name == "Vakcollege De Brug"))
        codes_bulk = de_brug and one(select(BulkHandout.id).where(BulkHandout.school_id == de_brug.id))
        if de_brug is not None and codes_bulk is None:  # the counsellor mailed class 4a's codes
            from webapp.core.timeutil import utcnow

            record = BulkHandout(
                school_id=de_brug.id,
                method="mail",
                scope="year:4",
                scope_label="leerjaar 4",
                state="done",
                total=2,
                done=2,
                report="Jaap Rierink: geen e-mailadres",
                created_at=utcnow(),
                finished_at=utcnow(),
            )
            db.session.add(record)
            db.session.commit()
            codes_bulk = record.id
        ids = {
            "herenbos": herenbos.id,
            "invitation": invitation.id,
            "invitation_token": invitation_link(invitation).rsplit("/", 1)[1],
            "employee_membership": one(
                select(Membership.id).where(Membership.organisation_id == herenbos.id, Membership.role == "employee")
            ),
            "activation_token": link_for(ACTIVATE, newcomer).rsplit("/", 1)[1],
            "reset_token": link_for(RESET, jan).rsplit("/", 1)[1],
            "holder_organisation": one(
                select(HolderOrganisation.id).where(HolderOrganisation.holder_id == knightley.id)
            ),
            "verify_token": one(select(Qualification.verify_token).where(Qualification.holder_id == knightley.id)),
            "pass_request": one(select(PassRequest.id).order_by(PassRequest.id.desc())),
            "category": one(select(Category.id).where(Category.parent_id.is_(None))),
            "course": event.course_id,
            "event": event.id,
            "enrollment": one(select(Enrollment.id).where(Enrollment.participant_id == jan.id)),
            "message": one(select(Message.id).where(Message.recipient_id == jan.id)),
            "registration_request": registration.id,
            "codes_bulk": codes_bulk,
            "smartcard": one(select(Smartcard.id).where(Smartcard.holder_name == "Ahmed Bakker")),
            "revoked_smartcard": one(select(Smartcard.id).where(Smartcard.state == "revoked")),
            "zonnebloem": one(select(Organisation.id).where(Organisation.kvk_number == ZONNEBLOEM_KVK)),
            "zonnebloem_link": one(  # Kees Mulder, planned to be unlinked
                select(RegisterLink.id)
                .join(RegisteredPerson, RegisteredPerson.id == RegisterLink.person_id)
                .where(RegisteredPerson.last_name == "Mulder", RegisterLink.state == "linked")
            ),
            "het_nest": one(select(Organisation.id).where(Organisation.kvk_number == "69599085")),
            "roos": one(select(Student.id).where(Student.email == "r.dewinter@leerling.example")),
            "class_4a": one(select(ClassMentor.class_id).where(ClassMentor.membership_id == mentor_4a)),
            "mentor_4a": mentor_4a,
            "mbo_utrecht": one(select(Organisation.id).where(Organisation.name.startswith("MBO Utrecht"))),
            "person_request": one(  # what the register_person role's first steps asked
                select(LinkRequest.id)
                .join(RegisteredPerson, RegisteredPerson.id == LinkRequest.person_id)
                .where(
                    RegisteredPerson.bsn_is(REGISTER_LOGINS["register_person"][1]["bsn"]), LinkRequest.state == "open"
                )
            ),
            "register_request": one(
                select(LinkRequest.id).where(
                    LinkRequest.state == "open",
                    LinkRequest.organisation_id
                    == select(Organisation.id).where(Organisation.kvk_number == ZONNEBLOEM_KVK).scalar_subquery(),
                )
            ),
            "roos_dossier": one(  # dossiers: Roos de Winter's dossier (the demo world of the dossiers module)
                select(Dossier.id)
                .join(Student, Student.id == Dossier.student_id)
                .join(User, User.id == Student.user_id)
                .where(User.email == "r.dewinter@leerling.example")
            ),
            "mirjam": one(select(Student.id).where(Student.email == "m.hoenderloo@leerling.example")),
            "jaap": one(select(Student.id).where(Student.first_name == "Jaap", Student.last_name == "Rierink")),
            "mirjam_dossier": one(  # dossiers part B: Mirjam Hoenderloo's dossier in part B (demo.py)
                select(Dossier.id)
                .join(Student, Student.id == Dossier.student_id)
                .where(Student.email == "m.hoenderloo@leerling.example", Dossier.state == "part_b")
            ),
            **approval_ids(one),
            "finished_dossier": one(select(Dossier.id).where(Dossier.state == "finished").order_by(Dossier.id)),
            "sanne_dossier": one(  # dossiers: waits for Start deel B (the mentor's dashboards)
                select(Dossier.id).join(Student, Student.id == Dossier.student_id).where(Student.first_name == "Sanne")
            ),
            "lotte_dossier": one(  # dossiers: finished
                select(Dossier.id)
                .join(Student, Student.id == Dossier.student_id)
                .where(Student.first_name == "Lotte", Dossier.state == "finished")
            ),
        }
        db.session.remove()
    return ids


def log_in(page, base, role, app, ids):
    if role in REGISTER_LOGINS:  # the register's eHerkenning and DigiD sessions (their OIDC logins: tests/register)
        from tests.register.support import browser_cookie

        via, fields = REGISTER_LOGINS[role]
        values = {key: ids[v[1:]] if str(v).startswith("@") else v for key, v in fields.items()}
        page.context.add_cookies([browser_cookie(app, base, via, **values)])
    elif role != "anonymous":
        log_in_demo(page, base, *LOGINS[role])


# The register's roles: an employee of the demo childcare organisation at EH2+ with the mandate, a demo person.
REGISTER_LOGINS = {
    "register_org": (
        "eherkenning",
        {"level": "EH2+", "subject": "demo-medewerker", "organisation_id": "@zonnebloem", "mandated": True},
    ),
    "register_person": (
        "digid",
        {"level": "DigiD", "bsn": "123456721", "first_name": "Daan", "last_name": "Jansen"},
    ),
}


def first_steps(page, base, role):
    """What the role does before its pages are visited, so they show more than an empty state."""
    from webapp.core.jobs import wait_for_in_process_jobs

    if role == "person":  # Jan enrols: an enrolment, its confirmation, an invoice, a message in his dossier
        page.goto(f"{base}/cursusagenda")
        page.get_by_role("link", name="LV Optimaal bespuiten (VT)").click()
        page.get_by_role("button", name="Inschrijven").click()
        page.wait_for_url(re.compile(r"/bevestiging$"))
    if role == "contact":  # every holder selected ("Toegevoegd" on each row), one request submitted
        page.goto(f"{base}/pasjes")
        page.get_by_role("button", name="Voeg alle toe").click()
        page.get_by_text(re.compile(r"\d+ Kwalificatiehouder\(s\) toegevoegd")).first.wait_for()
        page.goto(f"{base}/pasjes/verzoek")
        page.get_by_role("button", name="Dien verzoek in").click()
        page.wait_for_url(re.compile(r"/pasjes/verzoeken$"))
        page.goto(f"{base}/pasjes")
        page.get_by_role("button", name="Voeg alle toe").click()  # selected again: the list shows "Toegevoegd"
        page.get_by_text(re.compile(r"\d+ Kwalificatiehouder\(s\) toegevoegd")).first.wait_for()
    if role == "card_admin":  # the smartcard pages ask for EH2+: a code from the demo's authenticator
        import time

        import pyotp

        from webapp.smartcards.demo import DEMO_TOTP_SECRET

        page.goto(f"{base}/verificatie?level=EH2%2B")
        page.get_by_label("Code uit uw authenticator-app").fill(pyotp.TOTP(DEMO_TOTP_SECRET).at(time.time()))
        page.get_by_role("button", name="Verifiëren").click()
        page.get_by_text("U bent ingelogd op betrouwbaarheidsniveau EH2+.").wait_for()
    if role == "register_person":  # Daan finds Het Nest (htmx as he types) and asks it to link him
        page.goto(f"{base}/personenregister/persoon/organisatie-zoeken")
        page.get_by_label("Naam, KvK-nummer of plaats").fill("Het Nest")
        page.get_by_role("link", name="Vraag Gastouderbureau Het Nest om u te koppelen").click()
        page.get_by_role("button", name="Vraag om koppeling").click()
        page.get_by_text("U hebt Gastouderbureau Het Nest gevraagd om u te koppelen.").wait_for()
    wait_for_in_process_jobs()  # mail, the message archive, the archive build: done before the pages are read


def visits(app, ids, role):
    """(path, status) of the entries of PAGES and OTHER_PAGES for this role."""
    with app.test_request_context():
        from flask import url_for

        for endpoint, entries in PAGES.items():
            for visitor, arguments, *status in entries:
                if visitor == role:
                    values = {key: ids[v[1:]] if str(v).startswith("@") else v for key, v in arguments.items()}
                    yield url_for(endpoint, **values), status[0] if status else 200
    yield from ((path, status) for visitor, path, status in OTHER_PAGES if visitor == role)


def check_page(page, base, role, path, status, pages, fragments) -> list[str]:
    """The page's problems (all of them: one run shows what is left to fix); keeps its HTML and fragment."""
    page.set_viewport_size({"width": 1280, "height": 900})
    response = page.goto(base + path)
    if response.status != status:
        return [f"{role} {path}: status {response.status} (expected {status}) at {page.url}"]
    pages[f"{role} {path}" if page.url == base + path else f"{role} {path} -> {page.url}"] = response.text()
    problems = []
    for check in (assert_accessible, lambda page: assert_fits(page, 1024), lambda page: assert_fits(page, 390)):
        try:
            check(page)
        except AssertionError as problem:
            problems.append(f"{role} {path}: {problem}")
    # the same address as htmx fetches it: the page's fragment
    fragment = page.request.get(base + path, headers={"HX-Request": "true"}, max_redirects=0)
    body = fragment.text() if "text/html" in fragment.headers.get("content-type", "") else ""
    if body.strip() and not body.lstrip()[:9].lower().startswith("<!doctype"):
        fragments[f"{role} HX {path}"] = body
    return problems


def test_every_page_is_valid_accessible_and_fits(demo_portal, browser, tmp_path):
    base, app = demo_portal.url, demo_portal.app
    pages, fragments, problems = {}, {}, []
    roles = ["anonymous", "person", "contact", "admin", "staff", "card_admin", "counsellor", "mentor", "student"]
    roles += list(REGISTER_LOGINS)
    roles += ["college"]  # the transfer dossiers' receiving college
    for role in roles:
        context = browser.new_context(locale="nl-NL")
        page = context.new_page()
        page.set_default_timeout(15_000)
        recorded = record_fragments(page)
        ids = world_ids(app)
        log_in(page, base, role, app, ids)
        first_steps(page, base, role)
        for path, status in visits(app, world_ids(app), role):
            problems += check_page(page, base, role, path, status, pages, fragments)
        fragments.update(recorded)
        context.close()
    problems += nu_html_errors(pages, tmp_path)
    problems += nu_fragment_errors(fragments, tmp_path / "fragments")
    assert problems == [], "\n".join(problems)
    assert len(pages) >= sum(len(entries) for entries in PAGES.values())
    assert {"contact HX /pasjes", "person HX /cursusagenda"} <= set(fragments)  # the htmx fragments were judged too


def approval_ids(one) -> dict:
    """Roos's demo dossier in akkoordverklaring, and a link mailed to her parent for it (made once)."""
    import secrets

    from sqlalchemy import select

    from webapp.accounts.models import User
    from webapp.core.timeutil import utcnow
    from webapp.dossiers import approval
    from webapp.dossiers.approval_models import ParentRequest
    from webapp.dossiers.models import Dossier, Student
    from webapp.extensions import db

    dossier_id = one(
        select(Dossier.id)
        .join(Student, Student.id == Dossier.student_id)
        .join(User, User.id == Student.user_id)
        .where(User.email == "r.dewinter@leerling.example", Dossier.state == "approval")
    )
    if dossier_id is None:
        return {"roos_approval_dossier": None, "parent_token": None}
    request = one(select(ParentRequest).where(ParentRequest.dossier_id == dossier_id, ParentRequest.used_at.is_(None)))
    if request is None:  # made here, not asked through approval.ask_parent: that needs Roos under 18 today
        now = utcnow()
        request = ParentRequest(
            dossier_id=dossier_id,
            email="ouder.dewinter@example.nl",
            nonce=secrets.token_hex(16),
            created_at=now,
            expires_at=now + approval.PARENT_LINK_LIFETIME,
        )
        db.session.add(request)
        db.session.commit()
    return {"roos_approval_dossier": dossier_id, "parent_token": approval.parent_token(request)}
