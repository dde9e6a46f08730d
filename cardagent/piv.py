"""A PIV client (NIST SP 800-73-4) over any transport that sends an APDU and returns the answer.

The transport is a pyscard connection in production (`cardagent.pcsc`) and the in-process
virtual card in unit tests. Status words become the exceptions below, so callers never look at
a status word themselves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from . import tlv

try:  # cryptography >= 43 keeps 3DES here
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # pragma: no cover - older cryptography
    TripleDES = algorithms.TripleDES

PIV_AID = bytes.fromhex("A000000308000010000100")
PIV_AID_PREFIX = PIV_AID[:9]

# Algorithm identifiers (SP 800-78-4, table 6-2; AES-192/256 as on YubiKeys)
ALG_3DES = 0x03
ALG_RSA2048 = 0x07
ALG_AES128 = 0x08
ALG_AES192 = 0x0A
ALG_AES256 = 0x0C
ALG_ECCP256 = 0x11

SYMMETRIC_ALGORITHMS = {ALG_3DES: 24, ALG_AES128: 16, ALG_AES192: 24, ALG_AES256: 32}
ASYMMETRIC_ALGORITHMS = {"EC-P256": ALG_ECCP256, "RSA-2048": ALG_RSA2048}

# Key references
KEY_PIN = 0x80
KEY_PUK = 0x81
KEY_MANAGEMENT = 0x9B
SLOT_AUTHENTICATION = 0x9A
SLOT_SIGNATURE = 0x9C
SLOT_KEY_MANAGEMENT = 0x9D
SLOT_CARD_AUTHENTICATION = 0x9E

# Data objects
OBJECT_CHUID = 0x5FC102
OBJECT_CCC = 0x5FC107
OBJECT_PRINTED = 0x5FC109
OBJECT_DISCOVERY = 0x7E
CERTIFICATE_OBJECTS = {
    SLOT_AUTHENTICATION: 0x5FC105,
    SLOT_SIGNATURE: 0x5FC10A,
    SLOT_KEY_MANAGEMENT: 0x5FC10B,
    SLOT_CARD_AUTHENTICATION: 0x5FC101,
}

DEFAULT_PIN = "123456"
DEFAULT_PUK = "12345678"
DEFAULT_MANAGEMENT_KEY = bytes.fromhex("010203040506070801020304050607080102030405060708")

INS_VERIFY = 0x20
INS_CHANGE_REFERENCE = 0x24
INS_RESET_RETRY = 0x2C
INS_GENERATE = 0x47
INS_AUTHENTICATE = 0x87
INS_SELECT = 0xA4
INS_GET_RESPONSE = 0xC0
INS_GET_DATA = 0xCB
INS_PUT_DATA = 0xDB
INS_SET_MANAGEMENT_KEY = 0xFF  # YubiKey extension, the de-facto way to change 9B
INS_GET_VERSION = 0xFD  # YubiKey extension

SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


class PivError(Exception):
    """A card answered with a status word we do not expect."""

    code = "card_error"

    def __init__(self, message: str, sw: int | None = None):
        super().__init__(message)
        self.sw = sw


class CardRemoved(PivError):
    code = "card_removed"


class NotPivCard(PivError):
    code = "not_piv"


class WrongPin(PivError):
    code = "pin_wrong"

    def __init__(self, tries_left: int, sw: int | None = None):
        super().__init__(f"wrong PIN, {tries_left} tries left", sw)
        self.tries_left = tries_left


class PinBlocked(PivError):
    code = "pin_blocked"

    def __init__(self, sw: int | None = None):
        super().__init__("PIN blocked", sw)


class WrongPuk(PivError):
    code = "puk_wrong"

    def __init__(self, tries_left: int, sw: int | None = None):
        super().__init__(f"wrong PUK, {tries_left} tries left", sw)
        self.tries_left = tries_left


class PukBlocked(PivError):
    code = "puk_blocked"

    def __init__(self, sw: int | None = None):
        super().__init__("PUK blocked", sw)


class AuthenticationRequired(PivError):
    code = "not_authorised"


class ManagementKeyRejected(PivError):
    code = "management_key_rejected"


class ObjectNotFound(PivError):
    code = "not_found"


class Transport(Protocol):
    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one command APDU; return the response data and the status word."""


@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int

    def __str__(self):
        return f"{self.major}.{self.minor}.{self.patch}"


def encode_pin(pin: str) -> bytes:
    raw = pin.encode("ascii")
    if not 6 <= len(raw) <= 8:
        raise ValueError("a PIN or PUK has 6 to 8 characters")
    return raw + b"\xff" * (8 - len(raw))


def _cipher(algorithm: int, key: bytes):
    if algorithm not in SYMMETRIC_ALGORITHMS or len(key) != SYMMETRIC_ALGORITHMS[algorithm]:
        raise ValueError("management key does not match its algorithm")
    if algorithm == ALG_3DES:
        return Cipher(TripleDES(key), modes.ECB())
    return Cipher(algorithms.AES(key), modes.ECB())


def block_size(algorithm: int) -> int:
    return 8 if algorithm == ALG_3DES else 16


def encrypt_block(algorithm: int, key: bytes, block: bytes) -> bytes:
    encryptor = _cipher(algorithm, key).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def decrypt_block(algorithm: int, key: bytes, block: bytes) -> bytes:
    decryptor = _cipher(algorithm, key).decryptor()
    return decryptor.update(block) + decryptor.finalize()


def pkcs1v15_sha256_block(digest: bytes, modulus_bytes: int = 256) -> bytes:
    """The EMSA-PKCS1-v1_5 encoded block that the card raises to its private exponent."""
    info = SHA256_DIGEST_INFO + digest
    return b"\x00\x01" + b"\xff" * (modulus_bytes - len(info) - 3) + b"\x00" + info


def public_key_from_template(algorithm: int, template: bytes):
    """Decode the 7F49 answer of GENERATE ASYMMETRIC KEY PAIR."""
    fields = tlv.as_dict(tlv.find(template, 0x7F49) or template)
    if algorithm == ALG_ECCP256:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), fields[0x86])
    if algorithm == ALG_RSA2048:
        n = int.from_bytes(fields[0x81], "big")
        e = int.from_bytes(fields[0x82], "big")
        return rsa.RSAPublicNumbers(e, n).public_key()
    raise ValueError("unsupported algorithm")


def protected_management_key_content(key: bytes) -> bytes:
    """The PIN-protected copy of the management key in the printed-information object, in
    the layout YubiKey tools use (88 { 89 key }), so only someone with the PIN can use it."""
    return tlv.tlv(0x88, tlv.tlv(0x89, key))


def management_key_from_protected(content: bytes) -> bytes | None:
    inner = tlv.find(content, 0x88)
    return tlv.find(inner, 0x89) if inner is not None else None


def new_chuid() -> bytes:
    """A CHUID with a random GUID and the FASC-N of no agency (all nines), as the
    YubiKey tools write it."""
    fascn = bytes.fromhex("D4E739DA739CED39CE739D836858210842108421C84210C3EB")
    return (
        tlv.tlv(0x30, fascn)
        + tlv.tlv(0x34, os.urandom(16))
        + tlv.tlv(0x35, b"20991231")
        + tlv.tlv(0x3E)
        + tlv.tlv(0xFE)
    )


def algorithm_of(public_key) -> int:
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == "secp256r1":
        return ALG_ECCP256
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size == 2048:
        return ALG_RSA2048
    raise ValueError("only EC P-256 and RSA 2048 keys are supported")


class PivSession:
    """One PIV conversation with one card. Call select() first."""

    def __init__(self, transport: Transport):
        self.transport = transport

    # -- APDU plumbing -----------------------------------------------------------------

    def send(
        self, ins: int, p1: int, p2: int, data: bytes = b"", cla: int = 0x00, expect_data: bool = True
    ) -> tuple[bytes, int]:
        """Send a command with chaining if needed and collect 61xx answers; return data, sw."""
        data = bytes(data)
        while len(data) > 255:
            chunk, data = data[:255], data[255:]
            _, sw = self._transmit(bytes([cla | 0x10, ins, p1, p2, len(chunk)]) + chunk)
            if sw != 0x9000:
                return b"", sw
        apdu = bytes([cla, ins, p1, p2])
        if data:
            apdu += bytes([len(data)]) + data
        if expect_data:
            apdu += b"\x00"
        response, sw = self._transmit(apdu)
        while sw >> 8 == 0x6C:  # wrong Le: resend with the length the card asks for
            response, sw = self._transmit(apdu[:-1] + bytes([sw & 0xFF]))
        while sw >> 8 == 0x61:
            more, sw = self._transmit(bytes([0x00, INS_GET_RESPONSE, 0x00, 0x00, sw & 0xFF]))
            response += more
        return response, sw

    def _transmit(self, apdu: bytes) -> tuple[bytes, int]:
        response, sw = self.transport.transmit(apdu)
        return bytes(response), sw

    def command(self, ins: int, p1: int, p2: int, data: bytes = b"", **kwargs) -> bytes:
        response, sw = self.send(ins, p1, p2, data, **kwargs)
        if sw != 0x9000:
            raise self._error(sw, ins)
        return response

    @staticmethod
    def _error(sw: int, ins: int) -> PivError:
        if sw == 0x6982:
            return AuthenticationRequired("security status not satisfied", sw)
        if sw == 0x6A82:
            return ObjectNotFound("object or file not found", sw)
        if sw in (0x6D00, 0x6E00):
            return NotPivCard("instruction not supported by this card", sw)
        return PivError(f"card answered {sw:04X} to instruction {ins:02X}", sw)

    # -- application -------------------------------------------------------------------

    def select(self) -> bytes:
        response, sw = self.send(INS_SELECT, 0x04, 0x00, PIV_AID)
        if sw != 0x9000:
            raise NotPivCard("the card has no PIV application", sw)
        return response

    def get_version(self) -> Version | None:
        """YubiKey firmware version, None on cards without that extension."""
        response, sw = self.send(INS_GET_VERSION, 0x00, 0x00)
        if sw != 0x9000 or len(response) < 3:
            return None
        return Version(*response[:3])

    # -- data objects ------------------------------------------------------------------

    @staticmethod
    def _object_tag(object_id: int) -> bytes:
        return tlv.tlv(0x5C, object_id.to_bytes(1 if object_id == OBJECT_DISCOVERY else 3, "big"))

    def get_data(self, object_id: int) -> bytes:
        response = self.command(INS_GET_DATA, 0x3F, 0xFF, self._object_tag(object_id))
        tag = 0x7E if object_id == OBJECT_DISCOVERY else 0x53
        value = tlv.find(response, tag)
        if value is None:
            raise PivError("malformed data object")
        return value

    def put_data(self, object_id: int, content: bytes) -> None:
        self.command(INS_PUT_DATA, 0x3F, 0xFF, self._object_tag(object_id) + tlv.tlv(0x53, content), expect_data=False)

    def read_certificate(self, slot: int = SLOT_AUTHENTICATION) -> x509.Certificate | None:
        try:
            content = self.get_data(CERTIFICATE_OBJECTS[slot])
        except ObjectNotFound:
            return None
        fields = tlv.as_dict(content)
        if fields.get(0x71, b"\x00")[:1] not in (b"\x00", b""):
            raise PivError("compressed certificates are not supported")
        der = fields.get(0x70)
        return x509.load_der_x509_certificate(der) if der else None

    def write_certificate(self, certificate: x509.Certificate, slot: int = SLOT_AUTHENTICATION):
        der = certificate.public_bytes(serialization.Encoding.DER)
        content = tlv.tlv(0x70, der) + tlv.tlv(0x71, b"\x00") + tlv.tlv(0xFE)
        self.put_data(CERTIFICATE_OBJECTS[slot], content)

    def has_object(self, object_id: int) -> bool:
        try:
            self.get_data(object_id)
        except ObjectNotFound:
            return False
        except AuthenticationRequired:
            return True
        return True

    # -- PIN and PUK -------------------------------------------------------------------

    def pin_tries_left(self) -> int:
        """Tries left for the PIN, without spending one (VERIFY without data). 0 = blocked.

        Returns -1 when the PIN is already verified in this session."""
        _, sw = self.send(INS_VERIFY, 0x00, KEY_PIN, expect_data=False)
        if sw == 0x9000:
            return -1
        if sw & 0xFFF0 == 0x63C0:
            return sw & 0x0F
        if sw == 0x6983:
            return 0
        raise self._error(sw, INS_VERIFY)

    def verify_pin(self, pin: str) -> None:
        _, sw = self.send(INS_VERIFY, 0x00, KEY_PIN, encode_pin(pin), expect_data=False)
        self._check_reference_answer(sw, INS_VERIFY, puk=False)

    def change_pin(self, old_pin: str, new_pin: str) -> None:
        data = encode_pin(old_pin) + encode_pin(new_pin)
        _, sw = self.send(INS_CHANGE_REFERENCE, 0x00, KEY_PIN, data, expect_data=False)
        self._check_reference_answer(sw, INS_CHANGE_REFERENCE, puk=False)

    def change_puk(self, old_puk: str, new_puk: str) -> None:
        data = encode_pin(old_puk) + encode_pin(new_puk)
        _, sw = self.send(INS_CHANGE_REFERENCE, 0x00, KEY_PUK, data, expect_data=False)
        self._check_reference_answer(sw, INS_CHANGE_REFERENCE, puk=True)

    def unblock_pin(self, puk: str, new_pin: str) -> None:
        data = encode_pin(puk) + encode_pin(new_pin)
        _, sw = self.send(INS_RESET_RETRY, 0x00, KEY_PIN, data, expect_data=False)
        self._check_reference_answer(sw, INS_RESET_RETRY, puk=True)

    def _check_reference_answer(self, sw: int, ins: int, puk: bool) -> None:
        if sw == 0x9000:
            return
        if sw & 0xFFF0 == 0x63C0:
            tries = sw & 0x0F
            if tries == 0:
                raise PukBlocked(sw) if puk else PinBlocked(sw)
            raise WrongPuk(tries, sw) if puk else WrongPin(tries, sw)
        if sw == 0x6983:
            raise PukBlocked(sw) if puk else PinBlocked(sw)
        if sw in (0x6A80, 0x6700):
            raise ValueError("the card refused the PIN or PUK format")
        raise self._error(sw, ins)

    # -- management key ----------------------------------------------------------------

    def authenticate_management_key(self, key: bytes, algorithm: int = ALG_3DES, mutual: bool = True) -> None:
        size = block_size(algorithm)
        if mutual:
            answer = self._authenticate(algorithm, KEY_MANAGEMENT, tlv.tlv(0x7C, tlv.tlv(0x80)))
            witness = tlv.find(tlv.find(answer, 0x7C) or b"", 0x80)
            if witness is None or len(witness) != size:
                raise PivError("malformed witness")
            challenge = os.urandom(size)
            request = tlv.tlv(0x80, decrypt_block(algorithm, key, witness)) + tlv.tlv(0x81, challenge)
            answer = self._authenticate(algorithm, KEY_MANAGEMENT, tlv.tlv(0x7C, request))
            proof = tlv.find(tlv.find(answer, 0x7C) or b"", 0x82)
            if proof != encrypt_block(algorithm, key, challenge):
                raise ManagementKeyRejected("the card did not prove it knows the management key")
        else:
            answer = self._authenticate(algorithm, KEY_MANAGEMENT, tlv.tlv(0x7C, tlv.tlv(0x81)))
            challenge = tlv.find(tlv.find(answer, 0x7C) or b"", 0x81)
            if challenge is None or len(challenge) != size:
                raise PivError("malformed challenge")
            response = tlv.tlv(0x82, encrypt_block(algorithm, key, challenge))
            self._authenticate(algorithm, KEY_MANAGEMENT, tlv.tlv(0x7C, response))

    def _authenticate(self, algorithm: int, key_ref: int, data: bytes) -> bytes:
        response, sw = self.send(INS_AUTHENTICATE, algorithm, key_ref, data)
        if sw == 0x9000:
            return response
        if key_ref == KEY_MANAGEMENT and sw in (0x6982, 0x6A80, 0x6A86, 0x6983):
            raise ManagementKeyRejected("management key authentication failed", sw)
        raise self._error(sw, INS_AUTHENTICATE)

    def set_management_key(self, key: bytes, algorithm: int = ALG_3DES) -> None:
        """Replace the 9B key (YubiKey SET MANAGEMENT KEY). Needs a prior authentication."""
        if len(key) != SYMMETRIC_ALGORITHMS.get(algorithm, -1):
            raise ValueError("management key does not match its algorithm")
        self.command(
            INS_SET_MANAGEMENT_KEY, 0xFF, 0xFF, bytes([algorithm, KEY_MANAGEMENT, len(key)]) + key, expect_data=False
        )

    # -- asymmetric keys ---------------------------------------------------------------

    def generate_key(self, slot: int, algorithm: int):
        template = tlv.tlv(0xAC, tlv.tlv(0x80, bytes([algorithm])))
        response = self.command(INS_GENERATE, 0x00, slot, template)
        return public_key_from_template(algorithm, response)

    def sign(self, slot: int, algorithm: int, message: bytes) -> bytes:
        """Sign message with the key in slot: ECDSA with SHA-256 (DER signature) or
        RSASSA-PKCS1-v1_5 with SHA-256."""
        digest = hashes.Hash(hashes.SHA256())
        digest.update(message)
        return self.sign_digest(slot, algorithm, digest.finalize())

    def sign_digest(self, slot: int, algorithm: int, digest: bytes) -> bytes:
        if algorithm == ALG_ECCP256:
            payload = digest
        elif algorithm == ALG_RSA2048:
            payload = pkcs1v15_sha256_block(digest)
        else:
            raise ValueError("unsupported algorithm")
        request = tlv.tlv(0x7C, tlv.tlv(0x82) + tlv.tlv(0x81, payload))
        answer = self._authenticate(algorithm, slot, request)
        signature = tlv.find(tlv.find(answer, 0x7C) or b"", 0x82)
        if not signature:
            raise PivError("malformed signature answer")
        return signature
