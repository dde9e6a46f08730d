"""The list page's queries are a fixed handful, however many rows it shows (no query per row)."""

from datetime import date, timedelta

from sqlalchemy import event

# session user; scope organisations with the exam types; page rows with the count and the selection counter
LIST_PAGE_QUERIES = 3


def _queries(app, client, url):
    from webapp.extensions import db

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return statements, response.get_data(as_text=True)


def test_list_page_query_count_does_not_grow_with_rows(app, contact_client, world):
    from webapp.extensions import db
    from webapp.passes.importer import upsert_holder

    few, body = _queries(app, contact_client, "/pasjes")
    assert "73029884" in body
    future = date.today() + timedelta(days=300)
    for i in range(30):
        upsert_holder(
            dict(
                number=f"4000{i:04d}",
                salutation="Dhr.",
                initials="A.",
                last_name=f"Rij{i:02d}",
                birth_date=date(1990, 1, 1),
            ),
            [
                dict(
                    name="Eerste Hulp",
                    kind="diploma",
                    exam_type="Eerste Hulp",
                    exam_number=f"EX9{i}",
                    exam_date=date(2020, 1, 1),
                    expires_on=future,
                )
            ],
            [(world.roc.id if i % 2 else world.herenbos.id, f"E{i}")],
        )
    db.session.commit()
    contact_client.post(
        f"/pasjes/selectie/{world.holder_organisation(world.knightley).id}/toevoegen"
    )  # a selected row too
    many, body = _queries(app, contact_client, "/pasjes?sort=naam")
    assert body.count("Voeg toe<span") == 24 and "Toegevoegd" in body  # a full page of 25 rows
    assert len(many) == len(few) == LIST_PAGE_QUERIES, "\n\n".join(many)
    # the page after it (the keyset Volgende link) seeks its 25 ids in the same statement
    nxt = body.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    paged, body = _queries(app, contact_client, nxt)
    assert "Rij" in body and "Voeg toe<span" in body and len(paged) == LIST_PAGE_QUERIES, "\n\n".join(paged)
