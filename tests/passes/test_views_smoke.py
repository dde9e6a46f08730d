def test_index_lists_only_own_holders(contact_client, world):
    response = contact_client.get("/pasjes")
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:2000]
    assert "Mevr. K.C. Knightley" in body and "73029884" in body and "1122334455" in body
    assert "Dhr. TT Te Tester" in body
    assert "Buitenstaander" not in body
