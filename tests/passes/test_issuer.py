"""The pass and its public verification page name who issued it (PASS_ISSUER_NAME), with the issuer's logo
when one is configured (PASS_ISSUER_LOGO, a PNG or JPEG file)."""

import io
import re
from datetime import date
from types import SimpleNamespace

from PIL import Image

from tests.passes.test_flow import pdf_text, qr_urls


def one_pass() -> bytes:
    from webapp.passes.render import PassRenderer

    holder = SimpleNamespace(number="73029884", display_name="Mevr. K.C. Knightley")
    qualification = SimpleNamespace(
        name="Eerste Hulp",
        kind_label="Diploma",
        exam_date=date(2018, 8, 31),
        exam_number="EX40001",
        expires_on=date(2030, 1, 1),
        verify_token="token-een-twee",
        modules=[],
    )
    return PassRenderer().render(holder, qualification, "1122334455")


def images_on_first_page(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages[0].images)


def a_logo(tmp_path):
    path = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), (200, 20, 20)).save(path)
    return path


def test_the_pass_names_its_issuer_and_carries_its_logo(app, tmp_path):
    app.config["PASS_ISSUER_NAME"] = "Het Oranje Kruis"
    pdf = one_pass()
    text = " ".join(pdf_text(pdf).split())
    assert "Uitgegeven door Het Oranje Kruis" in text
    assert images_on_first_page(pdf) == 0

    app.config["PASS_ISSUER_LOGO"] = str(a_logo(tmp_path))
    pdf = one_pass()
    assert images_on_first_page(pdf) == 1
    assert "Het Oranje Kruis" in pdf_text(pdf)
    folder = tmp_path / "qr"
    folder.mkdir()
    assert qr_urls(pdf, folder) == ["http://localhost/pasjes/verificatie/token-een-twee"]  # still readable


def test_a_logo_that_is_not_an_image_is_left_out(app, tmp_path):
    app.config.update(PASS_ISSUER_NAME="Het Oranje Kruis", PASS_ISSUER_LOGO=str(tmp_path / "missing.png"))
    pdf = one_pass()
    assert images_on_first_page(pdf) == 0 and "Het Oranje Kruis" in pdf_text(pdf)
    not_an_image = tmp_path / "logo.png"
    not_an_image.write_text("<svg/>")
    app.config["PASS_ISSUER_LOGO"] = str(not_an_image)
    assert images_on_first_page(one_pass()) == 0


def test_the_verification_page_names_the_issuer(app, client, world, tmp_path):
    token = world.knightley.qualifications[0].verify_token
    app.config.update(PASS_ISSUER_NAME="Het Oranje Kruis", PASS_ISSUER_LOGO=str(a_logo(tmp_path)))
    page = client.get(f"/pasjes/verificatie/{token}").get_data(as_text=True)
    assert re.search(r"Uitgegeven door\s*<strong>Het Oranje Kruis</strong>", page)
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt=""', page)
