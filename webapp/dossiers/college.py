"""The receiving college's view (issue 18): its staff see the finished dossiers addressed to its programmes, and only
those that are not archived: a list (student, programme, school, finished on, and part B's warm-handover (OPP) and
"nader contact" flags, kept on the dossier's row) with filters, a name search and bounded pages; the whole dossier as
a page and as one PDF.
Anything else (another college's dossier, one not finished yet, an archived one) is NotFound. Every view of a
dossier is in the audit trail, by the dossier's id."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Integer, String, any_, bindparam, func, literal, select

from webapp.accounts.models import Organisation
from webapp.core import wordsearch
from webapp.core.audit import audit
from webapp.core.errors import NotFound
from webapp.core.paging import MAX_ROWS, PAGE_SIZE, BoundedPage, page_count
from webapp.dossiers import document, states
from webapp.dossiers.actors import CollegeStaff
from webapp.dossiers.models import CONTACT_KEY as CONTACT_KEY  # part B's flags' keys, as the demo names them
from webapp.dossiers.models import OPP_KEY as OPP_KEY
from webapp.dossiers.models import Dossier, Programme, Student, StudentWord, full_name, programme_label
from webapp.extensions import db

SEARCH_WORDS = 5
COMMON_WORD = 10_000  # a typed word this many name words start with is checked per dossier, not gathered first


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


def flag_answer(flag: bool | None) -> str:
    """A flag on the dossier's row (Dossier.warm_handover, .further_contact) as part B's answer: "ja", "nee" or ""."""
    return "" if flag is None else "ja" if flag else "nee"


def _visible(staff: CollegeStaff) -> list:
    """What makes a dossier the college's to see: finished, not archived, for one of its programmes."""
    return [
        Dossier.state == states.COLLEGE_SEES,
        Dossier.archived.is_(False),
        Dossier.programme_id.in_(select(Programme.id).where(Programme.college_id == staff.college_id)),
    ]


def _conditions(staff: CollegeStaff, filters: Filters) -> tuple[list, dict, bool]:
    """The list's conditions on the dossiers' row (the flags are on it: no answer is read), their parameters, and
    whether they gather: a school or a name search first gathers its students (the school's from the students'
    index, a search's from the name words' index), whose dossiers are then read by their student (all of them, to
    sort); a common typed word is checked per dossier in the list's order instead."""
    conditions, params = _visible(staff), {}
    if filters.programme_id is not None:
        conditions.append(Dossier.programme_id == filters.programme_id)
    if filters.opp:
        conditions.append(Dossier.warm_handover.is_(True))
    if filters.contact:
        conditions.append(Dossier.further_contact.is_(True))
    typed = filters.search.lower().split()[:SEARCH_WORDS]
    if not typed:
        if filters.school_id is not None:
            conditions.append(
                _among(Dossier.student_id, select(Student.id).where(Student.school_id == filters.school_id))
            )
        return conditions, params, filters.school_id is not None
    rarest, frequency = wordsearch.rarest(_word_count(), {}, typed, COMMON_WORD)
    others = [word for word in typed if word != rarest]
    if frequency < COMMON_WORD:
        conditions.append(_among(Dossier.student_id, _found_students(len(others), filters.school_id)))
        params = wordsearch.word_params("search_rarest", rarest) | _other_params(others)
        return conditions, params, True
    # every typed word is common: the name of each dossier's student, in the list's order, is checked for them all
    params = _other_params(typed)
    student = select(Student.id).where(Student.id == Dossier.student_id, *_name_has(len(typed)))
    if filters.school_id is not None:
        student = student.where(Student.school_id == filters.school_id)
    conditions.append(student.exists())
    return conditions, params, False


def _other_params(words: list[str]) -> dict:
    return {f"search_other_{number}": wordsearch.starts_a_word(word) for number, word in enumerate(words)}


def _found_students(others: int, school_id: int | None):
    """The students with a name word that starts with the rarest typed word (from the words' index), whose name holds
    the other typed words and who are of the school, when one is chosen (each such student read by their key)."""
    found = select(StudentWord.student_id).where(*wordsearch.starts_with(StudentWord.word, "search_rarest"))
    if not others and school_id is None:
        return found
    students = select(Student.id).where(_among(Student.id, found), *_name_has(others))
    return students.where(Student.school_id == school_id) if school_id is not None else students


def _name_has(others: int) -> list:
    return [
        (literal(" ") + Student.sort_name).like(bindparam(f"search_other_{number}", type_=String), escape="/")
        for number in range(others)
    ]


def _among(column, ids):
    """`column` is one of the ids (a subquery). On PostgreSQL as `column = ANY(ARRAY(...))`: the ids are gathered once
    and their rows read by the index on `column`, instead of every row checked against them (or a scan for a hash)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(func.ARRAY(ids.scalar_subquery()))
    return column.in_(ids)


@cache
def _word_count():
    """How many name words start with search_rarest, counted up to search_bound (wordsearch.rarest's measure)."""
    matches = select(StudentWord.student_id).where(*wordsearch.starts_with(StudentWord.word, "search_rarest"))
    return select(func.count()).select_from(matches.limit(bindparam("search_bound", type_=Integer)).subquery())


def dossier_list(staff: CollegeStaff, filters: Filters) -> BoundedPage:
    """One page of the college's finished dossiers, newest first, with a bounded count."""
    conditions, params, gathers = _conditions(staff, filters)
    if gathers:
        found = _gathered_page(conditions, params, filters)
        if found is not None:
            return found
    matching = select(Dossier.id).where(*conditions)
    total = db.session.execute(
        select(func.count()).select_from(matching.limit(MAX_ROWS + 1).subquery()), params
    ).scalar_one()
    pages = page_count(total)
    page = max(1, min(filters.page, pages))
    ids = list(
        db.session.scalars(
            matching.order_by(Dossier.finished_at.desc(), Dossier.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE),
            params,
        )
    )
    return BoundedPage(rows=_rows(ids), total=total, page=page, pages=pages, filters=filters)


def _gathered_page(conditions: list, params: dict, filters: Filters) -> BoundedPage | None:
    """The page and the count in one statement, for conditions whose page reads (and sorts) every match anyway:
    the matches are gathered once (a common table expression used twice is materialised), counted and sorted. None when that cannot answer
    (more matches than a count goes to, or a page past the last), for the count and the page to be asked apart."""
    page = max(1, filters.page)
    matching = select(Dossier.id, Dossier.finished_at).where(*conditions).limit(MAX_ROWS + 1).cte("matching")
    counted = select(func.count()).select_from(matching).scalar_subquery()
    found = db.session.execute(
        select(matching.c.id, counted.label("total"))
        .order_by(matching.c.finished_at.desc(), matching.c.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE),
        params,
    ).all()
    total = found[0].total if found else 0
    if total > MAX_ROWS or (not found and page > 1):
        return None
    ids = [row.id for row in found]
    return BoundedPage(rows=_rows(ids), total=total, page=page, pages=page_count(total), filters=filters)


def _rows(ids: list[int]) -> list[Row]:
    """The page's rows, in the order of `ids`: each dossier with its student, school and programme (one query)."""
    if not ids:
        return []
    found = {row.id: row for row in db.session.execute(_rows_statement(), {"ids": ids})}
    return [
        Row(
            dossier_id=dossier_id,
            student=full_name(row.first_name, row.infix, row.last_name),
            programme=programme_label(row.programme, row.level, row.track, row.location, row.code),
            school=row.school,
            finished_at=row.finished_at,
            opp=flag_answer(row.warm_handover),
            contact=flag_answer(row.further_contact),
        )
        for dossier_id, row in ((dossier_id, found[dossier_id]) for dossier_id in ids)
    ]


@cache
def _rows_statement():
    """The columns a page's rows show, for the dossiers of parameter `ids` (built once: plain values, no objects)."""
    return (
        select(
            Dossier.id,
            Dossier.finished_at,
            Dossier.warm_handover,
            Dossier.further_contact,
            Student.first_name,
            Student.infix,
            Student.last_name,
            Organisation.name.label("school"),
            Programme.name.label("programme"),
            Programme.level,
            Programme.track,
            Programme.location,
            Programme.code,
        )
        .join(Student, Student.id == Dossier.student_id)
        .join(Organisation, Organisation.id == Student.school_id)
        .join(Programme, Programme.id == Dossier.programme_id)
        .where(Dossier.id.in_(bindparam("ids", expanding=True)))
    )


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
    """The dossier's approvals with their comments, for the page and the PDF.
    The approval branch fills this in (its approvals table); until then there are none to show."""
    return []


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
    return document.pdf(dossier, extra={"approvals": approvals(dossier)})
