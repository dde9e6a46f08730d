"""The receiving college's view: its staff see only the finished, not archived dossiers of its own programmes (a list
with search, filters and pages; the whole dossier as a page and as one PDF whose text holds the answers); each view is
in the audit trail; another college's dossier, an unfinished one and an archived one are a 404 and absent from the
list; a school's mentor, a student and a college employee find nothing."""

import subprocess

from sqlalchemy import select

from tests.dossiers import support
from tests.factories import login
from webapp.accounts.models import Organisation
from webapp.core.models import AuditEvent
from webapp.dossiers import college, demo, history
from webapp.dossiers.models import Answer
from webapp.extensions import db

LIST = "/doorstroomdossier/vervolgopleiding/"


def finished(student, programme, answers=None, opp=None, contact=None):
    """A dossier taken through every step of the state table to finished, its answers stored first (part B's flags
    when given)."""
    record = support.dossier(student, programme)
    part_b = {key: value for key, value in ((college.OPP_KEY, opp), (college.CONTACT_KEY, contact)) if value}
    for field, value in {"roepnaam": student.first_name, **(answers or {}), **part_b}.items():
        db.session.add(Answer(dossier_id=record.id, field=field, value=value))
    record.take_part_b_flags(part_b)  # as Opsturen naar leerling keeps them (test_college_flags.py)
    for action in ("send_to_mentor", "start_part_b", "send_to_student", "start_approval", "finish"):
        history.take(record, action, None)
    db.session.commit()
    return record


def _world(factory):
    utrecht = support.college(
        factory,
        "MBO Utrecht",
        programmes=(("Juridisch secretaresse", 4, "BOL"), ("Toezicht en veiligheid", 3, "BOL")),
    )
    twente = support.college(factory, "ROC van Twente")
    juridisch, toezicht = sorted(utrecht.programmes, key=lambda p: p.name)
    brug, dalton = support.school(factory, "Vakcollege De Brug"), support.school(factory, "Daltonschool Noord")
    mentor = support.staff_member(factory, brug, "mentor")
    klass = support.school_class(brug, "4a", mentors=[mentor])
    roos = support.student(brug, klass, first_name="Roos", infix="de", last_name="Winter")
    jaap = support.student(brug, klass, first_name="Jaap", infix="", last_name="Rierink")
    mila = support.student(dalton, first_name="Mila", infix="", last_name="Jansen")
    sem = support.student(dalton, first_name="Sem", infix="", last_name="Winterman")
    contact = factory.user("toelating@mboutrecht.example", first_name="Fatima", last_name="El Amrani")
    factory.member(contact, utrecht.organisation, role="contact")
    dossiers = dict(
        roos=finished(roos, juridisch, {"hobbys": "Paardrijden en tekenen."}, opp="ja", contact="nee"),
        jaap=finished(jaap, toezicht, opp="nee", contact="ja"),
        mila=finished(mila, juridisch),  # no part B: its flags are not filled in
        sem_twente=finished(sem, twente.programmes[0]),  # another college's
        sem_approval=support.dossier(sem, toezicht, state="approval"),  # not finished yet
        roos_archived=finished(roos, toezicht),
    )
    dossiers["roos_archived"].archived = True
    db.session.commit()
    return dict(
        utrecht=utrecht,
        twente=twente,
        juridisch=juridisch,
        toezicht=toezicht,
        brug=brug,
        dalton=dalton,
        mentor=mentor,
        roos=roos,
        contact=contact,
        dossiers=dossiers,
    )


def _client(app, user, organisation=None):
    client = app.test_client()
    login(client, user.email, organisation=organisation.id if organisation is not None else None)
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def _names(page: str) -> set[str]:
    return {name for name in ("Roos de Winter", "Jaap Rierink", "Mila Jansen", "Sem Winterman") if name in page}


def _views(dossier) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "dossiers.college_viewed", AuditEvent.subject == f"dossier:{dossier.id}"
            )
        )
    )


def test_the_list_holds_only_the_finished_dossiers_of_its_own_programmes(app, factory):
    world = _world(factory)
    client = _client(app, world["contact"], world["utrecht"].organisation)
    assert client.get("/doorstroomdossier/").headers["Location"] == LIST  # the front door leads there
    page = _text(client.get(LIST))
    assert _names(page) == {"Roos de Winter", "Jaap Rierink", "Mila Jansen"} and "3 dossiers gevonden" in page
    assert "Juridisch secretaresse (4 - BOL - Australiëlaan 23" in page and "Daltonschool Noord" in page
    assert page.count(f'/doorstroomdossier/vervolgopleiding/dossiers/{world["dossiers"]["roos"].id}"') == 1
    assert f'/dossiers/{world["dossiers"]["roos_archived"].id}"' not in page
    # newest first: Mila's was finished last
    assert page.index("Mila Jansen") < page.index("Jaap Rierink") < page.index("Roos de Winter")
    roos_row = page[page.index("Roos de Winter") : page.index("</tr>", page.index("Roos de Winter"))]
    assert "<td>ja</td>" in roos_row and "<td>nee</td>" in roos_row
    mila_row = page[page.index("Mila Jansen") : page.index("</tr>", page.index("Mila Jansen"))]
    assert mila_row.count("niet ingevuld") == 2


def test_search_filters_and_their_fragment(app, factory):
    world = _world(factory)
    client = _client(app, world["contact"], world["utrecht"].organisation)

    def names(**args):
        return _names(_text(client.get(LIST, query_string=args)))

    assert names(zoek="winter") == {"Roos de Winter"}  # a word's start: not Sem Winterman (Twente's)
    assert names(zoek="jan") == {"Mila Jansen"} and names(zoek="roos winter") == {"Roos de Winter"}
    assert names(zoek="xq") == set()
    assert names(opleiding=world["toezicht"].id) == {"Jaap Rierink"}
    assert names(opleiding=world["twente"].programmes[0].id) == set()  # another college's programme: nothing
    assert names(school=world["dalton"].id) == {"Mila Jansen"}
    assert names(school=world["brug"].id) == {"Roos de Winter", "Jaap Rierink"}
    assert names(opp="ja") == {"Roos de Winter"} and names(contact="ja") == {"Jaap Rierink"}
    assert names(opp="ja", contact="ja") == set() and names(opleiding="abc", school="-1") == _names(
        _text(client.get(LIST))
    )
    assert "Er zijn geen afgeronde dossiers die aan dit filter voldoen." in _text(client.get(LIST + "?zoek=xq"))

    fragment = client.get(LIST, query_string={"opp": "ja"}, headers={"HX-Request": "true"})
    body = _text(fragment)
    assert fragment.status_code == 200 and not body.lstrip().lower().startswith("<!doctype")
    assert 'id="dossier-list"' in body and "1 dossier gevonden" in body and "Jaap Rierink" not in body
    assert fragment.headers["HX-Push-Url"] == LIST + "?opp=ja" and "HX-Request" in fragment.headers["Vary"]


def test_the_list_pages(app, factory):
    world = _world(factory)
    for number in range(25):
        student = support.student(world["dalton"], first_name="Extra", infix="", last_name=f"Leerling{number:02d}")
        support.dossier(student, world["juridisch"], state="finished")
    client = _client(app, world["contact"], world["utrecht"].organisation)
    first = _text(client.get(LIST))
    assert "28 dossiers gevonden" in first and "Pagina 1 van 2" in first and 'rel="next"' in first
    second = _text(client.get(LIST, query_string={"pagina": "2"}))
    assert "Pagina 2 van 2" in second and second.count("/doorstroomdossier/vervolgopleiding/dossiers/") == 3
    assert "Pagina 2 van 2" in _text(client.get(LIST, query_string={"pagina": "99"}))  # beyond the last: the last


def test_the_whole_dossier_as_a_page_and_as_a_pdf_each_view_logged(app, factory):
    world = _world(factory)
    roos = world["dossiers"]["roos"]
    client = _client(app, world["contact"], world["utrecht"].organisation)
    page = _text(client.get(f"{LIST}dossiers/{roos.id}"))
    assert "Roos de Winter" in page and "Vakcollege De Brug" in page and "Paardrijden en tekenen." in page
    assert "Deel A" in page and "Afgerond op" in page and "OPP / warme overdracht" in page
    assert f"{LIST}dossiers/{roos.id}/pdf" in page

    response = client.get(f"{LIST}dossiers/{roos.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True).stdout
    text = text.decode()
    assert "Roos de Winter" in text and "MBO Utrecht" in text and "Paardrijden en tekenen." in text
    assert "Juridisch secretaresse" in text and "Deel A" in text

    views = _views(roos)
    assert [(event.actor_id, event.organisation_id) for event in views] == [
        (world["contact"].id, world["utrecht"].organisation_id)
    ] * 2
    assert sorted(event.detail for event in views) == sorted(
        [f'{{"view": "{how}", "programme_id": {roos.programme_id}}}' for how in ("page", "pdf")]
    )
    assert world["roos"].bsn.digits not in " ".join(f"{e.subject} {e.detail}" for e in views)  # never a BSN


def test_another_colleges_an_unfinished_and_an_archived_dossier_are_a_404(app, factory):
    world = _world(factory)
    client = _client(app, world["contact"], world["utrecht"].organisation)
    for key in ("sem_twente", "sem_approval", "roos_archived"):
        dossier = world["dossiers"][key]
        assert client.get(f"{LIST}dossiers/{dossier.id}").status_code == 404, key
        assert client.get(f"{LIST}dossiers/{dossier.id}/pdf").status_code == 404, key
        assert _views(dossier) == []
    assert client.get(f"{LIST}dossiers/999999").status_code == 404
    # Twente's own staff do see theirs, and not Utrecht's
    twente_contact = factory.user("toelating@roc-twente.example")
    factory.member(twente_contact, world["twente"].organisation, role="admin")
    twente = _client(app, twente_contact, world["twente"].organisation)
    assert _names(_text(twente.get(LIST))) == {"Sem Winterman"}
    assert twente.get(f"{LIST}dossiers/{world['dossiers']['roos'].id}").status_code == 404


def test_a_mentor_a_student_and_a_college_employee_find_nothing(app, factory):
    world = _world(factory)
    roos = world["dossiers"]["roos"]
    addresses = (LIST, f"{LIST}dossiers/{roos.id}", f"{LIST}dossiers/{roos.id}/pdf")
    mentor = _client(app, world["mentor"], world["brug"])
    student_user = factory.user("roos@leerling.example")
    world["roos"].user_id = student_user.id
    db.session.commit()
    student = _client(app, student_user)
    employee_user = factory.user("conciërge@mboutrecht.example")
    factory.member(employee_user, world["utrecht"].organisation, role="employee")
    employee = _client(app, employee_user, world["utrecht"].organisation)
    for who, client in (("mentor", mentor), ("student", student), ("employee", employee)):
        for address in addresses:
            assert client.get(address).status_code == 404, (who, address)
    assert _views(roos) == []
    anonymous = app.test_client().get(LIST)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/inloggen")


def test_history_take_records_when_a_dossier_was_finished(app, factory):
    world = _world(factory)
    roos = world["dossiers"]["roos"]
    (finish,) = [step for step in history.steps(roos) if step.action == "finish"]
    assert roos.finished_at == finish.at and roos.warm_handover is True
    assert world["dossiers"]["mila"].further_contact is None
    assert world["dossiers"]["sem_approval"].finished_at is None


def test_the_demo_has_mbo_utrechts_staff_and_a_finished_dossier_for_it(app, client):
    demo.load_demo()
    db.session.commit()
    utrecht = db.session.scalar(select(Organisation).where(Organisation.name.startswith("MBO Utrecht")))
    login(client, "toelating@mboutrecht.example", demo.DEMO_PASSWORD, organisation=utrecht.id)
    page = _text(client.get(LIST))
    # Noor's dossier, and Lotte's from the mentor's demo (her archived one is not shown)
    assert "Noor Vermeulen" in page and "Toezicht en veiligheid" in page and "Lotte Visser" in page
    assert "2 dossiers gevonden" in page


def test_a_college_member_acting_as_a_person_is_asked_to_choose_the_college(app, factory):
    world = _world(factory)
    client = _client(app, world["contact"])  # logged in as a person
    response = client.get(LIST)
    assert response.status_code == 302 and response.headers["Location"].startswith("/organisatie-kiezen")


def test_the_search_follows_a_changed_name(app, factory):
    world = _world(factory)
    world["roos"].set_name("Roos", "", "Zomer")
    db.session.commit()
    client = _client(app, world["contact"], world["utrecht"].organisation)
    assert "Roos Zomer" in _text(client.get(LIST, query_string={"zoek": "zom ro"}))
    assert "dossiers gevonden" in _text(client.get(LIST, query_string={"zoek": "winter"}))
    assert "Roos" not in _text(client.get(LIST, query_string={"zoek": "winter"}))


def test_a_searchs_pages_and_a_page_past_its_last(app, factory):
    world = _world(factory)
    for number in range(26):
        student = support.student(world["dalton"], first_name="Extra", infix="", last_name=f"Leerling{number:02d}")
        support.dossier(student, world["juridisch"], state="finished")
    client = _client(app, world["contact"], world["utrecht"].organisation)
    first = _text(client.get(LIST, query_string={"zoek": "extra"}))
    assert "26 dossiers gevonden" in first and "Pagina 1 van 2" in first and "Roos de Winter" not in first
    second = _text(client.get(LIST, query_string={"zoek": "extra", "pagina": "2"}))
    assert "Pagina 2 van 2" in second and second.count("/doorstroomdossier/vervolgopleiding/dossiers/") == 1
    past = _text(client.get(LIST, query_string={"zoek": "extra", "school": world["dalton"].id, "pagina": "99"}))
    assert "26 dossiers gevonden" in past and "Pagina 2 van 2" in past  # beyond the last: the last


def test_a_common_word_is_checked_per_dossier_and_finds_the_same(app, factory, monkeypatch):
    world = _world(factory)
    client = _client(app, world["contact"], world["utrecht"].organisation)
    searches = [
        {"zoek": "winter"},
        {"zoek": "roos winter"},
        {"zoek": "w r"},
        {"zoek": "jan", "school": world["dalton"].id},
        {"zoek": "jan", "school": world["brug"].id},
        {"zoek": "rierink", "contact": "ja"},
        {"zoek": "xq"},
    ]
    gathered = [_names(_text(client.get(LIST, query_string=args))) for args in searches]
    assert gathered == [
        {"Roos de Winter"},
        {"Roos de Winter"},
        {"Roos de Winter"},
        {"Mila Jansen"},
        set(),
        {"Jaap Rierink"},
        set(),
    ]
    monkeypatch.setattr(college, "COMMON_WORD", 1)  # every typed word is common now
    assert [_names(_text(client.get(LIST, query_string=args))) for args in searches] == gathered


def test_a_search_for_like_wildcards_or_odd_characters_finds_nothing_and_breaks_nothing(app, factory):
    world = _world(factory)
    client = _client(app, world["contact"], world["utrecht"].organisation)
    for typed in ("%", "_", "/", "r%", "w_nter", "'", "\U0010ffff", "roos %", "ü" * 100):
        response = client.get(LIST, query_string={"zoek": typed})
        assert response.status_code == 200 and _names(_text(response)) == set(), typed
