"""The password rule of manual 001, the common-password list, and argon2id hashing."""

import pytest

from webapp.core import passwords

SOMMER = {"names": ["Martin", "", "Sommer"], "email": "martin.sommer@herenbos.example"}


def problems(password, **person):
    return passwords.password_problems(password, **(person or SOMMER))


def test_the_manuals_example_is_refused_for_martin_sommer():
    found = problems("$omm1234Q")
    assert any("naam of e-mailadres" in p for p in found)


@pytest.mark.parametrize("password", ["Sommer-Zeil-77", "Martin#Boot9", "HERENBOS!x9q", "Mart1n-Boot-77"])
def test_parts_of_name_or_address_are_refused(password):
    assert any("naam of e-mailadres" in p for p in problems(password))


def test_fewer_than_eight_characters_is_refused():
    assert any("minimaal 8" in p for p in problems("Ab3$xyz"))
    assert problems("Ab3$xyzq") == []


@pytest.mark.parametrize(
    "password",
    ["alleenkleineletters", "ALLEENHOOFDLETTERS", "kleinEnGroot", "1234567890", "klein12345", "!!!!????####"],
)
def test_fewer_than_three_of_four_groups_is_refused(password):
    assert any("drie van de vier groepen" in p for p in problems(password))


@pytest.mark.parametrize("password", ["Kade-Brug-84", "kade-brug-84", "KADE-BRUG-84", "KadeBrug84", "Kade Brug Kade"])
def test_three_of_four_groups_is_enough(password):
    assert problems(password) == []


@pytest.mark.parametrize("password", ["Welkom01!", "P@ssw0rd!", "Qwerty123!", "WELKOM2025!"])
def test_common_passwords_from_the_shipped_list_are_refused(password):
    assert any("te bekend" in p for p in problems(password))


def test_long_passphrases_are_accepted():
    assert problems("Tulp-" + "k" * 59) == []  # 64 characters
    passphrase = ("Vier grote kraanvogels vliegen over de polder bij Nijkerk 2026! " * 4)[:200]
    assert len(passphrase) == 200
    assert problems(passphrase) == []


def test_hashes_are_argon2id_and_long_passwords_are_not_truncated():
    passphrase = ("Vier grote kraanvogels vliegen over de polder bij Nijkerk 2026! " * 4)[:200]
    hashed = passwords.hash_password(passphrase)
    assert hashed.startswith("$argon2id$")
    assert passwords.verify_password(hashed, passphrase)
    differs_at_100 = passphrase[:99] + ("X" if passphrase[99] != "X" else "Y") + passphrase[100:]
    assert len(differs_at_100) == 200 and differs_at_100 != passphrase
    assert not passwords.verify_password(hashed, differs_at_100)
    assert not passwords.verify_password(hashed, passphrase[:100])


def test_verify_refuses_missing_and_broken_hashes():
    assert not passwords.verify_password(None, "whatever")
    assert not passwords.verify_password("not-a-hash", "whatever")
