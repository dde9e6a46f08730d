"""The dossiers' demo world (idempotent): the manual's school Vakcollege De Brug with its counsellor and two mentors,
classes 4a and 4b of the current school year, the students Roos de Winter (with an account and a dossier in part A),
Mirjam Hoenderloo (no account yet) and Jaap Rierink (no e-mail address), and three receiving colleges with a few
programmes each. Every demo account's password is DEMO_PASSWORD. The BSNs pass the 11-proef and are nobody's.
Roos has a second dossier, in akkoordverklaring (_in_approval)."""

from datetime import date, timedelta

from sqlalchemy import select

from webapp.accounts.models import Membership, Organisation, User
from webapp.core import passwords
from webapp.core.timeutil import utcnow
from webapp.dossiers import catalogue, codes, document, formdef, history, states
from webapp.dossiers.approval_models import STUDENT, Approval
from webapp.dossiers.college import CONTACT_KEY, OPP_KEY
from webapp.dossiers.models import Answer, ClassMentor, Dossier, Programme, SchoolClass, Student, Transition
from webapp.dossiers.school import school_year
from webapp.extensions import db
from webapp.organisations.demo import DEMO_PASSWORD

SCHOOL = dict(
    name="Vakcollege De Brug",
    kind="school",
    city="Utrecht",
    street="Brugstraat",
    house_number="1",
    postcode="3511 AA",
    email="info@debrug.example",
    phone="030-2345678",
)
STAFF = [  # e-mail, first name, infix, last name, role, classes they mentor
    ("decaan@debrug.example", "Henk", "", "Jansen", "counsellor", ()),
    ("mentor4a@debrug.example", "Anja", "de", "Vries", "mentor", ("4a",)),
    ("mentor4b@debrug.example", "Pieter", "", "Bakker", "mentor", ("4b",)),
]
CLASSES = (("4a", 4), ("4b", 4))
STUDENTS = [  # first name, infix, last name, class, e-mail, birth date, BSN, has an account
    ("Roos", "de", "Winter", "4a", "r.dewinter@leerling.example", date(2009, 3, 14), "123456782", True),
    ("Mirjam", "", "Hoenderloo", "4a", "m.hoenderloo@leerling.example", date(2009, 11, 2), "111222333", False),
    ("Jaap", "", "Rierink", "4b", "", date(2008, 6, 21), "999999990", False),
]
COLLEGES = [  # name, KvK, city, takes part, programmes: (name, level, track, location, code)
    (
        "MBO Utrecht (Is nieuwe naam ROC ASA)",
        "30000001",
        "Utrecht",
        True,
        [
            ("Juridisch secretaresse", 4, "BOL", "Australiëlaan 23", "95392"),
            ("Toezicht en veiligheid (Handhaver toezicht en veiligheid)", 3, "BOL", "Australiëlaan 23", "25410"),
            ("Metaalbewerken (Constructiewerker)", 2, "BBL", "Vondellaan 178", "25290"),
        ],
    ),
    (
        "ROC van Twente",
        "30000002",
        "Hengelo",
        True,
        [
            ("Metaalbewerken (Constructiewerker)", 2, "BBL", "Gieterij 200", "25290"),
            ("Toezicht en veiligheid (Handhaver toezicht en veiligheid)", 3, "BOL", "Het Vlier 1", "25410"),
            ("Juridisch secretaresse", 4, "BOL", "Het Vlier 1", "95392"),
        ],
    ),
    (
        "Grafisch Lyceum Rotterdam",
        "30000003",
        "Rotterdam",
        False,
        [
            ("Art & Design", 4, "BOL", "Heer Bokelweg 255", "25391"),
            ("Mediavormgever", 4, "BOL", "Heer Bokelweg 255", "25394"),
        ],
    ),
]
ROOS_PROGRAMME = ("MBO Utrecht (Is nieuwe naam ROC ASA)", "95392")
# Part B: Mirjam Hoenderloo's dossier for ROC van Twente, part A sent to mentor 4a, who has started part B.
MIRJAM_PROGRAMME = ("ROC van Twente", "25290")
MIRJAM_PART_A = {
    "roepnaam": "Mirjam",
    "voornamen": "Mirjam Anna",
    "voorletters": "M.A.",
    "achternaam": "Hoenderloo",
    "geslacht": "vrouw",
    "telefoonnummer": "+31 612345678",
    "telefoonnummer_geheim": "nee",
    "gezin": "Mijn vader, mijn moeder en een broer van 12.",
    "woont_bij": "ouders",
    "hobbys": "Voetbal en sleutelen aan brommers.",
    "goed_in": "Nauwkeurig werken met mijn handen.",
    "wil_leren": "Technisch tekenen.",
    "samenwerken": "ja",
    "stage_gelopen": "ja",
    "hulp_nodig": "nee",
    "dyslexie": "nee",
    "dyscalculie": "nee",
    "school_naam": "Vakcollege De Brug",
    "leerweg": "kb",
    "profiel": "Produceren, installeren en energie",
    "diploma_verwacht": "ja",
    "open_dag": "ja",
    "meeloopdag": "ja",
    "waarom": "Ik wil constructiewerker worden.",
    "beroep": "Constructiewerker",
    "ingangsdatum": "2027-08-30",
    "leervorm": "bbl",
}


def _user(email: str, first_name: str, infix: str, last_name: str, password_hash: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            email=email,
            first_name=first_name,
            infix=infix,
            last_name=last_name,
            password_hash=password_hash,
            activated_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
    return user


def _colleges() -> dict[str, int]:
    ids = {}
    for name, kvk, city, takes_part, programmes in COLLEGES:
        college, made = catalogue.college_for(name, kvk)
        if made:
            college.organisation.city = city
            college.takes_part = takes_part
        ids[name] = college.organisation_id
        for programme_name, level, track, location, code in programmes:
            exists = select(Programme.id).where(Programme.college_id == college.organisation_id, Programme.code == code)
            if db.session.scalar(exists) is None:
                db.session.add(
                    Programme(
                        college_id=college.organisation_id,
                        name=programme_name,
                        level=level,
                        track=track,
                        location=location,
                        code=code,
                    )
                )
    db.session.flush()
    return ids


def load_demo() -> list[str]:
    school = db.session.scalar(select(Organisation).where(Organisation.name == SCHOOL["name"]))
    if school is not None:
        return [f"Doorstroomdossier: {SCHOOL['name']} staat er al."]
    college_ids = _colleges()
    school = Organisation(**SCHOOL)
    db.session.add(school)
    db.session.flush()
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    year = school_year()
    classes = {}
    for name, level in CLASSES:
        classes[name] = SchoolClass(school_id=school.id, school_year=year, name=name, year=level)
        db.session.add(classes[name])
    db.session.flush()
    lines = [f"Doorstroomdossier: {SCHOOL['name']}, klassen 4a en 4b ({year}); wachtwoord: {DEMO_PASSWORD}"]
    for email, first_name, infix, last_name, role, mentor_of in STAFF:
        user = _user(email, first_name, infix, last_name, password_hash)
        membership = Membership(user=user, organisation=school, role=role)
        db.session.add(membership)
        db.session.flush()
        for class_name in mentor_of:
            db.session.add(ClassMentor(class_id=classes[class_name].id, membership_id=membership.id))
        lines.append(f"  {email:<36} {user.full_name} ({'decaan' if role == 'counsellor' else 'mentor'})")
    for first_name, infix, last_name, class_name, email, born, bsn, has_account in STUDENTS:
        student = Student(school_id=school.id, class_id=classes[class_name].id, birth_date=born, email=email, year=4)
        student.set_name(first_name, infix, last_name)
        student.bsn = bsn
        if has_account:
            student.user = _user(email, first_name, infix, last_name, password_hash)
            lines.append(f"  {email:<36} {student.name} (leerling, klas {class_name})")
        db.session.add(student)
        db.session.flush()
        if has_account:
            college_name, code = ROOS_PROGRAMME
            programme = db.session.scalar(
                select(Programme).where(Programme.college_id == college_ids[college_name], Programme.code == code)
            )
            db.session.add(Dossier(student_id=student.id, programme_id=programme.id, state="part_a"))
            letter, _handout = codes.issue(student, "mail", None)  # she entered the code her school mailed her
            codes.redeem(student, letter.code, "127.0.0.1")
            _in_approval(student, college_ids)
    db.session.flush()
    lines.append(_mirjam_in_part_b(school, college_ids))
    lines.append(f"  {len(STUDENTS)} leerlingen, {len(COLLEGES)} vervolgopleidingen met hun opleidingen")
    lines += load_college_demo(school, classes, college_ids, password_hash)

    lines += _mentor_demo(school, classes, college_ids, password_hash)
    return lines


# The mentor's dashboards: students of 4a whose dossiers are further along, each with the history that brought
# it there (days ago): Sanne's part A waits for "Start deel B"; Daan has had part B for 20 days and not approved;
# Lotte's dossier is finished, and she archived an older one.
MENTOR_STUDENTS = [  # first name, infix, last name, e-mail, birth date, BSN
    ("Sanne", "", "Bos", "s.bos@leerling.example", date(2009, 5, 2), "246813003"),
    ("Daan", "", "Smit", "d.smit@leerling.example", date(2008, 9, 30), "135792009"),
    ("Lotte", "", "Visser", "l.visser@leerling.example", date(2008, 1, 8), "864209009"),  # 18: approves alone
]
MENTOR_DOSSIERS = [  # student's first name, college, programme code, archived, steps: (action, by, days ago)
    ("Sanne", "ROC van Twente", "25290", False, [("send_to_mentor", "student", 2)]),
    (
        "Daan",
        "MBO Utrecht (Is nieuwe naam ROC ASA)",
        "25410",
        False,
        [("send_to_mentor", "student", 30), ("start_part_b", "mentor", 25), ("send_to_student", "mentor", 20)],
    ),
    (
        "Lotte",
        "MBO Utrecht (Is nieuwe naam ROC ASA)",
        "95392",
        False,
        [
            ("send_to_mentor", "student", 40),
            ("start_part_b", "mentor", 35),
            ("send_to_student", "mentor", 30),
            ("start_approval", "student", 28),
            ("finish", "student", 27),
        ],
    ),
    ("Lotte", "Grafisch Lyceum Rotterdam", "25391", True, [("archive", "mentor", 45)]),
]


def _mentor_demo(school, classes, college_ids, password_hash) -> list[str]:
    mentor = db.session.scalar(
        select(Membership).join(User).where(User.email == "mentor4a@debrug.example", Membership.organisation == school)
    )
    students, lines = {}, []
    for first_name, infix, last_name, email, born, bsn in MENTOR_STUDENTS:
        student = Student(school_id=school.id, class_id=classes["4a"].id, birth_date=born, email=email, year=4)
        student.set_name(first_name, infix, last_name)
        student.bsn = bsn
        student.user = _user(email, first_name, infix, last_name, password_hash)
        db.session.add(student)
        students[first_name] = student
        lines.append(f"  {email:<36} {student.name} (leerling, klas 4a)")
    db.session.flush()
    now = utcnow()
    for first_name, college_name, code, archived, steps in MENTOR_DOSSIERS:
        student = students[first_name]
        programme = db.session.scalar(
            select(Programme).where(Programme.college_id == college_ids[college_name], Programme.code == code)
        )
        made = now - timedelta(days=steps[0][2] + 3)
        dossier = Dossier(
            student_id=student.id, programme_id=programme.id, state="part_a", created_at=made, updated_at=made
        )
        dossier.mentor_id = mentor.id
        db.session.add(dossier)
        db.session.flush()
        for action, by, days_ago in steps:
            target = dossier.state if action in states.FLAG_ACTIONS else states.next_state(dossier.state, action)
            at = now - timedelta(days=days_ago)
            db.session.add(
                Transition(
                    dossier_id=dossier.id,
                    action=action,
                    from_state=dossier.state,
                    to_state=target,
                    by_id=student.user_id if by == "student" else mentor.user_id,
                    at=at,
                )
            )
            dossier.state, dossier.updated_at = target, at
        taken = {action for action, _by, _days in steps}
        if "send_to_mentor" in taken:
            _fill(dossier, student, part_b="send_to_student" in taken)
        if dossier.state == "finished":
            dossier.finished_at = dossier.updated_at
            _approved(dossier, student, dossier.finished_at)
        dossier.archived = archived
    db.session.flush()
    lines.append("  dossiers voor Start deel B, deel B bij de leerling (20 dagen), afgerond en gearchiveerd")
    return lines


def _mirjam_in_part_b(school: Organisation, college_ids: dict[str, int]) -> str:
    """Mirjam's dossier as it is once her part A has reached her mentor and the mentor has chosen Start deel B."""
    mirjam = db.session.scalar(select(Student).where(Student.school_id == school.id, Student.first_name == "Mirjam"))
    mentor = db.session.scalar(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == school.id, User.email == "mentor4a@debrug.example")
    )
    college_name, code = MIRJAM_PROGRAMME
    programme = db.session.scalar(
        select(Programme).where(Programme.college_id == college_ids[college_name], Programme.code == code)
    )
    dossier = Dossier(student_id=mirjam.id, programme_id=programme.id, state="part_b", mentor_id=mentor.id)
    db.session.add(dossier)
    db.session.flush()
    db.session.add_all(Answer(dossier_id=dossier.id, field=key, value=value) for key, value in MIRJAM_PART_A.items())
    for action, from_state, to_state, by in (
        ("send_to_mentor", "part_a", "sent_to_mentor", None),
        ("start_part_b", "sent_to_mentor", "part_b", mentor.user_id),
    ):
        db.session.add(
            Transition(dossier_id=dossier.id, action=action, from_state=from_state, to_state=to_state, by_id=by)
        )
    db.session.flush()
    return f"  {mirjam.name}: een dossier in deel B ({college_name})"


# Roos's second dossier, as the manual's "Mijn leerlingen" shows her: Art & Design at Grafisch Lyceum Rotterdam, "In
# akkoordverklaring" (part A filled and sent to her mentor, part B sent back to her). She is under 18: her parent
# approves too.
APPROVAL_PROGRAMME = ("Grafisch Lyceum Rotterdam", "25391")
_DEMO_ANSWERS = {
    formdef.TEXT: "Roos",
    formdef.TEXTAREA: "Ik teken en ontwerp graag, en heb op school de posters voor het schoolfeest gemaakt.",
    formdef.PHONE: "+31 612345678",
    formdef.DATE: "2027-08-01",
    formdef.EMAIL: "r.dewinter@leerling.example",
}
_DEMO_PART_B_TEXT = "Roos werkt zelfstandig en zorgvuldig en past goed bij deze opleiding."


def _fill(dossier: Dossier, student: Student, *, part_b: bool) -> None:
    """Every required field of part A answered (as a student who sent it did) and, once the mentor has sent it,
    of part B (the mentor's answers, all "nee")."""
    answers = _DEMO_ANSWERS | {formdef.TEXT: student.first_name}
    for section in formdef.SECTIONS:
        for field in section.required_fields:
            value = field.choices[0][0] if field.kind == formdef.CHOICE else answers[field.kind]
            db.session.add(Answer(dossier_id=dossier.id, field=field.key, value=value))
    given = {}
    for section in formdef.PART_B_SECTIONS if part_b else ():
        for field in section.required_fields:
            given[field.key] = field.choices[-1][0] if field.kind == formdef.CHOICE else _DEMO_PART_B_TEXT
            db.session.add(Answer(dossier_id=dossier.id, field=field.key, value=given[field.key]))
    if part_b:
        dossier.take_part_b_flags(given)  # as Opsturen naar leerling keeps them
    db.session.flush()


def _approved(dossier: Dossier, student: Student, at) -> None:
    """The student's approval of a finished dossier (what Afronden records), tied to its content."""
    db.session.add(
        Approval(
            dossier_id=dossier.id,
            role=STUDENT,
            name=student.name,
            email=student.email,
            content_hash=document.content_hash(dossier),
            at=at,
            by_id=student.user_id,
        )
    )
    db.session.flush()


def _in_approval(student: Student, college_ids: dict[str, int]) -> Dossier:
    college_name, code = APPROVAL_PROGRAMME
    programme = db.session.scalar(
        select(Programme).where(Programme.college_id == college_ids[college_name], Programme.code == code)
    )
    mentor = student.school_class.mentors[0]
    dossier = Dossier(student_id=student.id, programme_id=programme.id, state="part_a", mentor_id=mentor.id)
    db.session.add(dossier)
    db.session.flush()
    _fill(dossier, student, part_b=True)
    for action, by in (
        ("send_to_mentor", student.user),
        ("start_part_b", mentor.user),
        ("send_to_student", mentor.user),
        ("start_approval", student.user),
    ):
        history.take(dossier, action, by)
    return dossier


# The receiving college's demo: MBO Utrecht's admissions office, and one finished dossier for it -------------------

COLLEGE_STAFF = ("toelating@mboutrecht.example", "Fatima", "", "El Amrani", "contact")  # acts for MBO Utrecht
FINISHED_STUDENT = ("Noor", "", "Vermeulen", "4b", "n.vermeulen@leerling.example", date(2008, 9, 30), "192837011")
FINISHED_PROGRAMME = ("MBO Utrecht (Is nieuwe naam ROC ASA)", "25410")  # Toezicht en veiligheid
FINISHED_ANSWERS = {  # part A, every required field, as the pages store them
    "roepnaam": "Noor",
    "voornamen": "Noor Johanna",
    "voorletters": "N.J.",
    "achternaam": "Vermeulen",
    "geslacht": "vrouw",
    "telefoonnummer": "+31 612345678",
    "telefoonnummer_geheim": "nee",
    "gezin": "Vader, moeder en een zus van 12.",
    "woont_bij": "ouders",
    "hobbys": "Voetbal en gamen.",
    "goed_in": "Samenwerken en rustig blijven als het druk is.",
    "wil_leren": "Beter plannen.",
    "samenwerken": "ja",
    "stage_gelopen": "ja",
    "stages": "Bij de supermarkt in de wijk: vakken vullen en klanten helpen.",
    "hulp_nodig": "nee",
    "dyslexie": "nee",
    "dyscalculie": "nee",
    "school_naam": SCHOOL["name"],
    "leerweg": "kb",
    "profiel": "Dienstverlening en producten",
    "diploma_verwacht": "ja",
    "open_dag": "ja",
    "meeloopdag": "ja",
    "waarom": "Ik wil mensen helpen en zorgen dat het veilig is op straat.",
    "beroep": "Handhaver of boa.",
    "ingangsdatum": f"{utcnow().year + 1}-09-01",
    "leervorm": "bol",
}
FINISHED_PART_B = {OPP_KEY: "ja", CONTACT_KEY: "ja"}  # part B's flags: an OPP / warm handover, and nader contact


def load_college_demo(school: Organisation, classes: dict, college_ids: dict[str, int], password_hash: str) -> list:
    """MBO Utrecht's contact person, and Noor Vermeulen's dossier for Toezicht en veiligheid there, taken through every
    step of the state table to finished (part A answered; part B's OPP and nader contact both "ja")."""
    college_id = college_ids[FINISHED_PROGRAMME[0]]
    email, first_name, infix, last_name, role = COLLEGE_STAFF
    staff = _user(email, first_name, infix, last_name, password_hash)
    db.session.add(Membership(user=staff, organisation_id=college_id, role=role))
    first_name, infix, last_name, class_name, email, born, bsn = FINISHED_STUDENT
    student = Student(school_id=school.id, class_id=classes[class_name].id, birth_date=born, email=email, year=4)
    student.set_name(first_name, infix, last_name)
    student.bsn = bsn
    student.user = _user(email, first_name, infix, last_name, password_hash)
    db.session.add(student)
    db.session.flush()
    programme = db.session.scalar(
        select(Programme).where(Programme.college_id == college_id, Programme.code == FINISHED_PROGRAMME[1])
    )
    dossier = Dossier(student_id=student.id, programme_id=programme.id, state="part_a")
    db.session.add(dossier)
    db.session.flush()
    for field, value in (FINISHED_ANSWERS | FINISHED_PART_B).items():
        db.session.add(Answer(dossier_id=dossier.id, field=field, value=value))
    dossier.take_part_b_flags(FINISHED_PART_B)  # as Opsturen naar leerling keeps them
    mentor = db.session.scalar(select(ClassMentor).where(ClassMentor.class_id == classes[class_name].id))
    mentor_user = db.session.get(Membership, mentor.membership_id).user
    history.take(dossier, "send_to_mentor", student.user)
    dossier.mentor_id = mentor.membership_id
    for action, by in (
        ("start_part_b", mentor_user),
        ("send_to_student", mentor_user),
        ("start_approval", student.user),
        ("finish", student.user),
    ):
        history.take(dossier, action, by)
    _approved(dossier, student, dossier.finished_at)
    return [
        f"  {COLLEGE_STAFF[0]:<36} {staff.full_name} (contactpersoon, {FINISHED_PROGRAMME[0]})",
        f"  {email:<36} {student.name} (leerling, klas {class_name}; dossier afgerond)",
    ]
