"""Demo courses: the manual's examples (with their old dates) and upcoming events to try today."""

from datetime import date, timedelta

from sqlalchemy import select

from webapp.accounts.models import Organisation, User
from webapp.core.timeutil import today_local, utcnow
from webapp.courses import invoicing, services
from webapp.courses.models import Category, Course, Enrollment, Event, Message
from webapp.extensions import db

RULES = (
    "Kosteloos annuleren tot 14 dagen voor aanvang. Daarna is 50% van de cursusprijs verschuldigd; "
    "binnen 3 dagen voor aanvang het volledige bedrag. Een vervanger mag altijd."
)


def _tree():
    root = Category(name="Cursussen & Trainingen")
    agro = Category(name="Agro & Groen", parent=root)
    licences = Category(name="Licentieverlengingen Gewasbescherming", parent=agro)
    maritime = Category(name="Maritiem & Offshore", parent=root)
    safety = Category(name="Veiligheid", parent=root)
    db.session.add_all([root, agro, licences, maritime, safety])
    return licences, maritime, safety


def load_demo() -> list[str]:
    if db.session.execute(select(Course).where(Course.name == "Licentieverlenging Gewasbescherming")).first():
        return ["Cursussen: demo-cursussen staan er al."]
    orgs = {o.name: o for o in db.session.execute(select(Organisation)).scalars()}
    people = {u.email: u for u in db.session.execute(select(User)).scalars()}
    deby = people.get("deby@herenbos.example")
    if deby is None or "Herenbos Schagen" not in orgs:
        return ["Cursussen: eerst de demo-organisaties en -personen laden."]
    licences, maritime, safety = _tree()
    today = today_local()

    def course(name, category=None, custom_for=None):
        c = Course(
            name=name,
            category=category,
            custom_for=orgs.get(custom_for) if custom_for else None,
            cancellation_rules=RULES,
            description=f"{name}, verzorgd door de Onderwijsgroep Noordwest-Holland.",
        )
        db.session.add(c)
        return c

    def event(c, name, starts_on, location, price=19500, places=12):
        e = Event(course=c, name=name, starts_on=starts_on, location=location, price_cents=price, places=places)
        db.session.add(e)
        return e

    lv = course("Licentieverlenging Gewasbescherming", licences)
    heerhugowaard = course("Maatwerk cursussen Gemeente Heerhugowaard", custom_for="Gemeente Heerhugowaard")
    herenbos = course("Maatwerk cursussen Herenbos", custom_for="Herenbos Schagen")
    medical = course("Medical Care (STCW)", maritime)
    roc = course("Test evenement ROC Kop van Noord-Holland", safety)
    hoorn = course("Testcursus Gemeente Hoorn", safety)
    bhv = course("BHV Basis", safety)

    history = [
        (
            event(herenbos, "2e testcursus - Maatwerk cursussen Herenbos", date(2017, 1, 25), "Incompany"),
            "Herenbos Schagen",
            False,
            "",
            False,
        ),
        (
            event(medical, "Medical Care (STCW)", date(2016, 1, 11), "Den Helder - Kievitstraat 31", 89500),
            None,
            False,
            "",
            False,
        ),
        (
            event(
                roc,
                "Test evenement ROC Kop van Noord-Holland (test)",
                date(2016, 10, 13),
                "Den Helder - Kievitstraat 31",
            ),
            "ROC Kop van Noord-Holland",
            True,
            "Afgerond",
            False,
        ),
        (event(hoorn, "Testcursus Gemeente Hoorn", date(2017, 11, 11), "Incompany"), None, False, "", False),
    ]
    event(
        heerhugowaard,
        "LV Bedreigingen openbaar groen - gemeente Heerhugowaard",
        date(2017, 2, 6),
        "Incompany",
        15000,
        20,
    )
    upcoming = [
        event(lv, "LV Optimaal bespuiten (VT)", today + timedelta(days=23), "Den Helder - Kievitstraat 31", 17500, 16),
        event(lv, "LV Gewasbescherming en water", today + timedelta(days=51), "Schagen - Herenweg 12", 17500, 16),
        event(
            heerhugowaard,
            "LV Bedreigingen openbaar groen - gemeente Heerhugowaard",
            today + timedelta(days=76),
            "Incompany",
            15000,
            20,
        ),
        event(medical, "Medical Care (STCW)", today + timedelta(days=40), "Den Helder - Kievitstraat 31", 89500, 10),
        event(bhv, "BHV Basis (2 dagen)", today + timedelta(days=16), "Den Helder - Kievitstraat 31", 29500, 2),
        event(herenbos, "3e cursus - Maatwerk cursussen Herenbos", today + timedelta(days=33), "Incompany", 12000, 15),
    ]
    db.session.flush()
    for ev, org_name, confirmed, result, attended in history:
        organisation = orgs.get(org_name) if org_name else None
        enrollment = Enrollment(
            event=ev,
            participant=deby,
            organisation=organisation,
            enrolled_by=deby,
            status="enrolled",
            result=result,
            attended=attended,
        )
        db.session.add(enrollment)
        db.session.flush()
        invoicing.issue_invoice(enrollment)
        enrollment.invoice.paid_at = utcnow()
        if confirmed:
            enrollment.confirmation_sent_at = utcnow()
            db.session.add(
                Message(
                    recipient=deby,
                    organisation_id=enrollment.organisation_id,
                    kind="confirmation",
                    subject=f"Bevestiging inschrijving: {ev.name}",
                    body=f"Hierbij bevestigen wij uw inschrijving voor {ev.name} op {ev.starts_on:%d-%m-%Y}.",
                    invoice_id=enrollment.invoice.id,
                    enrollment_id=enrollment.id,
                )
            )
    # BHV Basis is nearly full: one place left, so the waiting list can be tried.
    martin = people.get("martin.sommer@herenbos.example")
    if martin is not None:
        taken = Enrollment(
            event=upcoming[4], participant=martin, organisation=orgs["Herenbos Schagen"], enrolled_by=deby
        )
        db.session.add(taken)
        db.session.flush()
        invoicing.issue_invoice(taken)
    db.session.flush()
    for demo_course in (lv, heerhugowaard, herenbos, medical, roc, hoorn, bhv):
        for demo_event in demo_course.events:
            services.recount(demo_event)  # the agenda reads places left from this counter
    return [
        "Cursussen: categorieën, cursussen en evenementen geladen (cursusagenda: /cursusagenda).",
        "  Deby: Mijn cursussen met de voorbeelden uit de handleiding; maatwerk onder 'Inschrijven cursussen organisatie'.",
        "  Back-office: /beheer/cursussen (beheer@loket.example).",
    ]
