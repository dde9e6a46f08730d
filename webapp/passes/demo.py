"""Demo holders of the manual, registered at ROC Kop van Noord-Holland and Herenbos Schagen (idempotent)."""

import random
from datetime import date, timedelta

from sqlalchemy import select

from webapp.accounts.models import Organisation
from webapp.extensions import db
from webapp.passes.importer import upsert_holder

KNIGHTLEY_QUALIFICATIONS = [
    ("Eerste Hulp aan kinderen", "certificate", date(2017, 7, 28)),
    ("Instructeur Eerste Hulp", "diploma", date(2018, 8, 31)),
    ("Instructeur Eerste Hulp bij wandelsetel", "certificate", date(2018, 9, 11)),
    ("Jeugd Eerste Hulp", "diploma", date(2018, 6, 12)),
    ("Levensreddend handelen", "certificate", date(2019, 1, 23)),
]
FIRST_NAMES = ["A.", "B.", "C.J.", "D.", "E.M.", "F.", "G.H.", "J.", "K.", "L.", "M.", "N.P.", "R.", "S.", "T.", "W."]
LAST_NAMES = [
    ("", "Jansen"),
    ("de", "Vries"),
    ("van", "Dijk"),
    ("", "Bakker"),
    ("", "Visser"),
    ("", "Smit"),
    ("", "Meijer"),
    ("de", "Boer"),
    ("", "Mulder"),
    ("de", "Groot"),
    ("", "Bos"),
    ("", "Vos"),
    ("", "Peters"),
    ("", "Hendriks"),
    ("van", "Leeuwen"),
    ("", "Dekker"),
    ("", "Brouwer"),
    ("de", "Wit"),
]
COURSES = [
    "Eerste Hulp",
    "Eerste Hulp aan kinderen",
    "Levensreddend handelen",
    "Jeugd Eerste Hulp",
    "Instructeur Eerste Hulp",
]


def load_demo() -> list[str]:
    organisations = {o.name: o for o in db.session.execute(select(Organisation)).scalars()}
    roc = organisations.get("ROC Kop van Noord-Holland")
    herenbos = organisations.get("Herenbos Schagen")
    if roc is None or herenbos is None:
        return ["Digitale pasjes: de demo-organisaties ontbreken; niets geladen."]
    future = date.today().replace(month=1, day=1) + timedelta(days=3 * 365)
    upsert_holder(
        dict(
            number="73029884",
            salutation="Mevr.",
            initials="K.C.",
            last_name="Knightley",
            birth_date=date(2000, 1, 1),
            email="j.bos@onsweb.nl",
            phone="0123456789",
            mobile="06111111",
        ),
        [
            dict(name=name, kind=kind, exam_type=name, exam_number="EX40001", exam_date=exam, expires_on=future)
            for name, kind, exam in KNIGHTLEY_QUALIFICATIONS
        ],
        [(roc.id, "1122334455"), (herenbos.id, "")],
    )
    for number, initials, infix, last, born, expires in [
        ("99731441", "B", "van", "Test", date(2000, 4, 3), date(2021, 4, 1)),
        ("99600953", "TEST", "de", "Tester", date(1992, 6, 18), date(2021, 4, 1)),
        ("99694102", "TT", "Te", "Tester", date(2000, 1, 12), date(2021, 1, 21)),
    ]:
        upsert_holder(
            dict(
                number=number,
                salutation="Dhr.",
                initials=initials,
                infix=infix,
                last_name=last,
                birth_date=born,
                email=f"{number}@voorbeeld.example",
            ),
            [
                dict(
                    name="Eerste Hulp",
                    kind="diploma",
                    exam_type="Eerste Hulp",
                    exam_number="EX45465",
                    exam_date=expires - timedelta(days=730),
                    expires_on=expires if number != "99731441" else future,
                )
            ],
            [(roc.id, "")],
        )
    generator = random.Random(3)
    for index in range(40):
        infix, last = generator.choice(LAST_NAMES)
        course = generator.choice(COURSES)
        exam = date(2019, 1, 1) + timedelta(days=generator.randrange(0, 2000))
        upsert_holder(
            dict(
                number=f"{81000000 + index * 137:08d}",
                salutation=generator.choice(["Dhr.", "Mevr."]),
                initials=generator.choice(FIRST_NAMES),
                infix=infix,
                last_name=last,
                birth_date=date(1960, 1, 1) + timedelta(days=generator.randrange(0, 16000)),
                email=f"houder{index}@voorbeeld.example",
                phone="0223-" + str(100000 + index),
            ),
            [
                dict(
                    name=course,
                    kind="diploma",
                    exam_type=course,
                    exam_number=f"EX5{index % 7:04d}",
                    exam_date=exam,
                    expires_on=exam + timedelta(days=730),
                )
            ],
            [(roc.id if index % 3 else herenbos.id, str(5000 + index) if index % 2 else "")],
        )
    return [
        "Digitale pasjes: 44 kwalificatiehouders (o.a. Mevr. K.C. Knightley 73029884) bij ROC Kop van Noord-Holland "
        "en Herenbos Schagen; deby@herenbos.example ziet ze als contactpersoon van het ROC."
    ]
