"""The receiving college's view (issue 18): its staff see the finished dossiers addressed to its programmes, and only
those that are not archived: a list (student, programme, school, finished on, and part B's warm-handover (OPP) and
"nader contact" flags) with filters, a name search and bounded pages; the whole dossier as a page and as one PDF.
Anything else (another college's dossier, one not finished yet, an archived one) is NotFound. Every view of a
dossier is in the audit trail, by the dossier's id."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import joinedload

from webapp.accounts.models import Organisation
from webapp.core import wordsearch
from webapp.core.audit import audit
from webapp.core.errors import NotFound
from webapp.core.paging import MAX_ROWS, PAGE_SIZE, BoundedPage, page_count
from webapp.dossiers import approval, document, states
from webapp.dossiers.actors import CollegeStaff
from webapp.dossiers.models import SHORT_ANSWER, Answer, Dossier, Programme, Student, StudentWord
from webapp.extensions import db

# Part B's answers the list shows and filters on, by their field keys (part B's form definition names them).
OPP_KEY = "b_opp"  # "Is er een ontwikkelingsperspectief document (OPP) / warme overdracht?"
CONTACT_KEY = "b_nader_contact"  # "Wilt u over deze leerling nader contact hebben met het MBO?"
FLAG_KEYS = (OPP_KEY, CONTACT_KEY)
YES = "ja"
SEARCH_WORDS = 5


@dataclass
class Filters:
    search: str = ""
    programme_id: int | None = None
    school_id: int | None = None
    opp: bool = False  # only the dossiers with an OPP / warm handover
    contact: bool = False  # only those whose mentor asks for further contact
    page: int = 1

    @property
    def any(self) -> bool:
        return bool(self.search or self.programme_id or self.school_id or self.opp or self.contact)


@dataclass(frozen=True)
class Row:
    """One line of the college's list."""

    dossier_id: int
    student: str
    programme: str
    school: str
    finished_at: datetime | None
    opp: str  # part B's answer: "ja", "nee", or "" when part B has none
    contact: str


def part_b_answer(dossier: Dossier, key: str) -> str:
    """Part B's answer to the field `key` ("ja", "nee", ...), "" when the dossier has none (no part B)."""
    return db.session.scalar(select(Answer.value).where(Answer.dossier_id == dossier.id, Answer.field == key)) or ""


def _visible(staff: CollegeStaff) -> list:
    """What makes a dossier the college's to see: finished, not archived, for one of its programmes."""
    return [
        Dossier.state == states.COLLEGE_SEES,
        Dossier.archived.is_(False),
        Dossier.programme_id.in_(select(Programme.id).where(Programme.college_id == staff.college_id)),
    ]


def _with_yes(key: str):
    return Dossier.id.in_(select(Answer.dossier_id).where(Answer.field == key, Answer.value == YES, text(SHORT_ANSWER)))


def _conditions(staff: CollegeStaff, filters: Filters) -> list:
    conditions = _visible(staff)
    if filters.programme_id is not None:
        conditions.append(Dossier.programme_id == filters.programme_id)
    students = []
    if filters.school_id is not None:
        students.append(Student.school_id == filters.school_id)
    if students:
        conditions.append(Dossier.student_id.in_(select(Student.id).where(*students)))
    for word in filters.search.lower().split()[:SEARCH_WORDS]:
        # a word of the name that starts with the typed word: a range of the words' index
        conditions.append(
            Dossier.student_id.in_(
                select(StudentWord.student_id).where(
                    StudentWord.word >= word, StudentWord.word < word + wordsearch.LAST_CHARACTER
                )
            )
        )
    if filters.opp:
        conditions.append(_with_yes(OPP_KEY))
    if filters.contact:
        conditions.append(_with_yes(CONTACT_KEY))
    return conditions


def dossier_list(staff: CollegeStaff, filters: Filters) -> BoundedPage:
    """One page of the college's finished dossiers, newest first, with a bounded count."""
    conditions = _conditions(staff, filters)
    total = db.session.execute(
        select(func.count()).select_from(select(Dossier.id).where(*conditions).limit(MAX_ROWS + 1).subquery())
    ).scalar_one()
    pages = page_count(total)
    page = max(1, min(filters.page, pages))
    ids = list(
        db.session.scalars(
            select(Dossier.id)
            .where(*conditions)
            .order_by(Dossier.finished_at.desc(), Dossier.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    return BoundedPage(rows=_rows(ids), total=total, page=page, pages=pages, filters=filters)


def _rows(ids: list[int]) -> list[Row]:
    if not ids:
        return []
    dossiers = {
        dossier.id: dossier
        for dossier in db.session.scalars(
            select(Dossier)
            .where(Dossier.id.in_(ids))
            .options(joinedload(Dossier.student).joinedload(Student.school), joinedload(Dossier.programme))
        )
    }
    flags: dict[tuple[int, str], str] = {
        (dossier_id, field): value
        for dossier_id, field, value in db.session.execute(
            select(Answer.dossier_id, Answer.field, Answer.value).where(
                Answer.dossier_id.in_(ids), Answer.field.in_(FLAG_KEYS)
            )
        )
    }
    return [
        Row(
            dossier_id=dossier_id,
            student=dossiers[dossier_id].student.name,
            programme=dossiers[dossier_id].programme.label,
            school=dossiers[dossier_id].student.school.name,
            finished_at=dossiers[dossier_id].finished_at,
            opp=flags.get((dossier_id, OPP_KEY), ""),
            contact=flags.get((dossier_id, CONTACT_KEY), ""),
        )
        for dossier_id in ids
    ]


def programmes(staff: CollegeStaff) -> list[Programme]:
    """The college's programmes (the list's programme filter), by name."""
    return list(
        db.session.scalars(
            select(Programme)
            .where(Programme.college_id == staff.college_id)
            .order_by(func.lower(Programme.name), Programme.level, Programme.id)
        )
    )


def schools() -> list[Organisation]:
    """The schools in the portal (the list's school filter), by name."""
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.kind == "school").order_by(func.lower(Organisation.name))
        )
    )


# One dossier -------------------------------------------------------------------------------------------------


def get_dossier(staff: CollegeStaff, dossier_id: int) -> Dossier:
    """The dossier, when the college may see it (finished, not archived, for one of its programmes)."""
    dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id, *_visible(staff)))
    if dossier is None:
        raise NotFound()
    return dossier


def approvals(dossier: Dossier) -> list:
    """The approvals the finished dossier holds, with their comments, for the page and the PDF."""
    return approval.final(dossier)


def view(staff: CollegeStaff, dossier_id: int, how: str) -> Dossier:
    """The dossier as the college opens it (`how`: "page" or "pdf"), recorded in the audit trail."""
    dossier = get_dossier(staff, dossier_id)
    audit(
        "dossiers.college_viewed",
        subject=f"dossier:{dossier.id}",
        organisation_id=staff.college_id,
        view=how,
        programme_id=dossier.programme_id,
    )
    return dossier


def shown(dossier: Dossier) -> list[document.ShownPart]:
    """The dossier's parts with their answers, as the document shows them."""
    return document.filled(dossier)


def pdf(dossier: Dossier) -> bytes:
    """The whole dossier as one PDF: its parts and, once they exist, its approvals."""
    return approval.pdf(dossier)
