"""The Logboek: staff search every organisation's events; an organisation's admin reads only their own."""

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from tests.factories import login
from webapp.core.models import AuditEvent
from webapp.extensions import db

MORNING = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)  # 09:30 in Amsterdam


class Table(HTMLParser):
    """The text of each body row's cells."""

    def __init__(self, html: str):
        super().__init__()
        self.rows, self._in_body, self._cell = [], False, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def rows(response) -> list[list[str]]:
    return Table(response.get_data(as_text=True)).rows


def event(action, *, at=MORNING, actor=None, organisation=None, level="EH1", subject="", old="", new="", detail=""):
    db.session.add(
        AuditEvent(
            action=action,
            at=at,
            actor_id=actor.id if actor else None,
            organisation_id=organisation.id if organisation else None,
            level=level,
            subject=subject,
            old_state=old,
            new_state=new,
            detail=detail,
        )
    )
    db.session.commit()


@pytest.fixture
def world(factory):
    class World:
        alfa = factory.organisation("Alfa Opleidingen")
        beta = factory.organisation("Beta Zorg")
        anna = factory.user("anna@alfa.example", first_name="Anna", infix="de", last_name="Vries")
        bram = factory.user("bram@beta.example", first_name="Bram", last_name="Bakker")
        staff = factory.user("staf@loket.example", is_staff=True)

    factory.member(World.anna, World.alfa, role="admin")
    factory.member(World.bram, World.beta, role="admin")
    return World


@pytest.fixture
def staff_client(app, world):
    client = app.test_client()
    login(client, world.staff.email)
    return client


def test_the_staff_dashboard_links_the_logboek(staff_client):
    assert 'href="/beheer/logboek"' in staff_client.get("/beheer").get_data(as_text=True)


def test_staff_see_every_event_newest_first_with_who_what_and_how(staff_client, world):
    event(
        "course.enrolled",
        actor=world.anna,
        organisation=world.alfa,
        level="EH2+",
        subject="enrollment:7",
        new="enrolled",
        detail='{"event_id": 3}',
    )
    event(
        "course.cancelled",
        at=MORNING + timedelta(hours=1),
        actor=world.bram,
        organisation=world.beta,
        subject="enrollment:8",
        old="enrolled",
        new="cancelled",
    )
    event("account.reset_requested", at=MORNING - timedelta(days=1), subject="user:9", level="")

    response = staff_client.get("/beheer/logboek")

    assert response.status_code == 200
    assert rows(response) == [
        [
            "10-03-2026 10:30",
            "Bram Bakker (bram@beta.example)",
            "Beta Zorg",
            "EH1",
            "course.cancelled",
            "enrollment:8",
            "enrolled → naar cancelled",
            "-",
        ],
        [
            "10-03-2026 09:30",
            "Anna de Vries (anna@alfa.example)",
            "Alfa Opleidingen",
            "EH2+",
            "course.enrolled",
            "enrollment:7",
            "- → naar enrolled",
            "event_id: 3",
        ],
        ["09-03-2026 09:30", "-", "-", "-", "account.reset_requested", "user:9", "-", "-"],
    ]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("organisatie={beta}", ["course.cancelled"]),
        ("gebruiker=ANNA", ["course.enrolled", "membership.added"]),
        ("gebruiker=alfa.example", ["course.enrolled", "membership.added"]),
        ("gebruiker=anna+vries", ["course.enrolled", "membership.added"]),
        ("gebruiker=anna+bakker", []),
        ("actie=course.cancelled", ["course.cancelled"]),
        ("actie=course.*", ["course.cancelled", "course.enrolled"]),
        ("van=10-03-2026", ["course.cancelled", "course.enrolled"]),
        ("van=2026-03-10&tot=2026-03-10", ["course.enrolled"]),
        ("tot=09-03-2026", ["membership.added"]),
        ("organisatie={alfa}&actie=course.*&gebruiker=anna", ["course.enrolled"]),
    ],
)
def test_staff_filter_by_organisation_actor_action_and_date(staff_client, world, query, expected):
    event("membership.added", at=MORNING - timedelta(days=1), actor=world.anna, organisation=world.alfa)
    event("course.enrolled", actor=world.anna, organisation=world.alfa)
    event("course.cancelled", at=MORNING + timedelta(days=1), actor=world.bram, organisation=world.beta)

    response = staff_client.get("/beheer/logboek?" + query.format(alfa=world.alfa.id, beta=world.beta.id))

    assert response.status_code == 200
    assert [row[4] for row in rows(response)] == expected


def test_a_day_runs_from_midnight_to_midnight_in_amsterdam(staff_client, world):
    event("late", at=datetime(2026, 3, 10, 22, 59, tzinfo=UTC))  # 23:59 on the 10th in Amsterdam
    event("early", at=datetime(2026, 3, 10, 23, 0, tzinfo=UTC))  # 00:00 on the 11th
    assert [row[4] for row in rows(staff_client.get("/beheer/logboek?tot=10-03-2026"))] == ["late"]
    assert [row[4] for row in rows(staff_client.get("/beheer/logboek?van=11-03-2026"))] == ["early"]


def test_the_action_filter_offers_the_actions_that_occur_and_their_groups(staff_client, world):
    event("course.enrolled")
    event("account.created")
    page = staff_client.get("/beheer/logboek").get_data(as_text=True)
    for option in ('value="course.*"', 'value="course.enrolled"', 'value="account.*"', 'value="account.created"'):
        assert option in page
    assert 'value="passes.request"' not in page


def test_pages_of_25_with_the_filters_kept(staff_client, world):
    for minute in range(30):
        event("course.enrolled", at=MORNING + timedelta(minutes=minute), organisation=world.alfa, subject=f"n:{minute}")
    event("course.enrolled", organisation=world.beta)

    first = staff_client.get(f"/beheer/logboek?organisatie={world.alfa.id}")
    assert [row[5] for row in rows(first)] == [f"n:{minute}" for minute in range(29, 4, -1)]
    page = first.get_data(as_text=True)
    assert f'href="/beheer/logboek?organisatie={world.alfa.id}&amp;pagina=2"' in page
    assert "Vorige" not in page

    second = staff_client.get(f"/beheer/logboek?organisatie={world.alfa.id}&pagina=2")
    assert [row[5] for row in rows(second)] == [f"n:{minute}" for minute in range(4, -1, -1)]
    assert "Volgende" not in second.get_data(as_text=True)


@pytest.mark.parametrize(
    "query,message",
    [
        ("van=31-02-2026", "Vul een geldige datum in als dd-mm-jjjj."),
        ("tot=gisteren", "Vul een geldige datum in als dd-mm-jjjj."),
        ("van=01-01-0001", "Vul een geldige datum in als dd-mm-jjjj."),
        ("van=10-03-2026&tot=09-03-2026", "Deze datum ligt voor de datum bij Van."),
        ("actie=nothing.happened", "Ongeldige keuze."),
        ("organisatie=99999999999999999999", "Ongeldige keuze."),
    ],
)
def test_bad_filters_get_a_dutch_message_and_no_list(staff_client, world, query, message):
    event("course.enrolled")
    response = staff_client.get("/beheer/logboek?" + query)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert rows(response) == []


@pytest.mark.parametrize(
    "query", ["gebruiker=%00", "gebruiker=" + "a" * 5000, "pagina=²", "pagina=" + "9" * 5000, "gebruiker=%25_%5C"]
)
def test_strange_input_is_never_an_error_page(staff_client, world, query):
    event("course.enrolled", actor=world.anna)
    assert staff_client.get("/beheer/logboek?" + query).status_code in (200, 400)


def test_only_staff_reach_the_staff_logboek(app, world):
    admin = app.test_client()
    login(admin, world.anna.email, organisation=world.alfa.id)
    assert admin.get("/beheer/logboek").status_code == 404


def test_an_admin_reads_their_own_organisations_events_and_never_anothers(app, world):
    event("course.enrolled", actor=world.anna, organisation=world.alfa, subject="ours")
    event("course.cancelled", actor=world.bram, organisation=world.beta, subject="theirs")
    event("beta.only", actor=world.anna, organisation=world.beta, subject="theirs too")
    event("account.created", subject="nobody's")
    client = app.test_client()
    login(client, world.anna.email, organisation=world.alfa.id)

    show = client.get("/mijn-organisatie").get_data(as_text=True)
    assert 'href="/mijn-organisatie/logboek"' in show
    for query in ("", f"?organisatie={world.beta.id}", "?gebruiker=bram", "?actie=course.*"):
        response = client.get("/mijn-organisatie/logboek" + query)
        assert response.status_code == 200
        assert {row[4] for row in rows(response)} <= {"ours"}
    response = client.get("/mijn-organisatie/logboek")
    assert rows(response) == [
        ["10-03-2026 09:30", "Anna de Vries (anna@alfa.example)", "EH1", "course.enrolled", "ours", "-", "-"]
    ]
    page = response.get_data(as_text=True)
    assert "beta.only" not in page and "course.cancelled" not in page  # not even among the filter's actions
    assert client.get("/mijn-organisatie/logboek?actie=beta.only").status_code == 400


def test_a_contact_person_who_is_no_admin_has_no_logboek(app, factory, world):
    contact = factory.user("contact@alfa.example")
    factory.member(contact, world.alfa, role="contact")
    client = app.test_client()
    login(client, contact.email, organisation=world.alfa.id)
    assert 'href="/mijn-organisatie/logboek"' not in client.get("/mijn-organisatie").get_data(as_text=True)
    assert client.get("/mijn-organisatie/logboek").status_code == 404


def test_what_an_admin_changes_appears_in_their_logboek(app, world):
    client = app.test_client()
    login(client, world.anna.email, organisation=world.alfa.id)
    assert client.post("/mijn-organisatie/aanpassen", data={"name": "Alfa Opleidingen BV"}).status_code == 303

    entry = rows(client.get("/mijn-organisatie/logboek?actie=organisation.changed"))[0]
    assert entry[1:5] == [
        "Anna de Vries (anna@alfa.example)",
        "EH1",
        "organisation.changed",
        f"organisation:{world.alfa.id}",
    ]
