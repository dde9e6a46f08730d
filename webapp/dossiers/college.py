"""The receiving college's view (issue 18): its staff see the finished dossiers addressed to its programmes, and only
those that are not archived: a list (student, programme, school, finished on, and part B's warm-handover (OPP) and
"nader contact" flags, kept on the dossier's row) with filters, a name search and bounded pages; the whole dossier as
a page and as one PDF. Anything else (another college's dossier, one not finished yet, an archived one) is NotFound.
Every view of a dossier is in the audit trail, by the dossier's id."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache

from sqlalchemy import Integer, String, any_, bindparam, func, literal, select

from webapp.accounts.models import Organisation
from webapp.core import wordsearch
from webapp.core.audit import audit
from webapp.core.errors import NotFound
from webapp.core.paging import MAX_ROWS, PAGE_SIZE, BoundedPage, page_count
from webapp.dossiers import approval, document, states
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


@dataclass(frozen=True)
class _Shape:
    """What the list's statements depend on besides their parameters: each shape's are built once and kept (building
    and keying a statement of a few subqueries costs SQLAlchemy about what running it costs the database)."""

    programme: bool = False
    school: bool = False
    opp: bool = False
    contact: bool = False
    search: str = ""  # "", GATHERED (the rarest typed word's students first) or COMMON (checked per dossier)
    words: int = 0  # the typed words a name is checked for with LIKE: the others than the rarest, or all when COMMON
    postgres: bool = False

    @property
    def gathers(self) -> bool:
        """The page reads every match to sort it (a school's or a search's students first)."""
        return self.search == GATHERED or (self.school and not self.search)


GATHERED, COMMON = "gathered", "common"


def _shape(staff: CollegeStaff, filters: Filters) -> tuple[_Shape, dict]:
    """The list's shape and parameters for the filters; a search finds its rarest typed word (core.wordsearch)."""
    params = {"list_college_id": staff.college_id}
    shape = dict(
        programme=filters.programme_id is not None,
        school=filters.school_id is not None,
        opp=filters.opp,
        contact=filters.contact,
        postgres=db.session.get_bind().dialect.name == "postgresql",
    )
    params |= {"list_programme_id": filters.programme_id, "list_school_id": filters.school_id}
    typed = filters.search.lower().split()[:SEARCH_WORDS]
    if typed:
        rarest, frequency = wordsearch.rarest(_word_count(), {}, typed, COMMON_WORD)
        if frequency < COMMON_WORD:
            others = [word for word in typed if word != rarest]
            params |= wordsearch.word_params("search_rarest", rarest) | _other_params(others)
            shape |= dict(search=GATHERED, words=len(others))
        else:
            params |= _other_params(typed)
            shape |= dict(search=COMMON, words=len(typed))
    return _Shape(**shape), params


def _conditions(shape: _Shape) -> list:
    """The list's conditions on the dossiers' row (the flags are on it: no answer is read): finished, not archived,
    for one of the college's programmes, and the filters. A school or a name search first gathers its students (the
    school's from the students' index, a search's from the name words' index), whose dossiers are then read by their
    student; a common typed word is checked per dossier, in the list's order, on the student's name instead. As
    _visible, with the college as parameter list_college_id."""
    conditions = [
        Dossier.state == states.COLLEGE_SEES,
        Dossier.archived.is_(False),
        Dossier.programme_id.in_(select(Programme.id).where(Programme.college_id == _param("list_college_id"))),
    ]
    if shape.programme:
        conditions.append(Dossier.programme_id == _param("list_programme_id"))
    if shape.opp:
        conditions.append(Dossier.warm_handover.is_(True))
    if shape.contact:
        conditions.append(Dossier.further_contact.is_(True))
    of_school = [Student.school_id == _param("list_school_id")] if shape.school else []
    if shape.search == GATHERED:
        conditions.append(_among(shape, Dossier.student_id, _found_students(shape, of_school)))
    elif shape.search == COMMON:
        student = select(Student.id).where(Student.id == Dossier.student_id, *_name_has(shape.words), *of_school)
        conditions.append(student.exists())
    elif shape.school:
        conditions.append(_among(shape, Dossier.student_id, select(Student.id).where(*of_school)))
    return conditions


def _param(name: str):
    return bindparam(name, type_=Integer)


def _other_params(words: list[str]) -> dict:
    return {f"search_other_{number}": wordsearch.starts_a_word(word) for number, word in enumerate(words)}


def _found_students(shape: _Shape, of_school: list):
    """The students with a name word that starts with the rarest typed word (from the words' index), whose name holds
    the other typed words and who are of the school, when one is chosen (each such student read by their key)."""
    found = select(StudentWord.student_id).where(*wordsearch.starts_with(StudentWord.word, "search_rarest"))
    if not shape.words and not of_school:
        return found
    return select(Student.id).where(_among(shape, Student.id, found), *_name_has(shape.words), *of_school)


def _name_has(words: int) -> list:
    return [
        (literal(" ") + Student.sort_name).like(bindparam(f"search_other_{number}", type_=String), escape="/")
        for number in range(words)
    ]


def _among(shape: _Shape, column, ids):
    """`column` is one of the ids (a subquery). On PostgreSQL as `column = ANY(ARRAY(...))`: the ids are gathered once
    and their rows read by the index on `column`, instead of every row checked against them (or a scan for a hash)."""
    if shape.postgres:
        return column == any_(func.ARRAY(ids.scalar_subquery()))
    return column.in_(ids)


@cache
def _word_count():
    """How many name words start with search_rarest, counted up to search_bound (wordsearch.rarest's measure)."""
    matches = select(StudentWord.student_id).where(*wordsearch.starts_with(StudentWord.word, "search_rarest"))
    return select(func.count()).select_from(matches.limit(bindparam("search_bound", type_=Integer)).subquery())


@lru_cache(maxsize=256)
def _statements(shape: _Shape):
    """The shape's bounded count, its page of ids in the list's order, and (for a shape that gathers) its page with
    the count in one statement: the matches gathered once (a common table expression used twice is materialised),
    counted and sorted."""
    conditions = _conditions(shape)
    matching = select(Dossier.id).where(*conditions)
    count = select(func.count()).select_from(matching.limit(_param("list_bound")).subquery())
    order = (Dossier.finished_at.desc(), Dossier.id.desc())
    page = matching.order_by(*order).limit(_param("list_size")).offset(_param("list_offset"))
    gathered = select(Dossier.id, Dossier.finished_at).where(*conditions).limit(_param("list_bound")).cte("matching")
    counted = select(func.count()).select_from(gathered).scalar_subquery()
    gathered_page = (
        select(gathered.c.id, counted.label("total"))
        .order_by(gathered.c.finished_at.desc(), gathered.c.id.desc())
        .limit(_param("list_size"))
        .offset(_param("list_offset"))
    )
    return count, page, gathered_page


def dossier_list(staff: CollegeStaff, filters: Filters) -> BoundedPage:
    """One page of the college's finished dossiers, newest first, with a bounded count."""
    shape, params = _shape(staff, filters)
    count, page_ids, gathered_page = _statements(shape)
    params |= {"list_bound": MAX_ROWS + 1, "list_size": PAGE_SIZE}
    page = max(1, filters.page)
    if shape.gathers:
        # one statement; none answers past the last page or beyond the count's bound: then count and page apart
        found = db.session.execute(gathered_page, params | {"list_offset": (page - 1) * PAGE_SIZE}).all()
        total = found[0].total if found else 0
        if total <= MAX_ROWS and (found or page == 1):
            ids = [row.id for row in found]
            return BoundedPage(rows=_rows(ids), total=total, page=page, pages=page_count(total), filters=filters)
    total = db.session.execute(count, params).scalar_one()
    pages = page_count(total)
    page = min(page, pages)
    ids = list(db.session.scalars(page_ids, params | {"list_offset": (page - 1) * PAGE_SIZE}))
    return BoundedPage(rows=_rows(ids), total=total, page=page, pages=pages, filters=filters)


def _rows(ids: list[int]) -> list[Row]:
    """The page's rows, in the order of `ids`: each dossier with its student, school and programme (one query)."""
    if not ids:
        return []
    found = {row.id: row for row in db.session.execute(_rows_statement(), {"ids": ids})}
    return [
        Row(
            dossier_id=row.id,
            student=full_name(row.first_name, row.infix, row.last_name),
            programme=programme_label(row.programme, row.level, row.track, row.location, row.code),
            school=row.school,
            finished_at=row.finished_at,
            opp=flag_answer(row.warm_handover),
            contact=flag_answer(row.further_contact),
        )
        for row in (found[dossier_id] for dossier_id in ids)
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


def _visible(staff: CollegeStaff) -> list:
    """What makes a dossier the college's to see: finished, not archived, for one of its programmes."""
    return [
        Dossier.state == states.COLLEGE_SEES,
        Dossier.archived.is_(False),
        Dossier.programme_id.in_(select(Programme.id).where(Programme.college_id == staff.college_id)),
    ]


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
