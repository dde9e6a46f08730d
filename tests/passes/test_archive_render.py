"""Passes rendered in one batch: each file is its own pass, with the QR code of its own qualification."""

import io
from datetime import date
from types import SimpleNamespace

from tests.passes.test_flow import pdf_text, qr_urls


def qualification(name, token, modules=0):
    return SimpleNamespace(
        name=name,
        kind_label="Diploma",
        exam_date=date(2018, 8, 31),
        exam_number="EX45465",
        expires_on=date(2030, 1, 1),
        verify_token=token,
        modules=[SimpleNamespace(name=f"Aanvullende module {i} met een lange naam") for i in range(modules)],
    )


def test_each_pass_of_a_batch_carries_its_own_qr_code(app, tmp_path):
    from pypdf import PdfReader

    from webapp.passes.render import PassRenderer

    holders = [SimpleNamespace(number=f"7302988{i}", display_name=f"Mevr. K.C. Knightley{i}") for i in range(3)]
    items = [
        (holders[0], qualification("Eerste Hulp", "token-een"), "1122334455"),
        (holders[1], qualification("Reanimatie", "token-twee", modules=40), ""),  # too long for one page
        (holders[2], qualification("Jeugd Eerste Hulp", "token-drie"), ""),
    ]
    pdfs = PassRenderer().render_many(items)

    assert len(pdfs) == 3
    for index, ((holder, chosen, _), pdf) in enumerate(zip(items, pdfs, strict=True)):
        text = pdf_text(pdf)
        assert holder.display_name in text and chosen.name in text
        assert sum(other.display_name in text for other, _, _ in items) == 1  # not a neighbour's pass
        folder = tmp_path / str(index)
        folder.mkdir()
        assert qr_urls(pdf, folder) == [f"http://localhost/pasjes/verificatie/{chosen.verify_token}"]
    assert [len(PdfReader(io.BytesIO(pdf)).pages) for pdf in pdfs][0::2] == [1, 1]
    assert "Aanvullende module 39" in " ".join(pdf_text(pdfs[1]).split())  # the long one runs on, nothing cut off
