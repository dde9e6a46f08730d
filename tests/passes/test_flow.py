"""The whole flow over HTTP with the in-process job runner: select, submit, build, download, verify."""

import io
import re
import shutil
import subprocess
import zipfile

from tests.factories import acting_as, login
from tests.passes.conftest import stored_request
from webapp.core.jobs import wait_for_in_process_jobs
from webapp.extensions import db
from webapp.passes.models import PassRequest


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def qr_urls(data: bytes, tmp_path) -> list[str]:
    """Render the PDF's first page with pdftoppm and decode its QR codes with zxing-cpp."""
    import zxingcpp
    from PIL import Image

    assert shutil.which("pdftoppm"), "pdftoppm (poppler-utils) is needed"
    source = tmp_path / "pass.pdf"
    source.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")], check=True
    )
    image = Image.open(next(tmp_path.glob("page*.png")))
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_select_submit_download_and_verify(contact_client, world, tmp_path):
    client = contact_client
    knightley = world.holder_organisation(world.knightley).id
    response = client.post(f"/pasjes/selectie/{knightley}/toevoegen", data={"terug": "zoek=knight"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/pasjes?zoek=knight")
    assert "1</strong> Kwalificatiehouder(s) toegevoegd van 1 organisaties" in client.get("/pasjes").get_data(
        as_text=True
    )
    # a hand-made post for another organisation's holder
    assert client.post(f"/pasjes/selectie/{world.holder_organisation(world.foreign).id}/toevoegen").status_code == 404

    options = client.get("/pasjes/verzoek").get_data(as_text=True)
    key = re.search(r'name="sleutel" value="([^"]+)"', options).group(1)
    form = {"sleutel": key, "kenmerk": "testgroep"}
    first = client.post("/pasjes/verzoek", data=form)
    second = client.post("/pasjes/verzoek", data=form)
    assert first.status_code == second.status_code == 303
    assert db.session.query(PassRequest).count() == 1
    wait_for_in_process_jobs()
    request = db.session.query(PassRequest).one()
    db.session.refresh(request)
    assert request.status == "available", request.error
    page = client.get("/pasjes/verzoeken").get_data(as_text=True)
    assert "testgroep" in page and "Beschikbaar" in page and "Verzoek verdwijnt over 7 dagen" in page
    row_without_htmx = client.get(f"/pasjes/verzoeken/{request.id}")  # the polled row: the list, at that row
    assert row_without_htmx.status_code == 302
    assert row_without_htmx.headers["Location"].endswith(f"/pasjes/verzoeken#request-{request.id}")

    download = client.get(f"/pasjes/verzoeken/{request.id}/download")
    assert download.status_code == 200
    assert f"pdf-arch-request-{request.id}.zip" in download.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    names = sorted(archive.namelist())
    assert names == ["73029884_Mevr._K.C._Knightley_Eerste_Hulp.pdf", "73029884_Mevr._K.C._Knightley_Reanimatie.pdf"]
    data = archive.read(names[0])
    text = pdf_text(data)
    assert (
        "73029884" in text and "Knightley" in text and "Eerste Hulp" in text and "Reanimatie" in text
    )  # module listed
    assert "1122334455" in text
    urls = qr_urls(data, tmp_path)
    assert len(urls) == 1 and urls[0].startswith("http://localhost/pasjes/verificatie/")
    verification = client.get(urls[0].removeprefix("http://localhost"))
    body = verification.get_data(as_text=True)
    assert verification.status_code == 200 and "Geldig" in body and "Knightley" in body
    assert "j.bos@onsweb.nl" not in body and "01-01-2000" not in body

    # a colleague at the same organisation sees nothing of it
    client.post("/uitloggen")
    login(client, "collega@rockopnh.example", organisation=world.roc.id)
    assert client.get(f"/pasjes/verzoeken/{request.id}/download").status_code == 404
    assert client.get(f"/pasjes/verzoeken/{request.id}").status_code == 404
    assert "testgroep" not in client.get("/pasjes/verzoeken").get_data(as_text=True)


def submit_built(client, world, holder) -> PassRequest:
    """Select this holder alone, submit, let the in-process runner build it."""
    from webapp.passes import services

    services.add_to_selection(world.acting(), [world.holder_organisation(holder).id])
    db.session.commit()
    assert client.post("/pasjes/verzoek", data={"sleutel": holder.number}).status_code == 303
    wait_for_in_process_jobs()
    request = db.session.execute(
        db.select(PassRequest).where(PassRequest.idempotency_key == holder.number)
    ).scalar_one()
    db.session.refresh(request)
    assert request.status == "available", request.error
    return request


def test_a_request_closes_when_the_mandate_for_its_holders_is_withdrawn(contact_client, world):
    """Deby's requests hold passes of ROC and of Herenbos holders; ROC withdraws her passes mandate.
    Acting for Herenbos (mandated still) she can no longer download or rebuild the ROC one."""
    client = contact_client
    at_roc, at_herenbos = submit_built(client, world, world.knightley), submit_built(client, world, world.tester)
    assert client.get(f"/pasjes/verzoeken/{at_roc.id}/download").status_code == 200

    withdraw_passes_mandate(world, world.roc)
    client.post("/organisatie-kiezen", data={"context": str(world.herenbos.id)})

    assert client.get(f"/pasjes/verzoeken/{at_roc.id}/download").status_code == 404
    assert client.get(f"/pasjes/verzoeken/{at_herenbos.id}/download").status_code == 200
    page = client.get("/pasjes/verzoeken").get_data(as_text=True)
    assert f'href="/pasjes/verzoeken/{at_roc.id}/download"' not in page
    assert f'href="/pasjes/verzoeken/{at_herenbos.id}/download"' in page
    assert "geen machtiging meer" in page
    row = client.get(f"/pasjes/verzoeken/{at_roc.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "geen machtiging meer" in row and "hx-get" not in row  # says why, and stops polling

    at_roc.status = "failed"  # nor can it be built again from ROC's current data
    db.session.commit()
    assert client.post(f"/pasjes/verzoeken/{at_roc.id}/opnieuw").status_code == 404
    db.session.refresh(at_roc)
    assert at_roc.status == "failed"


def admin_of(world):
    """The admin (beheerder) of the ROC and of Herenbos."""
    from flask import current_app

    from tests.factories import Factory
    from webapp.accounts.models import User

    admin = db.session.execute(db.select(User).where(User.email == "beheerder@rockopnh.example")).scalar_one_or_none()
    if admin is None:
        factory = Factory(current_app)
        admin = factory.user(email="beheerder@rockopnh.example")
        factory.member(admin, world.roc, "admin")
        factory.member(admin, world.herenbos, "admin")
    return admin


def membership_of(world, organisation):
    from webapp.accounts.models import Membership

    return db.session.execute(
        db.select(Membership).where(
            Membership.user_id == world.contact.id, Membership.organisation_id == organisation.id
        )
    ).scalar_one()


def withdraw_passes_mandate(world, organisation):
    """The organisation's admin takes Deby's passes mandate away (Mijn organisatie)."""
    from webapp.organisations.services import update_contact_person

    update_contact_person(
        acting_as(admin_of(world), organisation),
        membership_of(world, organisation).id,
        {"role": "contact", "services": []},
    )
    db.session.commit()


def test_a_withdrawn_mandate_takes_its_holders_out_of_the_selection(contact_client, world):
    from webapp.organisations.services import remove_contact_person
    from webapp.passes.models import SelectionItem

    client = contact_client
    for holder in (world.knightley, world.tester):  # at the ROC and at Herenbos
        assert client.post(f"/pasjes/selectie/{world.holder_organisation(holder).id}/toevoegen").status_code == 303
    assert "2</strong> Kwalificatiehouder(s) toegevoegd van 2 organisaties" in client.get("/pasjes").get_data(
        as_text=True
    )

    withdraw_passes_mandate(world, world.roc)
    client.post("/organisatie-kiezen", data={"context": str(world.herenbos.id)})
    assert "1</strong> Kwalificatiehouder(s) toegevoegd van 1 organisaties" in client.get("/pasjes").get_data(
        as_text=True
    )
    options = client.get("/pasjes/verzoek").get_data(as_text=True)
    assert "<strong>1</strong> kwalificatiehouder(s)" in options and "Reanimatie" not in options  # Knightley's

    remove_contact_person(acting_as(admin_of(world), world.herenbos), membership_of(world, world.herenbos).id)
    db.session.commit()
    assert db.session.query(SelectionItem).filter_by(user_id=world.contact.id).count() == 0  # her selection is empty


def test_the_polled_row_answers_with_its_status_until_final_then_286(contact_client, world):
    """While building, the poll gets the status cell only (the row's links stay as they are); once final,
    the whole row without the poll, with status 286 (htmx stops polling) and the outcome for the status region."""
    request = stored_request(
        world.contact,
        world.roc,
        [world.holder_organisation(world.knightley)],
        key="poll",
        reference="testgroep",
        status="building",
    )
    htmx = {"HX-Request": "true"}
    page = contact_client.get("/pasjes/verzoeken").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in page and "Vernieuwen" in page
    running = contact_client.get(f"/pasjes/verzoeken/{request.id}", headers=htmx)
    body = running.get_data(as_text=True)
    assert running.status_code == 200 and "Wordt aangemaakt" in body and "0 van 1" in body
    assert "Vernieuwen" not in body and "<tr" not in body and "#flashes" not in body

    for status, outcome, control in [
        ("available", "is beschikbaar.", "Download pdf's"),
        ("failed", "is mislukt.", "Opnieuw proberen"),
    ]:
        request.status = status
        db.session.commit()
        final = contact_client.get(f"/pasjes/verzoeken/{request.id}", headers=htmx)
        body = final.get_data(as_text=True)
        assert final.status_code == 286
        assert final.headers["HX-Retarget"] == f"#request-{request.id}" and final.headers["HX-Reswap"] == "outerHTML"
        assert f'<tr id="request-{request.id}">' in body and "hx-trigger" not in body and control in body
        assert 'hx-swap-oob="beforeend:#flashes"' in body and f"Verzoek testgroep {outcome}" in body
    assert f'id="request-{request.id}-action"' in body  # the control under the id "Vernieuwen" had: focus moves to it
    assert "hx-swap-oob" not in contact_client.get("/pasjes/verzoeken").get_data(as_text=True)


def test_options_choose_exam_types(contact_client, world):
    from webapp.passes import services

    services.add_to_selection(world.acting(), [world.holder_organisation(world.knightley).id])
    db.session.commit()
    reanimatie = next(t for t in services.list_choices(world.acting())[1] if t.name == "Reanimatie")
    nothing = contact_client.post("/pasjes/verzoek", data={"sleutel": "abc", "examentypes": "999999"})  # no such type
    assert nothing.status_code == 400 and "geen enkel pasje" in nothing.get_data(as_text=True)
    assert db.session.query(PassRequest).count() == 0
    response = contact_client.post("/pasjes/verzoek", data={"sleutel": "abc", "examentypes": str(reanimatie.id)})
    assert response.status_code == 303
    wait_for_in_process_jobs()
    request = db.session.query(PassRequest).one()
    db.session.refresh(request)
    with zipfile.ZipFile(services.download(world.acting(), request.id).path) as archive:
        assert archive.namelist() == ["73029884_Mevr._K.C._Knightley_Reanimatie.pdf"]


def test_failed_build_shows_mislukt_and_leaves_no_zip(contact_client, world, monkeypatch):
    from webapp.passes import archive, services
    from webapp.passes.render import PassRenderer

    def broken(self, items):
        raise RuntimeError("font missing")

    monkeypatch.setattr(PassRenderer, "render_many", broken)
    services.add_to_selection(world.acting(), [world.holder_organisation(world.knightley).id])
    db.session.commit()
    contact_client.post("/pasjes/verzoek", data={"sleutel": "abc"})
    wait_for_in_process_jobs()
    request = db.session.query(PassRequest).one()
    db.session.refresh(request)
    assert request.status == "failed"
    page = contact_client.get("/pasjes/verzoeken").get_data(as_text=True)
    assert "Mislukt" in page and "Opnieuw proberen" in page
    assert contact_client.get(f"/pasjes/verzoeken/{request.id}/download").status_code == 404
    assert not archive.ARCHIVES.exists(archive.archive_name(request.id))
    monkeypatch.undo()
    assert contact_client.post(f"/pasjes/verzoeken/{request.id}/opnieuw").status_code == 303
    wait_for_in_process_jobs()
    db.session.refresh(request)
    assert request.status == "available"
    assert contact_client.get(f"/pasjes/verzoeken/{request.id}/download").status_code == 200


def test_htmx_add_returns_the_row_and_the_counter(contact_client, world):
    link = world.holder_organisation(world.knightley).id
    response = contact_client.post(f"/pasjes/selectie/{link}/toevoegen", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="holder-{link}"' in body and "Verwijder" in body
    assert 'id="selection-counter"' in body and "hx-swap-oob" in body and "<strong>1</strong>" in body
    assert "<html" not in body


def test_details_without_javascript(contact_client, world):
    link = world.holder_organisation(world.knightley).id
    body = contact_client.get(f"/pasjes?details={link}").get_data(as_text=True)
    assert "j.bos@onsweb.nl" in body and "Reanimatie" in body and "Kwalificatie (2)" in body
    # another organisation's holder: its row (opened, with or without htmx) is not there to be found
    foreign = world.holder_organisation(world.foreign).id
    assert contact_client.get(f"/pasjes/houders/{foreign}?open=1").status_code == 404
    assert contact_client.get(f"/pasjes/houders/{foreign}?open=1", headers={"HX-Request": "true"}).status_code == 404


def test_backoffice_import_is_idempotent_and_reports_rows(client, factory, world):
    staff = factory.user(email="beheer@loket.example", is_staff=True)
    login(client, staff.email)
    template = client.get("/beheer/pasjes/import/sjabloon.csv")
    assert template.status_code == 200 and template.data.startswith(b"kwalificatienummer;")
    csv = (
        template.data.decode()
        + "73029884;Mevr.;K.C.;;Knightley;01-01-2000;;;;ROC Kop van Noord-Holland;1122334455;Jeugd Eerste Hulp;"
        + "Diploma;Jeugd Eerste Hulp;EX45465;12-06-2018;01-10-2030;\n"
        + "1234;Dhr.;A.;;Fout;01-01-2000;;;;Onbekend;;EH;Diploma;;;;31-02-2020;\n"
    )
    for _ in range(2):
        response = client.post(
            "/beheer/pasjes/import",
            data={"bestand": (io.BytesIO(csv.encode()), "h.csv")},
            content_type="multipart/form-data",
        )
        body = response.get_data(as_text=True)
        assert "1 regel(s) geïmporteerd, 2 regel(s) met fouten" in body
        assert "voorbeeldregel" in body
        assert "kwalificatienummer moet 8 cijfers zijn" in body and "organisatie &#39;Onbekend&#39; onbekend" in body
    from webapp.passes.models import Qualification

    assert db.session.query(Qualification).filter_by(name="Jeugd Eerste Hulp").count() == 1
    client.post("/uitloggen")
    login(client, "deby@herenbos.example", organisation=world.roc.id)
    assert client.get("/beheer/pasjes/import").status_code == 404


def lost_and_busy_requests(world) -> tuple[PassRequest, PassRequest]:
    """Two requests "building": one with no sign of life for 31 minutes (its worker was killed outright,
    its job lost), one busy 5 minutes ago (alive: to be left alone)."""
    from datetime import timedelta

    from webapp.core.timeutil import utcnow

    lost = stored_request(
        world.contact, world.roc, [world.holder_organisation(world.knightley)], key="lost", status="building"
    )
    busy = stored_request(
        world.contact,
        world.roc,
        [world.holder_organisation(world.tester, world.herenbos)],
        key="busy",
        status="building",
    )
    lost.touched_at, busy.touched_at = utcnow() - timedelta(minutes=31), utcnow() - timedelta(minutes=5)
    db.session.commit()
    return lost, busy


def test_a_request_whose_worker_died_is_swept_to_mislukt_with_retry(contact_client, world):
    """A worker killed outright leaves the request at "building" with nothing queued: the sweep fails it."""
    from webapp.passes import services

    lost, busy = lost_and_busy_requests(world)
    assert "1 vastgelopen" in services.sweep()
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(PassRequest, lost.id).status == "failed"
    assert db.session.get(PassRequest, busy.id).status == "building"
    page = contact_client.get("/pasjes/verzoeken").get_data(as_text=True)
    assert "Mislukt" in page and "Opnieuw proberen" in page
    assert contact_client.get(f"/pasjes/verzoeken/{lost.id}/download").status_code == 404
    # the retry builds it (in-process runner)
    assert contact_client.post(f"/pasjes/verzoeken/{lost.id}/opnieuw").status_code == 303
    wait_for_in_process_jobs()
    db.session.expire_all()
    assert db.session.get(PassRequest, lost.id).status == "available"
    assert contact_client.get(f"/pasjes/verzoeken/{lost.id}/download").status_code == 200


def test_a_lost_build_shows_mislukt_without_a_sweep(contact_client, world):
    """The embedded default runs no sweep: the page itself fails a build that shows no sign of life."""
    lost, busy = lost_and_busy_requests(world)
    row = contact_client.get(f"/pasjes/verzoeken/{lost.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Mislukt" in row and "Opnieuw proberen" in row and "hx-get" not in row
    page = contact_client.get("/pasjes/verzoeken").get_data(as_text=True)
    assert page.count("Opnieuw proberen") == 1 and "Wordt aangemaakt" in page
