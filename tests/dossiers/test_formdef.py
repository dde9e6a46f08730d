"""Part A's form definition: the manual's sections in the manual's order and groups, Persoonlijke gegevens exactly as
the manual, field keys unique (they are the answers' keys), and every section with required fields to measure."""

from webapp.dossiers import formdef


def test_the_sections_are_the_manuals_overview_in_order_with_vervolgkeuze_as_a_group():
    assert [(group, [s.title for s in sections]) for group, sections in formdef.groups()] == [
        (
            "",
            [
                "Persoonlijke gegevens",
                "Familie, wonen en vrije tijd",
                "Competenties",
                "Stage/werk/trainingen",
                "Ondersteuning",
                "School van herkomst",
            ],
        ),
        ("Vervolgkeuze", ["Voorbereiding keuze", "Motivatie", "Vervolgopleiding"]),
    ]


def test_persoonlijke_gegevens_asks_what_the_manual_shows():
    section = formdef.section("persoonlijke-gegevens")
    assert [(f.label, f.kind) for f in section.fields] == [
        ("Roepnaam", "text"),
        ("Voornamen", "text"),
        ("Voorletters", "text"),
        ("Tussenvoegsel", "text"),
        ("Achternaam", "text"),
        ("Geslacht", "choice"),
        ("Telefoonnummer", "phone"),
        ("Is dit telefoonnummer geheim?", "choice"),
        ("Mobiel nummer", "phone"),
        ("Is dit telefoonnummer geheim?", "choice"),
    ]
    assert not formdef.FIELDS["tussenvoegsel"].required and formdef.FIELDS["achternaam"].required
    assert [value for value, _ in formdef.FIELDS["telefoonnummer_geheim"].choices] == ["ja", "nee"]


def test_field_keys_are_unique_fit_the_answers_column_and_each_section_has_help_and_required_fields():
    keys = [field.key for section in formdef.SECTIONS for field in section.fields]
    assert len(keys) == len(set(keys)) == len(formdef.FIELDS)
    assert all(len(key) <= 60 for key in keys)  # Answer.field is String(60)
    for section in formdef.SECTIONS:
        assert section.handreiking and section.required_fields, section.key
        assert any(not field.required for field in section.fields), section.key
