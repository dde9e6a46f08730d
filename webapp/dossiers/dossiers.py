"""The student's dossiers: the home list (all of them, always, archived ones too), the catalogue of programmes to
choose from, and starting a dossier for one (one per application: not the same programme twice while the first is
not archived)."""

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from webapp.accounts.models import Organisation
from webapp.core.audit import audit
from webapp.core.errors import DomainError, NotFound
from webapp.core.timeutil import utcnow
from webapp.dossiers import states
from webapp.dossiers.models import College, Dossier, Programme, Student
from webapp.extensions import db

SEARCH_LENGTH = 100
CATALOGUE_PAGE_SIZE = 25
MAX_CATALOGUE_PAGE = 40
NOT_TAKING_PART = "neemt (nog) niet deel aan het DDD"


@dataclass(frozen=True)
class DossierRow:
    """One line of the student's home: the dossier, its programme and college as the pages show them."""

    dossier: Dossier
    programme: str  # the manual's label: "Juridisch secretaresse (4 - BOL - Australiëlaan 23 - 95392)"
    college: str  # "MBO Utrecht (Is nieuwe naam ROC ASA) (Utrecht)"
    takes_part: bool
    status: str  # the state table's label

    @property
    def archived(self) -> bool:
        return self.dossier.archived


def college_name(college: College) -> str:
    organisation = college.organisation
    return f"{organisation.name} ({organisation.city})" if organisation.city else organisation.name


def dossiers_of(student: Student) -> list[DossierRow]:
    """All the student's dossiers, newest first (archived ones too: the row says so)."""
    rows = db.session.scalars(
        select(Dossier)
        .where(Dossier.student_id == student.id)
        .options(joinedload(Dossier.programme).joinedload(Programme.college).joinedload(College.organisation))
        .order_by(Dossier.created_at.desc(), Dossier.id.desc())
    )
    return [
        DossierRow(
            dossier=dossier,
            programme=dossier.programme.label,
            college=college_name(dossier.programme.college),
            takes_part=dossier.programme.college.takes_part,
            status=states.STATES[dossier.state].label,
        )
        for dossier in rows
    ]


def open_programme_ids(student: Student) -> set[int]:
    """The programmes the student has a dossier for that is not archived (a second one is refused)."""
    return set(
        db.session.scalars(
            select(Dossier.programme_id).where(Dossier.student_id == student.id, Dossier.archived.is_(False))
        )
    )


# The catalogue -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CataloguePage:
    rows: list[Programme]
    search: str
    college_id: int | None
    page: int
    more: bool


def clean_search(text: str | None) -> str:
    text = " ".join((text or "").split())
    return "" if "\x00" in text else text[:SEARCH_LENGTH]  # PostgreSQL cannot compare a NUL


def colleges() -> list[College]:
    """Every receiving college, by name (the catalogue's choice of college)."""
    return list(
        db.session.scalars(
            select(College)
            .join(College.organisation)
            .options(joinedload(College.organisation))
            .order_by(func.lower(Organisation.name), College.organisation_id)
        )
    )


def find_programmes(search: str, college_id: int | None = None, page: int = 1) -> CataloguePage:
    """Programmes whose name, code or location, or whose college's name or city, holds `search` (every programme
    for an empty one), of one college if `college_id`; by college and name, a page at a time."""
    search = clean_search(search)
    page = max(1, min(page, MAX_CATALOGUE_PAGE))
    query = (
        select(Programme)
        .join(Programme.college)
        .join(College.organisation)
        .options(joinedload(Programme.college).joinedload(College.organisation))
    )
    if college_id is not None:
        query = query.where(Programme.college_id == college_id)
    for word in search.lower().split():
        pattern = "%" + _escape_like(word) + "%"
        query = query.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (
                        Programme.name,
                        Programme.code,
                        Programme.location,
                        Organisation.name,
                        Organisation.city,
                    )
                )
            )
        )
    rows = list(
        db.session.scalars(
            query.order_by(func.lower(Organisation.name), func.lower(Programme.name), Programme.level, Programme.id)
            .offset((page - 1) * CATALOGUE_PAGE_SIZE)
            .limit(CATALOGUE_PAGE_SIZE + 1)
        )
    )
    return CataloguePage(rows[:CATALOGUE_PAGE_SIZE], search, college_id, page, len(rows) > CATALOGUE_PAGE_SIZE)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Nieuw dossier -------------------------------------------------------------------------------------------------


def start_dossier(student: Student, programme_id: int) -> Dossier:
    """A new dossier (part A) for the student's application to the programme. Refused while the student has a
    dossier for that programme that is not archived; a programme that does not exist is a NotFound."""
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise NotFound()
    # one at a time per student (PostgreSQL; a writing request on SQLite holds the write lock already)
    db.session.execute(select(Student.id).where(Student.id == student.id).with_for_update())
    open_one = db.session.scalar(
        select(Dossier.id).where(
            Dossier.student_id == student.id, Dossier.programme_id == programme.id, Dossier.archived.is_(False)
        )
    )
    if open_one is not None:
        raise DomainError(
            f"Je hebt al een dossier voor {programme.name} bij {programme.college.organisation.name}. "
            "Ga daarmee verder vanaf je overzicht."
        )
    now = utcnow()
    dossier = Dossier(student_id=student.id, programme_id=programme.id, state="part_a", created_at=now, updated_at=now)
    db.session.add(dossier)
    db.session.flush()
    audit("dossiers.dossier_started", subject=f"dossier:{dossier.id}", organisation_id=student.school_id)
    return dossier
