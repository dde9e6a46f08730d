"""Keyset paging: Vorige/Volgende carry the boundary row's key; the pages they reach are exactly the
pages the page numbers (OFFSET) give, for every sort and direction, with NULL dates in the mix."""

from datetime import date, timedelta

import pytest

from webapp.extensions import db
from webapp.passes import services
from webapp.passes.listing import Filters, encode_key
from webapp.passes.models import Holder, HolderOrganisation


def some_holders(world):
    """60 holders at the ROC and Herenbos: some without birth date or expiry, ties in name and date."""
    for i in range(60):
        number = f"{40000000 + i:08d}"
        birth = None if i % 4 == 0 else date(1980, 1, 1) + timedelta(days=i % 7)
        expires = None if i % 5 == 0 else date.today() + timedelta(days=i % 3)
        holder = Holder(number=number, last_name=f"Naam{i % 6}", initials="K.", birth_date=birth)
        holder.holder_organisations = [
            HolderOrganisation(
                organisation_id=organisation.id,
                number=number,
                name_key=f"naam{i % 6}",
                birth_date=birth,
                expires_on=expires,
                external_number=str(i % 9),
            )
            for organisation in ((world.roc, world.herenbos) if i % 3 == 0 else (world.roc,))
        ]
        db.session.add(holder)
    db.session.commit()


def ids(page):
    return [row.id for row in page.rows]


@pytest.mark.parametrize("sort", ["number", "name", "birth_date", "expires_on", "external_number"])
def test_next_and_previous_keys_reach_the_same_pages_as_page_numbers(world, sort):
    some_holders(world)
    context = world.acting()
    for direction in ("asc", "desc"):
        by_number = []
        page = 1
        while True:
            result = services.holder_list(context, Filters(sort=sort, direction=direction, page=page))
            by_number.append(ids(result))
            if page >= result.pages:
                break
            page += 1
        assert len(by_number) == 4  # 82 rows: 25 + 25 + 25 + 7
        # forward with "na" keys
        result = services.holder_list(context, Filters(sort=sort, direction=direction))
        forward = [ids(result)]
        for number in range(2, 5):
            result = services.holder_list(
                context, Filters(sort=sort, direction=direction, page=number, after=result.last_key)
            )
            forward.append(ids(result))
        assert forward == by_number, (sort, direction)
        # and back with "voor" keys
        backward = [forward[-1]]
        for number in range(3, 0, -1):
            result = services.holder_list(
                context, Filters(sort=sort, direction=direction, page=number, before=result.first_key)
            )
            backward.append(ids(result))
        assert backward[::-1] == by_number, (sort, direction)


def test_the_volgende_link_carries_the_key_and_a_forged_key_is_ignored(contact_client, world):
    some_holders(world)
    import html
    import re

    def numbers_on(body):
        return re.findall(r"<td>(\d{8})</td>", body)

    body = contact_client.get("/pasjes?sort=naam").get_data(as_text=True)
    href = html.unescape(re.search(r'href="([^"]+)" rel="next"', body).group(1))
    assert "na=" in href
    second = contact_client.get(href).get_data(as_text=True)
    assert "Pagina 2 van 4" in second
    expected = [h.number for h in services.holder_list(world.acting(), Filters(sort="name", page=2)).rows]
    assert numbers_on(second) == expected and not set(expected) & set(numbers_on(body))
    back = html.unescape(re.search(r'href="([^"]+)" rel="prev"', second).group(1))
    assert numbers_on(contact_client.get(back).get_data(as_text=True)) == numbers_on(body)
    for forged in ("bm90IGpzb24", "WzEsMiwzXQ", "x" * 50):
        response = contact_client.get(f"/pasjes?sort=naam&pagina=2&na={forged}")
        assert response.status_code == 200
    # a key never widens the scope: the other organisation's holder stays out of every page
    page = services.holder_list(
        world.acting(), Filters(page=2, after=encode_key(Filters(), world.holder_organisation(world.foreign)))
    )
    assert "55500011" not in [holder.number for holder in page.rows]


def test_a_page_past_the_end_shows_the_last_page(world):
    some_holders(world)  # 82 rows: 25 + 25 + 25 + 7
    context = world.acting()
    last = services.holder_list(context, Filters(page=4))
    assert last.page == last.pages == 4 and len(ids(last)) == 7
    past = services.holder_list(context, Filters(page=9))  # a page number typed into the URL
    assert past.page == 4 and ids(past) == ids(last)
    # a key with nothing after it (a Volgende link followed after rows went): that page number's rows, not none
    stale = services.holder_list(context, Filters(page=4, after=last.last_key))
    assert stale.page == 4 and ids(stale) == ids(last)
