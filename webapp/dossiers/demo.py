"""The dossiers' demo world (idempotent): the manual's school Vakcollege De Brug with its counsellor and two mentors,
classes 4a and 4b of the current school year, the students Roos de Winter (with an account and a dossier in part A),
Mirjam Hoenderloo (no account yet) and Jaap Rierink (no e-mail address), and three receiving colleges with a few
programmes each. Every demo account's password is DEMO_PASSWORD. The BSNs pass the 11-proef and are nobody's."""

from datetime import date, timedelta

from sqlalchemy import select

from webapp.accounts.models import Membership, Organisation, User
from webapp.core import passwords
from webapp.core.timeutil import utcnow
from webapp.dossiers import catalogue, codes, states
from webapp.dossiers.models import ClassMentor, Dossier, Programme, SchoolClass, Student, Transition
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
    db.session.flush()
    lines.append(f"  {len(STUDENTS)} leerlingen, {len(COLLEGES)} vervolgopleidingen met hun opleidingen")
    lines += _mentor_demo(school, classes, college_ids, password_hash)
    return lines


# The mentor's dashboards: students of 4a whose dossiers are further along, each with the history that brought
# it there (days ago): Sanne's part A waits for "Start deel B"; Daan has had part B for 20 days and not approved;
# Lotte's dossier is finished, and she archived an older one.
MENTOR_STUDENTS = [  # first name, infix, last name, e-mail, birth date, BSN
    ("Sanne", "", "Bos", "s.bos@leerling.example", date(2009, 5, 2), "246813003"),
    ("Daan", "", "Smit", "d.smit@leerling.example", date(2008, 9, 30), "135792009"),
    ("Lotte", "", "Visser", "l.visser@leerling.example", date(2009, 1, 8), "864209009"),
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
        dossier.archived = archived
    db.session.flush()
    lines.append("  dossiers voor Start deel B, deel B bij de leerling (20 dagen), afgerond en gearchiveerd")
    return lines
