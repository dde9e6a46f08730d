"""Fuzz every form, query and file parameter of the dossiers (manual 004), on both databases: the school's pages as
its counsellor and its mentor, the codes as the counsellor, the student's pages and part A as the student with an
account, the colleges and their programmes as Loket's staff, the landing pages anonymously; issue 18's part B as
the mentor, the approval as the student, the parent's link anonymously and the receiving college's pages as its
contact person (see tests/security/fuzzing.py for what is checked)."""

import io

import pytest

from tests.security.conftest import World
from tests.security.fuzzing import NASTY, Fuzzer, Target, fuzz_tests
from webapp.dossiers import catalogue, importer

SECTION = "persoonlijke-gegevens"
SECTION_FIELDS = (
    "roepnaam",
    "voornamen",
    "voorletters",
    "tussenvoegsel",
    "achternaam",
    "geslacht",
    "telefoonnummer",
    "telefoonnummer_land",
    "telefoonnummer_geheim",
    "mobiel_nummer",
    "mobiel_nummer_land",
    "mobiel_nummer_geheim",
)
STUDENT_FIELDS = ("first_name", "infix", "last_name", "bsn", "birth_date", "email", "class_id", "year")
STUDENT_LIST = ("zoek", "klas", "leerjaar", "pagina")
CATALOGUE = ("zoek", "instelling", "pagina")
WORK_LIST = ("zoek", "klas", "leerjaar", "status", "pagina")


def csv_upload(columns, header):
    """An import's CSV file (field "bestand"): the header and one row of the values."""

    def body(values):
        cells = [str(values.get(column, "")) for column in columns]
        text = ";".join(header) + "\n" + ";".join(cells) + "\n"
        return {"data": {"bestand": (io.BytesIO(text.encode()), "import.csv")}}

    return body


def _ids(**arguments):
    """The url_for arguments of a target, each the world's id of that name: _ids(dossier_id="approval_dossier_id")."""
    return lambda world: {argument: world.ids[name] for argument, name in arguments.items()}


_class = _ids(class_id="class_id")
_student = _ids(student_id="student_id")
_dossier = _ids(dossier_id="dossier_id")


def _section(world):
    return {"dossier_id": world.ids["dossier_id"], "section_key": SECTION}


_college = _ids(organisation_id="college_id")


def _valid_student(world):
    return {
        "first_name": "Mirjam",
        "last_name": "Hoenderloo",
        "bsn": "111222333",
        "birth_date": "14-03-2010",
        "email": "mirjam@leerling.example",
        "class_id": str(world.ids["class_id"]),
        "year": "4",
    }


def _valid_section(world):
    return {
        "roepnaam": "Roos",
        "voornamen": "Roos Maria",
        "voorletters": "R.M.",
        "achternaam": "Winter",
        "geslacht": "vrouw",
        "telefoonnummer": "0612345678",
        "telefoonnummer_land": "+31",
        "telefoonnummer_geheim": "nee",
    }


TARGETS = [
    # the front door and the landing pages
    Target("anonymous", "GET", "dossiers.index"),
    Target("counsellor", "GET", "dossiers.index"),
    Target("student", "GET", "dossiers.index"),
    Target("anonymous", "GET", "dossiers_student.start"),
    Target("anonymous", "GET", "dossiers_student.help"),
    Target("anonymous", "GET", "dossiers_student.new_account"),
    Target(
        "anonymous",
        "POST",
        "dossiers_student.new_account",
        ("bsn", "email"),
        valid=lambda world: {"bsn": "111222333", "email": "nieuw@leerling.example"},
    ),
    # the student: home, the code (activated already: on to Nieuw dossier), the catalogue, part A
    Target("student", "GET", "dossiers_student.home"),
    Target("student", "GET", "dossiers_student.activate"),
    Target("student", "POST", "dossiers_student.activate", ("code",), valid=lambda world: {"code": "ABCD-EFGH"}),
    Target("student", "GET", "dossiers_student.new_dossier", CATALOGUE, valid=lambda world: {"zoek": "jur"}),
    Target(  # the programme of the open dossier: refused
        "student",
        "POST",
        "dossiers_student.new_dossier",
        ("programme_id", "?zoek", "?instelling", "?pagina"),
        valid=lambda world: {"programme_id": str(world.ids["programme_id"])},
    ),
    Target("student", "GET", "dossiers_part_a.overview", args=_dossier),
    Target("student", "GET", "dossiers_part_a.section", args=_section),
    SECTION_POST := Target(
        "student", "POST", "dossiers_part_a.section", SECTION_FIELDS, args=_section, valid=_valid_section
    ),
    Target(
        "student",
        "POST",
        "dossiers_part_a.save_field",
        ("roepnaam",),
        args=lambda world: {**_section(world), "field_key": "roepnaam"},
        valid=lambda world: {"roepnaam": "Roos"},
    ),
    Target(  # a phone number: the number and its country code
        "student",
        "POST",
        "dossiers_part_a.save_field",
        ("telefoonnummer", "telefoonnummer_land"),
        args=lambda world: {**_section(world), "field_key": "telefoonnummer"},
        valid=lambda world: {"telefoonnummer": "0612345678", "telefoonnummer_land": "+31"},
        label="phone",
    ),
    Target("student", "GET", "dossiers_part_a.check", args=_dossier),
    Target("student", "POST", "dossiers_part_a.stay_logged_in"),
    Target("anonymous", "POST", "dossiers_part_a.stay_logged_in"),
    # the school: start page, Klassen, Leerlingen as the mentor (reads) and the counsellor
    Target("mentor", "GET", "dossiers_school.index"),
    Target("mentor", "GET", "dossiers_school.classes"),
    Target("mentor", "GET", "dossiers_school.students", STUDENT_LIST, valid=lambda world: {"zoek": "roos"}),
    Target("counsellor", "GET", "dossiers_school.index"),
    Target("counsellor", "GET", "dossiers_school.classes"),
    Target(
        "counsellor",
        "POST",
        "dossiers_school.add_class",
        ("name", "year"),
        valid=lambda world: {"name": "4c", "year": "4"},
    ),
    Target(
        "counsellor",
        "POST",
        "dossiers_school.assign_mentor",
        ("membership_id",),
        args=_class,
        valid=lambda world: {"membership_id": str(world.ids["spare_membership_id"])},
    ),
    Target(
        "counsellor",
        "GET",
        "dossiers_school.remove_mentor",
        args=lambda world: {**_class(world), "membership_id": world.ids["mentor_membership_id"]},
    ),
    Target("counsellor", "GET", "dossiers_school.students", STUDENT_LIST, valid=lambda world: {"zoek": "roos"}),
    Target("counsellor", "GET", "dossiers_school.new_student"),
    Target("counsellor", "POST", "dossiers_school.new_student", STUDENT_FIELDS, valid=_valid_student),
    Target("counsellor", "GET", "dossiers_school.student", args=_student),
    Target("counsellor", "GET", "dossiers_school.edit_student", args=_student),
    Target(
        "counsellor",
        "POST",
        "dossiers_school.edit_student",
        STUDENT_FIELDS,
        args=_student,
        valid=lambda world: {**_valid_student(world), "bsn": "", "email": ""},
    ),
    Target("counsellor", "GET", "dossiers_school.remove_student", args=_student),
    Target("counsellor", "GET", "dossiers_school.unlink_account", args=_student),
    Target("counsellor", "GET", "dossiers_school.import_students"),
    Target(
        "counsellor",
        "POST",
        "dossiers_school.import_students",
        tuple(importer.COLUMNS),
        valid=lambda world: {
            "roepnaam": "Sem",
            "achternaam": "Elders",
            "bsn": "111222333",
            "geboortedatum": "14-03-2010",
            "klas": "4a",
            "leerjaar": "4",
        },
        body=csv_upload(importer.COLUMNS, importer.COLUMNS),
        sends=("bestand",),
    ),
    Target("counsellor", "GET", "dossiers_school.import_template"),
    # Activatiecodes, as the counsellor
    Target("counsellor", "GET", "dossiers_codes.index", ("pagina",)),
    Target(
        "counsellor",
        "POST",
        "dossiers_codes.hand_out",
        ("method", "bevestigd"),
        args=_student,
        valid=lambda world: {"method": "letter"},
    ),
    Target(
        "counsellor",
        "GET",
        "dossiers_codes.confirm_bulk",
        ("method", "scope"),
        valid=lambda world: {"method": "letter", "scope": f"class:{world.ids['class_id']}"},
    ),
    Target(
        "counsellor",
        "POST",
        "dossiers_codes.start_bulk",
        ("method", "scope"),
        valid=lambda world: {"method": "letter", "scope": "year:4"},
    ),
    Target("counsellor", "GET", "dossiers_codes.bulk", args=lambda world: {"bulk_id": world.ids["bulk_id"]}),
    Target("counsellor", "GET", "dossiers_codes.bulk_letters", args=lambda world: {"bulk_id": world.ids["bulk_id"]}),
    # Loket's staff: the colleges and their programmes
    Target("staff", "GET", "dossiers_staff.colleges"),
    Target("staff", "GET", "dossiers_staff.college", args=_college),
    Target(
        "staff",
        "POST",
        "dossiers_staff.set_takes_part",
        ("deelname", "terug"),
        args=_college,
        valid=lambda world: {"deelname": "ja", "terug": "instelling"},
    ),
    Target("staff", "GET", "dossiers_staff.import_programmes"),
    Target(
        "staff",
        "POST",
        "dossiers_staff.import_programmes",
        tuple(catalogue.COLUMNS),
        valid=lambda world: {
            "instelling": "MBO Utrecht",
            "kvk": "12345678",
            "opleiding": "Toezicht en veiligheid",
            "niveau": "3",
            "leerweg": "BOL",
            "locatie": "Utrecht",
            "code": "25408",
        },
        body=csv_upload(catalogue.COLUMNS, catalogue.COLUMNS),
        sends=("bestand",),
    ),
    Target("staff", "GET", "dossiers_staff.import_template"),
    # last: what ends things; sending part A (incomplete: refused), removing a mentor and a student
    Target("student", "POST", "dossiers_part_a.send", ("mentor",), args=_dossier),
    Target(
        "counsellor",
        "POST",
        "dossiers_school.remove_mentor",
        args=lambda world: {**_class(world), "membership_id": world.ids["mentor_membership_id"]},
    ),
    Target("counsellor", "POST", "dossiers_school.remove_student", args=_student),
    Target("counsellor", "POST", "dossiers_school.unlink_account", args=_student),
    # the mentor's dashboards: Te behandelen dossiers, Mijn leerlingen, a dossier's history and steps (the world's
    # dossier is in part A: Start deel B is refused), a reminder (refused: nobody waits), the student's Activeren
    # (refused: not archived)
    Target("mentor", "GET", "dossiers_mentor.worklist", WORK_LIST, valid=lambda world: {"zoek": "roos"}),
    Target("counsellor", "GET", "dossiers_mentor.worklist", WORK_LIST, valid=lambda world: {"status": "part_a"}),
    Target("mentor", "GET", "dossiers_mentor.my_students", STUDENT_LIST, valid=lambda world: {"zoek": "roos"}),
    Target("counsellor", "GET", "dossiers_mentor.my_students", STUDENT_LIST, valid=lambda world: {"leerjaar": "4"}),
    Target("mentor", "GET", "dossiers_mentor.dossier_history", args=_dossier),
    Target("mentor", "GET", "dossiers_mentor.step", args=lambda world: {**_dossier(world), "slug": "archiveren"}),
    Target("mentor", "GET", "dossiers_mentor.dossier_pdf", args=_dossier),
    Target("mentor", "POST", "dossiers_mentor.step", args=lambda world: {**_dossier(world), "slug": "start-deel-b"}),
    Target(
        "mentor",
        "POST",
        "dossiers_mentor.remind",
        STUDENT_LIST,
        args=lambda world: {"student_id": world.ids["pupil_id"]},
        valid=lambda world: {"zoek": "roos"},
    ),
    Target("student", "POST", "dossiers_archive.reactivate", args=_dossier),
]

# Issue 18: part B as the mentor (the world's dossier in part B; the student part of a student of 4a), the approval
# as the student (their dossier in its approval, a parent's link mailed), the parent's link anonymously, the
# receiving college's list and dossier as its contact person (college).
OPP_SECTION = "opp-en-nader-contact"
STUDENT_SECTION = "begeleiding"
OPP_FIELDS = (
    "b_opp",
    "b_opp_contactpersoon",
    "b_opp_functie",
    "b_opp_email",
    "b_opp_telefoon",
    "b_opp_telefoon_land",
    "b_opp_beschikbaar",
    "b_nader_contact",
)
STUDENT_PART_FIELDS = (
    "b_steun_nederlands",
    "b_steun_rekenen",
    "b_verwacht_nederlands",
    "b_verwacht_rekenen",
    "b_steun_overig",
    "b_absentie",
    "b_lwoo",
    "b_lgf",
    "b_leerplicht",
    "b_begeleiding_toelichting",
)
COLLEGE_LIST = ("zoek", "opleiding", "school", "opp", "contact", "pagina")
PARENT_FIELDS = ("name", "decision", "comment", "content_hash")


_part_b = _ids(dossier_id="part_b_dossier_id")


def _part_b_section(section_key):
    return lambda world: {**_part_b(world), "section_key": section_key}


_part_b_student = _ids(student_id="part_b_student_id")
_approval = _ids(dossier_id="approval_dossier_id")
_parent = _ids(token="parent_token")
_finished = _ids(dossier_id="finished_dossier_id")


def _valid_opp(world):
    return {
        "b_opp": "ja",
        "b_opp_contactpersoon": "Els Zorg",
        "b_opp_functie": "Zorgcoördinator",
        "b_opp_email": "els@brug.example",
        "b_opp_telefoon": "0301234567",
        "b_opp_telefoon_land": "+31",
        "b_opp_beschikbaar": "maandag en dinsdag",
        "b_nader_contact": "nee",
    }


def _valid_student_part(world):
    return {key: "nee" for key in STUDENT_PART_FIELDS[:-1]} | {"b_begeleiding_toelichting": "Geen."}


PART_B_SECTION_POSTS = [
    Target(
        "mentor",
        "POST",
        "dossiers_part_b.section",
        OPP_FIELDS,
        args=_part_b_section(OPP_SECTION),
        valid=_valid_opp,
    ),
    Target(
        "mentor",
        "POST",
        "dossiers_part_b.section",
        STUDENT_PART_FIELDS,
        args=_part_b_section(STUDENT_SECTION),
        valid=_valid_student_part,
        label="student-part",
    ),
    Target(
        "mentor",
        "POST",
        "dossiers_part_b.student_section",
        STUDENT_PART_FIELDS,
        args=lambda world: {**_part_b_student(world), "section_key": STUDENT_SECTION},
        valid=_valid_student_part,
    ),
]

ISSUE_18_TARGETS = [
    # part B of a dossier, as the mentor of the student's class (and the counsellor's overview)
    Target("mentor", "GET", "dossiers_part_b.overview", args=_part_b),
    Target("counsellor", "GET", "dossiers_part_b.overview", args=_part_b),
    Target("mentor", "GET", "dossiers_part_b.section", args=_part_b_section(OPP_SECTION)),
    Target("mentor", "GET", "dossiers_part_b.section", args=_part_b_section(STUDENT_SECTION), label="student-part"),
    Target(
        "mentor",
        "POST",
        "dossiers_part_b.save_field",
        ("b_advies",),
        args=lambda world: {**_part_b(world), "section_key": "inschatting-en-advies", "field_key": "b_advies"},
        valid=lambda world: {"b_advies": "Een goede keuze."},
    ),
    Target(
        "mentor",
        "POST",
        "dossiers_part_b.save_field",
        ("b_opp",),
        args=lambda world: {**_part_b(world), "section_key": OPP_SECTION, "field_key": "b_opp"},
        valid=lambda world: {"b_opp": "ja"},
        label="choice",
    ),
    Target(  # a phone number: the number and its country code
        "mentor",
        "POST",
        "dossiers_part_b.save_field",
        ("b_opp_telefoon", "b_opp_telefoon_land"),
        args=lambda world: {**_part_b(world), "section_key": OPP_SECTION, "field_key": "b_opp_telefoon"},
        valid=lambda world: {"b_opp_telefoon": "0301234567", "b_opp_telefoon_land": "+31"},
        label="phone",
    ),
    Target("mentor", "GET", "dossiers_part_b.check", args=_part_b),
    Target("mentor", "GET", "dossiers_part_b.part_a_pdf", args=_part_b),
    # the student part ahead of a dossier in part B
    Target("mentor", "GET", "dossiers_part_b.student_overview", args=_part_b_student),
    Target(
        "mentor",
        "GET",
        "dossiers_part_b.student_section",
        args=lambda world: {**_part_b_student(world), "section_key": STUDENT_SECTION},
    ),
    Target(
        "mentor",
        "POST",
        "dossiers_part_b.student_save_field",
        ("b_lwoo",),
        args=lambda world: {**_part_b_student(world), "section_key": STUDENT_SECTION, "field_key": "b_lwoo"},
        valid=lambda world: {"b_lwoo": "ja"},
    ),
    # sending part B with the mentor's approval: refused, part B is not complete (the student part is empty)
    Target("mentor", "POST", "dossiers_part_b.send", ("akkoord",), args=_part_b, valid=lambda world: {"akkoord": "ja"}),
    # the approval, as the student
    Target("student", "GET", "dossiers_approval.page", args=_approval),
    Target("student", "GET", "dossiers_approval.part", args=lambda world: {**_approval(world), "part": "a"}),
    Target("student", "GET", "dossiers_approval.part", args=lambda world: {**_approval(world), "part": "b"}, label="b"),
    Target("student", "GET", "dossiers_approval.pdf", args=_approval),
    Target(
        "student",
        "POST",
        "dossiers_approval.comment",
        ("comment",),
        args=_approval,
        valid=lambda world: {"comment": "Klopt, maar ik had ook steun bij rekenen."},
    ),
    Target(
        "student",
        "POST",
        "dossiers_approval.ask_parent",
        ("email",),
        args=_approval,
        valid=lambda world: {"email": "moeder@thuis.example"},
    ),
    Target("student", "GET", "dossiers_approval.finish", args=_approval),
    Target("student", "GET", "dossiers_approval.back", args=_approval),
    # the parent's link: a hash of content that has changed since (every answer refused) and the real one
    Target("anonymous", "GET", "dossiers_parent.approve", args=_parent),
    Target(
        "anonymous",
        "POST",
        "dossiers_parent.approve",
        PARENT_FIELDS,
        args=_parent,
        valid=lambda world: {
            "name": "Marieke de Winter",
            "decision": "akkoord",
            "comment": "",
            "content_hash": "0" * 64,
        },
        label="changed",
    ),
    Target(  # the first answer uses the link up: the others find it used
        "anonymous",
        "POST",
        "dossiers_parent.approve",
        PARENT_FIELDS,
        args=_parent,
        valid=lambda world: {
            "name": "Marieke de Winter",
            "decision": "niet-akkoord",
            "comment": "Roos wil liever iets anders.",
            "content_hash": world.ids["content_hash"],
        },
    ),
    Target("anonymous", "GET", "dossiers_parent.thanks"),
    # the receiving college, as its contact person
    Target("college", "GET", "dossiers_college.index", COLLEGE_LIST, valid=lambda world: {"zoek": "mila"}),
    # last: the approval's steps (finishing refused: the parent has not approved; starting refused: started), and
    # Terug naar deel A, which opens part A again
    Target("student", "POST", "dossiers_approval.start", args=_approval),
    Target("student", "POST", "dossiers_approval.finish", args=_approval),
    Target("student", "POST", "dossiers_approval.back", args=_approval),
]

# the college's views of a dossier are in the audit trail: a GET that records who looked
AUDITED = [
    Target("college", "GET", "dossiers_college.dossier", args=_finished),
    Target("college", "GET", "dossiers_college.dossier_pdf", args=_finished),
]

TARGETS += [*ISSUE_18_TARGETS, *PART_B_SECTION_POSTS, *AUDITED]


@pytest.fixture
def fuzz_world(dossiers_world) -> World:
    return dossiers_world


class SectionFuzzer(Fuzzer):
    """Opslaan en sluiten keeps a section's good answers beside the refused ones, answered 400 with the errors
    (manual 004; tests/dossiers/test_part_a.py): such a 400 may change the dossier's answers, nothing else."""

    def send(self, values: dict, htmx: bool = False):
        try:
            return super().send(values, htmx)
        except AssertionError as failure:
            if not str(failure).startswith("400, yet ['dossier_answers'] changed"):
                raise
            return None


test_fuzz, test_endpoints_without_fields = fuzz_tests(
    [
        target
        for target in TARGETS
        if target is not SECTION_POST and target not in ISSUE_18_TARGETS + PART_B_SECTION_POSTS + AUDITED
    ]
)
# issue 18's in a world of their own (the targets above end by removing the mentor from the class)
test_fuzz_issue_18, test_issue_18_endpoints_without_fields = fuzz_tests(ISSUE_18_TARGETS)


def test_fuzz_section(fuzz_world):
    SectionFuzzer(fuzz_world, SECTION_POST).run()


class PartBSectionFuzzer(Fuzzer):
    """Part B's Opslaan en sluiten likewise: a 400 may change the answers kept for the dossier or for the student
    (the student part), nothing else."""

    KEPT = ("400, yet ['dossier_answers'] changed", "400, yet ['dossier_student_answers'] changed")

    def send(self, values: dict, htmx: bool = False):
        try:
            return super().send(values, htmx)
        except AssertionError as failure:
            if not str(failure).startswith(self.KEPT):
                raise
            return None


@pytest.mark.parametrize("target", PART_B_SECTION_POSTS, ids=[target.id for target in PART_B_SECTION_POSTS])
def test_fuzz_part_b_section(fuzz_world, target):
    PartBSectionFuzzer(fuzz_world, target).run()


class AuditedFuzzer(Fuzzer):
    """A GET the audit trail records: a page shown (200) adds one audit event and nothing else; any other answer
    stores nothing."""

    def send(self, values: dict, htmx: bool = False):
        before = self.counts
        try:
            return super().send(values, htmx)
        except AssertionError as failure:
            if not str(failure).startswith("200, yet ['audit_events'] changed"):
                raise
            added = self.counts["audit_events"] - before["audit_events"]
            assert added == 1, f"{added} audit events for one view of {self.url}"
            return None


def test_the_colleges_audited_views(fuzz_world):
    failures = []
    for target in AUDITED:
        fuzzer = AuditedFuzzer(fuzz_world, target)
        for values, htmx in [({}, False), ({}, True), *(({"onbekend": nasty}, False) for nasty in NASTY[:8])]:
            try:
                fuzzer.send(values, htmx)
            except AssertionError as failure:
                failures.append(str(failure).splitlines()[0])
    assert not failures, f"{len(failures)} failing case(s):\n" + "\n".join(failures)
