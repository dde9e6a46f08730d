def test_index_lists_only_own_holders(contact_client, world):
    response = contact_client.get("/pasjes")
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:2000]
    assert "Mevr. K.C. Knightley" in body and "73029884" in body and "1122334455" in body
    assert "Dhr. TT Te Tester" in body
    assert "Buitenstaander" not in body


def test_htmx_details_toggle(contact_client, world):
    link = world.link(world.knightley).id
    response = contact_client.get(f"/pasjes/houders/{link}?open=1&zoek=7302", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:3000]
    assert "j.bos@onsweb.nl" in body and f'id="holder-{link}"' in body
    closed = contact_client.get(f"/pasjes/houders/{link}?open=0", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "j.bos@onsweb.nl" not in closed and "Bekijk details" in closed
