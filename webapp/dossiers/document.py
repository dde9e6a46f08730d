"""A dossier as one document: its parts (part A; part B once the mentor has sent it), each section's questions with
the answers as the pages show them, the hash of its content that an approval is tied to, and the whole as a PDF.
The mentor's "Deel A bekijken", the student's "Deel B bekijken" and print, the parent's summary and the receiving
college's dossier all read it."""

import hashlib
import json
from dataclasses import dataclass

from webapp.core.pdf import render_pdf
from webapp.dossiers import filling, formdef, part_a, states
from webapp.dossiers.models import Dossier


@dataclass(frozen=True)
class Part:
    key: str  # "A", "B"
    title: str  # Dutch: "Deel A"
    sections: tuple[formdef.Section, ...]
    shown_in: frozenset[str] | None = None  # the dossier states in which the part is part of the document (None: all)


# The parts in their order; part B once the mentor has sent it (its student part is then the dossier's snapshot).
PARTS: tuple[Part, ...] = (
    Part("A", "Deel A", formdef.SECTIONS),
    Part("B", "Deel B", formdef.PART_B_SECTIONS, states.PART_B_SENT),
)


@dataclass(frozen=True)
class ShownSection:
    section: formdef.Section
    rows: tuple[tuple[str, str], ...]  # (question, the answer as shown; "" for none)


@dataclass(frozen=True)
class ShownPart:
    part: Part
    sections: tuple[ShownSection, ...]


def filled(dossier: Dossier, keys: tuple[str, ...] | None = None) -> list[ShownPart]:
    """The dossier's parts (those named by `keys`, else all), each question with its answer as shown."""
    given = part_a.answers(dossier)
    return [
        ShownPart(
            part,
            tuple(
                ShownSection(
                    section,
                    tuple((field.question, filling.shown(field, given.get(field.key, ""))) for field in section.fields),
                )
                for section in part.sections
            ),
        )
        for part in PARTS
        if (keys is None or part.key in keys) and (part.shown_in is None or dossier.state in part.shown_in)
    ]


def content_hash(dossier: Dossier) -> str:
    """A SHA-256 over every answer the dossier holds (its parts A and B): an approval is tied to it, and a change to
    any answer afterwards makes that approval no longer count."""
    return hash_of(part_a.answers(dossier))


def hash_of(answers: dict[str, str]) -> str:
    """content_hash of a dossier whose answers (field -> value) have been read already."""
    return hashlib.sha256(json.dumps(sorted(answers.items()), ensure_ascii=False).encode()).hexdigest()


def pdf(dossier: Dossier, keys: tuple[str, ...] | None = None, extra: dict | None = None) -> bytes:
    """The dossier's parts as one PDF (fonts embedded); `extra` goes to the template as is (approvals, comments)."""
    return render_pdf("dossiers/document/pdf.html", dossier=dossier, parts=filled(dossier, keys), extra=extra or {})
