"""Every courses route, the staff pages too, requested with the ids of organisation Alfa's real objects
(a custom course and its event, an enrolment, an invoice, a message in its archive with an attachment)
by people who have no business with them: a 404 or a redirect to log in, never a 500, never Alfa's data."""

from tests.factories import acting_as, login
from webapp.courses import services
from webapp.extensions import db

SECRET = "Alfageheim"


def test_outsiders_get_nothing_of_another_organisation(app, factory, make_event):
    # The secret word is in Alfa's course data only (its name shows in its own people's banner).
    alfa = factory.organisation("Zorggroep Alfa")
    beta = factory.organisation("Bouwbedrijf Beta")
    alfa_admin = factory.user("beheerder@alfa.example", first_name="Anna", last_name="Alfa")
    factory.member(alfa_admin, alfa, role="admin")
    alfa_employee = factory.user("medewerker@alfa.example")
    factory.member(alfa_employee, alfa, role="employee")
    beta_admin = factory.user("beheerder@beta.example")
    factory.member(beta_admin, beta, role="admin")
    person = factory.user("persoon@voorbeeld.example")
    staff = factory.user("beheer@loket.example", is_staff=True)

    event = make_event(custom_for=alfa, name=f"Maatwerk {SECRET}", course_name=f"Cursus {SECRET}")
    enrollment = services.enrol(acting_as(alfa_admin, alfa), event.id, debtor_reference=f"PO-{SECRET}")
    message = services.send_archive_message(
        acting_as(staff),
        organisation_id=alfa.id,
        subject=f"Bericht {SECRET}",
        body=f"Tekst {SECRET}",
        attachments=[(f"{SECRET}.txt", "text/plain", SECRET.encode())],
    )
    db.session.commit()
    ids = {
        "course_id": event.course_id,
        "event_id": event.id,
        "enrollment_id": enrollment.id,
        "invoice_id": enrollment.invoice_id,
        "message_id": message.id,
        "attachment_id": message.attachments[0].id,
        "category_id": event.course.category_id,
    }

    clients = {"anonymous": app.test_client()}
    for role, user, organisation in [
        ("person", person, None),
        ("alfa_employee", alfa_employee, alfa.id),
        ("beta_admin", beta_admin, beta.id),
        ("alfa_admin_as_person", alfa_admin, None),
    ]:
        clients[role] = app.test_client()
        login(clients[role], user.email, organisation=organisation)

    problems = []
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(("courses.", "courses_staff."))]
    assert any(r.endpoint.startswith("courses_staff.") and r.arguments for r in rules)
    for rule in rules:
        if rule.endpoint in ("courses.category", "courses.offer", "courses.agenda") or not rule.arguments:
            continue  # public pages without Alfa's objects in them
        url = rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]
        for role, client in clients.items():
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method, data={})
                where = f"{role} {method} {url} -> {response.status_code}"
                body = (
                    response.get_data(as_text=True)
                    if response.mimetype.startswith("text/")
                    else response.data.decode("latin-1")
                )
                if response.status_code >= 500:
                    problems.append(f"server error: {where}")
                if SECRET.lower() in body.lower():
                    problems.append(f"Alfa's data shown: {where}")
                sends_to_login = response.status_code in (302, 303) and response.headers["Location"].startswith(
                    "/inloggen"
                )
                if not (response.status_code == 404 or sends_to_login):
                    problems.append(f"not refused: {where}")
    assert not problems, "\n".join(problems)
    # And their own pages list nothing of Alfa's.
    for role, client in clients.items():
        if role == "anonymous":
            continue
        for url in (
            "/mijn-onderwijsgroep/facturen",
            "/mijn-onderwijsgroep/dossier",
            "/mijn-onderwijsgroep/cursussen",
            "/cursusagenda",
        ):
            if role == "alfa_admin_as_person" and url.endswith("/cursussen"):
                continue  # her own courses follow her in every context
            assert SECRET.lower() not in client.get(url).get_data(as_text=True).lower(), (role, url)
    # Alfa's admin, acting for Alfa, does see them.
    owner = app.test_client()
    login(owner, alfa_admin.email, organisation=alfa.id)
    assert owner.get(f"/cursussen/{event.course_id}").status_code == 200
    assert owner.get(f"/mijn-onderwijsgroep/facturen/{enrollment.invoice_id}.pdf").status_code == 200
    assert (
        owner.get(f"/mijn-onderwijsgroep/dossier/{message.id}/bijlage/{message.attachments[0].id}").data
        == SECRET.encode()
    )
