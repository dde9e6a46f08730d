"""Independent tools accept the virtual card: OpenSC's pkcs11-tool and yubico-piv-tool."""

import shutil
import subprocess

import pytest

from .support import READER, missing

OPENSC_MODULE_PATHS = [
    "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
    "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
    "/usr/lib/opensc-pkcs11.so",
]


def tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if not path:
        missing(name, f"the Debian package {package}")
    return path


def run(*command, check=True):
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if check and completed.returncode != 0:
        raise AssertionError(f"{command[0]} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed


@pytest.fixture
def pkcs11(credential_card):
    executable = tool("pkcs11-tool", "opensc")
    module = next((path for path in OPENSC_MODULE_PATHS if shutil.os.path.exists(path)), None)
    if module is None:
        missing("opensc-pkcs11.so", "the Debian package opensc-pkcs11")
    return lambda *arguments, **options: run(executable, "--module", module, *arguments, **options)


def test_pkcs11_tool_lists_the_certificate_and_key(pkcs11):
    listing = pkcs11("--list-objects").stdout
    assert "Certificate for PIV Authentication" in listing
    assert "CN=Test Zorgverlener" in listing
    assert "EC_POINT 256 bits" in listing


@pytest.mark.parametrize("key_type,mechanism", [("EC-P256", "ECDSA-SHA256"), ("RSA-2048", "SHA256-RSA-PKCS")])
def test_pkcs11_tool_signs_with_the_pin_and_openssl_verifies(pkcs11, stack, tmp_path, key_type, mechanism):
    openssl = tool("openssl", "openssl")
    if key_type != "EC-P256":
        stack.insert("credential", key_type=key_type)
    data = tmp_path / "data.txt"
    data.write_text("Loket: ondertekend met de virtuele kaart\n")
    signature = tmp_path / "signature.der"
    pkcs11(
        "--login",
        "--pin",
        "123456",
        "--sign",
        "--mechanism",
        mechanism,
        "--id",
        "01",
        "--signature-format",
        "openssl",
        "--input-file",
        str(data),
        "--output-file",
        str(signature),
    )
    certificate = tmp_path / "certificate.der"
    pkcs11("--read-object", "--type", "cert", "--id", "01", "--output-file", str(certificate))
    public_key = tmp_path / "public.pem"
    public_key.write_text(run(openssl, "x509", "-inform", "DER", "-in", str(certificate), "-pubkey", "-noout").stdout)
    verified = run(openssl, "dgst", "-sha256", "-verify", str(public_key), "-signature", str(signature), str(data))
    assert "Verified OK" in verified.stdout

    data.write_text("iets anders\n")
    tampered = run(
        openssl, "dgst", "-sha256", "-verify", str(public_key), "-signature", str(signature), str(data), check=False
    )
    assert tampered.returncode != 0


def test_pkcs11_tool_wrong_pin_is_refused(pkcs11, credential_card):
    refused = pkcs11(
        "--login",
        "--pin",
        "654321",
        "--sign",
        "--mechanism",
        "ECDSA-SHA256",
        "--id",
        "01",
        "--input-file",
        "/dev/null",
        "--output-file",
        "/dev/null",
        check=False,
    )
    assert refused.returncode != 0 and "CKR_PIN_INCORRECT" in refused.stderr
    assert credential_card.state()["pin_tries"] == 2


@pytest.fixture
def piv_tool(credential_card):
    executable = tool("yubico-piv-tool", "yubico-piv-tool")
    return lambda *arguments, **options: run(executable, "-r", READER, *arguments, **options)


def test_yubico_piv_tool_status_change_pin_and_unblock(piv_tool, credential_card):
    status = piv_tool("-a", "status").stdout
    assert "CN=Test Zorgverlener" in status
    assert "PIN tries left:\t3" in status

    piv_tool("-a", "change-pin", "-P", "123456", "-N", "246813")
    assert credential_card.state()["pin"] == "246813"

    for _ in range(3):
        piv_tool("-a", "verify-pin", "-P", "000000", check=False)
    assert "PIN tries left:\t0" in piv_tool("-a", "status").stdout

    piv_tool("-a", "unblock-pin", "-P", "12345678", "-N", "135792")
    piv_tool("-a", "verify-pin", "-P", "135792")
    assert "PIN tries left:\t3" in piv_tool("-a", "status").stdout


def test_yubico_piv_tool_uses_the_management_key_of_a_blank_card(stack):
    executable = tool("yubico-piv-tool", "yubico-piv-tool")
    card = stack.insert("blank")
    try:
        generated = run(executable, "-r", READER, "-a", "generate", "-s", "9a", "-A", "ECCP256")
        assert "BEGIN PUBLIC KEY" in generated.stdout
        new_key = "00112233445566778899aabbccddeeff0011223344556677"
        run(executable, "-r", READER, "-a", "set-mgm-key", "-n", new_key)
        assert card.state()["management_key_hex"] == new_key
        refused = run(executable, "-r", READER, "-a", "generate", "-s", "9c", check=False)
        assert refused.returncode != 0  # the default key no longer works
        run(executable, "-r", READER, f"--key={new_key}", "-a", "generate", "-s", "9c", "-A", "RSA2048")
        assert set(card.state()["keys"]) == {"9A", "9C"}
    finally:
        stack.remove()
