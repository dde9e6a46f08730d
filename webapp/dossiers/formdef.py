"""The dossier parts' form definition: THE one place that says which sections part A (the student's) and part B (the
mentor's) have, in which groups, and which fields each section asks. The pages, the progress, the validation and the
PDF all read it; nothing about a field is written anywhere else. A field's key is unique across parts A and B and is
the Answer.field it is stored under."""

from dataclasses import dataclass

TEXT, TEXTAREA, CHOICE, PHONE, DATE, EMAIL = "text", "textarea", "choice", "phone", "date", "email"

YES_NO = (("ja", "ja"), ("nee", "nee"))
# The country codes a phone number may start with (the manual's drop-down); stored as "+31 612345678".
COUNTRY_CODES = (("+31", "+31 (Nederland)"), ("+32", "+32 (België)"), ("+49", "+49 (Duitsland)"))


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = TEXT
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for kind choice
    max_length: int = 100
    hint: str = ""
    required_when: tuple[str, str] | None = None  # (another field's key, its answer): required only then
    heading: str = ""  # a lead-in shown above the field; one ending in ":" is the start of the field's question

    @property
    def question(self) -> str:
        """The field's whole question, as check answers and the PDF show it out of the page's context."""
        return f"{self.heading} {self.label}" if self.heading.endswith(":") else self.label

    def required_in(self, given: dict[str, str]) -> bool:
        """Whether the field must be answered, given the answers so far (a conditional field only when its
        condition holds)."""
        if self.required_when is not None:
            key, value = self.required_when
            return given.get(key) == value
        return self.required


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    handreiking: str
    fields: tuple[Field, ...]
    group: str = ""  # "Vervolgkeuze" for the sections the manual groups under it

    @property
    def required_fields(self) -> tuple[Field, ...]:
        """The fields that are always required (not the conditional ones: see required_in)."""
        return tuple(field for field in self.fields if field.required)

    def required_in(self, given: dict[str, str]) -> tuple[Field, ...]:
        """The fields that must be answered, given the answers so far."""
        return tuple(field for field in self.fields if field.required_in(given))


def _yes_no(key: str, label: str, required: bool = True, heading: str = "") -> Field:
    return Field(key, label, CHOICE, required, YES_NO, 3, heading=heading)


def _open(key: str, label: str, required: bool = True, hint: str = "", max_length: int = 1000) -> Field:
    return Field(key, label, TEXTAREA, required, max_length=max_length, hint=hint)


SECTIONS: tuple[Section, ...] = (
    Section(
        "persoonlijke-gegevens",
        "Persoonlijke gegevens",
        "Vul je naam in zoals die in je paspoort of identiteitskaart staat. Je roepnaam is de naam waarmee "
        "iedereen je aanspreekt. Geef een telefoonnummer waarop de vervolgopleiding je kan bereiken; is het "
        "nummer geheim, dan gebruikt de opleiding het alleen om jou zelf te bellen.",
        (
            Field("roepnaam", "Roepnaam", max_length=60),
            Field("voornamen", "Voornamen", max_length=120),
            Field("voorletters", "Voorletters", max_length=20, hint="Bijvoorbeeld: R.M."),
            Field("tussenvoegsel", "Tussenvoegsel", required=False, max_length=30),
            Field("achternaam", "Achternaam", max_length=120),
            Field(
                "geslacht",
                "Geslacht",
                CHOICE,
                choices=(("man", "man"), ("vrouw", "vrouw"), ("anders", "anders")),
                max_length=6,
            ),
            Field("telefoonnummer", "Telefoonnummer", PHONE, max_length=20),
            _yes_no("telefoonnummer_geheim", "Is dit telefoonnummer geheim?"),
            Field("mobiel_nummer", "Mobiel nummer", PHONE, required=False, max_length=20),
            _yes_no("mobiel_nummer_geheim", "Is dit telefoonnummer geheim?", required=False),
        ),
    ),
    Section(
        "familie-wonen-vrije-tijd",
        "Familie, wonen en vrije tijd",
        "Vertel kort hoe je gezin eruitziet en bij wie je woont. Zo weet de vervolgopleiding wie ze kan "
        "bellen en wat er thuis speelt. Bij vrije tijd gaat het om wat je graag doet: sport, muziek, een "
        "bijbaan of vrijwilligerswerk.",
        (
            _open("gezin", "Hoe ziet je gezin eruit?", hint="Bijvoorbeeld: vader, moeder, een broer van 12."),
            Field(
                "woont_bij",
                "Bij wie woon je?",
                CHOICE,
                choices=(
                    ("ouders", "bij mijn ouders"),
                    ("een_ouder", "bij één van mijn ouders"),
                    ("anders", "ergens anders"),
                ),
                max_length=9,
            ),
            _open("woont_bij_toelichting", "Toelichting bij waar je woont", required=False, max_length=500),
            _open("hobbys", "Wat zijn je hobby's?", max_length=500),
            _open("bijbaan", "Heb je een bijbaan of doe je vrijwilligerswerk?", required=False, max_length=500),
        ),
    ),
    Section(
        "competenties",
        "Competenties",
        "Competenties zijn dingen waar je goed in bent: samenwerken, plannen, netjes werken, met mensen "
        "omgaan. Denk aan voorbeelden uit school, stage of je vrije tijd. Wees eerlijk over wat je nog wilt leren.",
        (
            _open("goed_in", "Waar ben je goed in?"),
            _open("wil_leren", "Wat wil je nog leren of verbeteren?"),
            _yes_no("samenwerken", "Werk je graag samen met anderen?"),
            _open("voorbeeld", "Geef een voorbeeld van iets waar je trots op bent", required=False),
        ),
    ),
    Section(
        "stage-werk-trainingen",
        "Stage/werk/trainingen",
        "Noem de stages die je hebt gelopen en het werk dat je hebt gedaan, ook een bijbaan. Trainingen en "
        "cursussen (zoals EHBO of een sociale vaardigheidstraining) horen hier ook bij.",
        (
            _yes_no("stage_gelopen", "Heb je stage gelopen?"),
            _open("stages", "Waar heb je stage gelopen en wat deed je daar?", required=False),
            _open("werkervaring", "Welk werk heb je gedaan?", required=False),
            _open("trainingen", "Welke trainingen of cursussen heb je gevolgd?", required=False),
        ),
    ),
    Section(
        "ondersteuning",
        "Ondersteuning",
        "De vervolgopleiding wil weten of je hulp nodig hebt, zodat die er vanaf het begin is. Wat je hier "
        "invult, ziet alleen de opleiding waarvoor je dit dossier maakt.",
        (
            _yes_no("hulp_nodig", "Denk je dat je extra hulp nodig hebt op je nieuwe opleiding?"),
            _yes_no("dyslexie", "Heb je dyslexie?"),
            _yes_no("dyscalculie", "Heb je dyscalculie?"),
            _open("hulp_bij", "Waarbij heb je hulp nodig?", required=False),
            _open("hulp_gehad", "Welke hulp heb je op je huidige school gehad?", required=False),
        ),
    ),
    Section(
        "school-van-herkomst",
        "School van herkomst",
        "Dit gaat over de school waar je nu zit. Je leerweg en profiel staan op je rapport of vraag ze aan je "
        "mentor. Het diplomajaar is het jaar waarin je verwacht je diploma te halen.",
        (
            Field("school_naam", "Naam van je school", max_length=160),
            Field(
                "leerweg",
                "Leerweg",
                CHOICE,
                choices=(
                    ("bb", "basisberoepsgerichte leerweg"),
                    ("kb", "kaderberoepsgerichte leerweg"),
                    ("gl", "gemengde leerweg"),
                    ("tl", "theoretische leerweg"),
                    ("havo", "havo"),
                    ("anders", "anders"),
                ),
                max_length=6,
            ),
            Field("profiel", "Profiel", max_length=120, hint="Bijvoorbeeld: Economie en ondernemen."),
            _yes_no("diploma_verwacht", "Verwacht je dit schooljaar je diploma te halen?"),
            Field("diploma_datum", "Wanneer verwacht je je diploma?", DATE, required=False, max_length=10),
        ),
    ),
    Section(
        "voorbereiding-keuze",
        "Voorbereiding keuze",
        "Hoe heb je je opleiding gekozen? Denk aan open dagen, meeloopdagen, gesprekken met je decaan of "
        "mentor, beroepentesten en wat je online hebt opgezocht.",
        (
            _yes_no("open_dag", "Ben je naar een open dag geweest?"),
            _yes_no("meeloopdag", "Heb je een meeloopdag gedaan?"),
            Field("meeloopdag_datum", "Datum van de meeloopdag", DATE, required=False, max_length=10),
            _open("voorbereiding", "Wat heb je nog meer gedaan om te kiezen?", required=False),
        ),
        group="Vervolgkeuze",
    ),
    Section(
        "motivatie",
        "Motivatie",
        "Leg in je eigen woorden uit waarom je deze opleiding wilt doen en wat je later wilt worden. Er is geen "
        "goed of fout antwoord.",
        (
            _open("waarom", "Waarom kies je deze opleiding?", max_length=2000),
            _open("beroep", "Welk beroep wil je later uitoefenen?", max_length=500),
            _open("verwachting", "Wat verwacht je van de opleiding?", required=False, max_length=2000),
        ),
        group="Vervolgkeuze",
    ),
    Section(
        "vervolgopleiding",
        "Vervolgopleiding",
        "Bovenaan zie je de opleiding die je hebt gekozen. Geef aan wanneer je wilt beginnen en of je liever "
        "naar school gaat (BOL) of leert in een bedrijf (BBL).",
        (
            Field("ingangsdatum", "Gewenste ingangsdatum", DATE, max_length=10),
            Field(
                "leervorm",
                "Welke leervorm heeft je voorkeur?",
                CHOICE,
                choices=(
                    ("bol", "BOL (beroepsopleidende leerweg: vooral op school)"),
                    ("bbl", "BBL (beroepsbegeleidende leerweg: werken en leren)"),
                    ("geen", "geen voorkeur"),
                ),
                max_length=4,
            ),
            _open("andere_aanmeldingen", "Heb je je ook voor andere opleidingen aangemeld?", required=False),
        ),
        group="Vervolgkeuze",
    ),
)

STUDENT_PART, DOSSIER_PART = "Leerling-specifiek", "Dossier-specifiek"
_OPP = ("b_opp", "ja")  # the OPP contact's fields are required when there is an OPP or warm handover

# Part B, the mentor's: the student part (kept per student, pre-filled for their next dossier) and the dossier part.
PART_B_SECTIONS: tuple[Section, ...] = (
    Section(
        "begeleiding",
        "Begeleiding",
        "Dit leerling-specifieke deel gaat over de leerling, niet over de gekozen opleiding: het blijft bewaard en "
        "staat al ingevuld als u deel B van een volgend dossier van deze leerling invult. Controleer het dan wel.",
        (
            _yes_no(
                "b_steun_nederlands",
                "Het vak Nederlands",
                heading="Heeft de leerling op uw school extra ondersteuning gehad bij:",
            ),
            _yes_no(
                "b_steun_rekenen",
                "Het vak rekenen/wiskunde",
                heading="Heeft de leerling op uw school extra ondersteuning gehad bij:",
            ),
            _yes_no(
                "b_verwacht_nederlands",
                "Nederlands",
                heading="Verwacht u dat in het vervolgonderwijs extra ondersteuning nodig zal zijn bij:",
            ),
            _yes_no(
                "b_verwacht_rekenen",
                "Rekenen/wiskunde",
                heading="Verwacht u dat in het vervolgonderwijs extra ondersteuning nodig zal zijn bij:",
            ),
            _yes_no(
                "b_steun_overig",
                "Heeft de leerling, naar uw mening, extra ondersteuning nodig bij andere vakken of bij de stage?",
                heading="Extra ondersteuning, absentie, LWOO/LGF",
            ),
            _yes_no(
                "b_absentie",
                "Is bij deze leerling sprake van veelvuldig ziekteverzuim, te laat komen of absentie?",
                heading="Extra ondersteuning, absentie, LWOO/LGF",
            ),
            _yes_no(
                "b_lwoo",
                "Is deze leerling geïndiceerd voor het leerwegondersteunend onderwijs (LWOO) of praktijkonderwijs?",
                heading="Extra ondersteuning, absentie, LWOO/LGF",
            ),
            _yes_no(
                "b_lgf",
                "Heeft deze leerling extra begeleiding gehad, leerling gebonden financiering (LGF), REC indicatie "
                "of passend onderwijs?",
                heading="Extra ondersteuning, absentie, LWOO/LGF",
            ),
            _yes_no(
                "b_leerplicht",
                "Is de leerling in onderzoek of in begeleiding geweest bij Leerplicht of RMC?",
                heading="Extra ondersteuning, absentie, LWOO/LGF",
            ),
            _open("b_begeleiding_toelichting", "Toelichting", required=False, max_length=2000),
        ),
        group=STUDENT_PART,
    ),
    Section(
        "inschatting-en-advies",
        "Inschatting en advies",
        "Geef uw inschatting van de leerling voor deze vervolgopleiding: het MBO leest dit om de leerling goed te "
        "kunnen ontvangen. Dit deel vult u voor elk dossier opnieuw in, omdat het per vervolgkeuze anders is.",
        (
            _open("b_past_opleiding", "Past deze opleiding volgens u bij de leerling? Waarom wel of niet?"),
            _open("b_sterke_punten", "Wat zijn de sterke punten van de leerling?"),
            _open("b_aandachtspunten", "Waar heeft de leerling nog aandacht of ondersteuning bij nodig?"),
            _open("b_advies", "Welk advies geeft u de vervolgopleiding?"),
            _open("b_opmerkingen", "Overige opmerkingen", required=False),
        ),
        group=DOSSIER_PART,
    ),
    Section(
        "opp-en-nader-contact",
        "OPP en nader contact",
        "Geef aan of er een warme overdracht van een zorgdossier is of dat u nader contact wilt over deze leerling. "
        "Het MBO ziet dit, als het deelneemt aan het DDD. Is er een OPP of warme overdracht, vul dan de gegevens "
        "van de contactpersoon in.",
        (
            _yes_no("b_opp", "Is er een ontwikkelingsperspectief document (OPP) / warme overdracht?"),
            Field("b_opp_contactpersoon", "Contactpersoon", required=False, max_length=120, required_when=_OPP),
            Field("b_opp_functie", "Functie", required=False, max_length=120),
            Field("b_opp_email", "E-mailadres", EMAIL, required=False, max_length=254, required_when=_OPP),
            Field("b_opp_telefoon", "Telefoonnummer", PHONE, required=False, max_length=20, required_when=_OPP),
            Field(
                "b_opp_beschikbaar",
                "Beschikbaar op",
                required=False,
                max_length=120,
                hint="Bijvoorbeeld: maandag en donderdag.",
            ),
            _yes_no("b_nader_contact", "Wilt u over deze leerling nader contact hebben met het MBO?"),
        ),
        group=DOSSIER_PART,
    ),
)


class Form:
    """One part's sections, and the look-ups its pages and services need."""

    def __init__(self, sections: tuple[Section, ...]):
        self.sections = sections
        self.by_key = {item.key: item for item in sections}
        self.fields = {field.key: field for item in sections for field in item.fields}
        self.section_of_field = {field.key: item for item in sections for field in item.fields}

    def section(self, key: str) -> Section | None:
        return self.by_key.get(key)

    def groups(self) -> list[tuple[str, list[Section]]]:
        """The overview's groups, in order: ("", [the sections without a group]), ("Vervolgkeuze", [...])."""
        grouped: list[tuple[str, list[Section]]] = []
        for item in self.sections:
            if not grouped or grouped[-1][0] != item.group:
                grouped.append((item.group, []))
            grouped[-1][1].append(item)
        return grouped


PART_A = Form(SECTIONS)
PART_B = Form(PART_B_SECTIONS)
# Part B's student part: kept per student (part_b_models.StudentAnswer), copied into the dossier when it is sent.
STUDENT_SECTIONS = tuple(item for item in PART_B_SECTIONS if item.group == STUDENT_PART)
STUDENT_FIELDS = frozenset(field.key for item in STUDENT_SECTIONS for field in item.fields)

# Part A's look-ups under the names its code has always used.
SECTIONS_BY_KEY = PART_A.by_key
FIELDS = PART_A.fields
SECTION_OF_FIELD = PART_A.section_of_field
section = PART_A.section
groups = PART_A.groups
