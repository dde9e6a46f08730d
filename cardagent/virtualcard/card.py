"""The PIV application of the virtual card: APDU in, APDU out.

Enough of SP 800-73-4 (and the YubiKey extensions that yubico-piv-tool needs) for OpenSC,
yubico-piv-tool and cardagent.piv: SELECT with the application property template, GET DATA and
PUT DATA with chaining and GET RESPONSE, the discovery object, VERIFY, CHANGE REFERENCE DATA,
RESET RETRY COUNTER, GENERAL AUTHENTICATE (9B 3DES/AES, ECDSA P-256, RSA 2048), GENERATE
ASYMMETRIC KEY PAIR, SET MANAGEMENT KEY, GET VERSION and GET SERIAL.
"""

from __future__ import annotations

import hmac
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils

from .. import piv, tlv
from .state import CardState

SW_OK = 0x9000
SW_WRONG_LENGTH = 0x6700
SW_SECURITY = 0x6982
SW_BLOCKED = 0x6983
SW_CONDITIONS = 0x6985
SW_WRONG_DATA = 0x6A80
SW_NOT_FOUND = 0x6A82
SW_WRONG_P1P2 = 0x6A86
SW_INS = 0x6D00
SW_CLA = 0x6E00

APPLICATION_LABEL = b"Loket virtual PIV"
DISCOVERY = tlv.tlv(0x7E, tlv.tlv(0x4F, piv.PIV_AID) + tlv.tlv(0x5F2F, b"\x40\x00"))
FIRMWARE_VERSION = bytes([5, 4, 3])

PIN_SLOTS = {piv.SLOT_AUTHENTICATION, piv.SLOT_SIGNATURE, piv.SLOT_KEY_MANAGEMENT}
READABLE_WITHOUT_PIN_EXCEPT = {piv.OBJECT_PRINTED}


class CardStatusError(Exception):
    def __init__(self, sw: int):
        super().__init__(f"{sw:04X}")
        self.sw = sw


def _fail(sw: int):
    raise CardStatusError(sw)


def parse_apdu(apdu: bytes) -> tuple[int, int, int, int, bytes, int]:
    """Return cla, ins, p1, p2, data, ne for short and extended APDUs (ne 0 = no Le)."""
    if len(apdu) < 4:
        _fail(SW_WRONG_LENGTH)
    cla, ins, p1, p2 = apdu[:4]
    body = apdu[4:]
    if not body:
        return cla, ins, p1, p2, b"", 0
    if len(body) == 1:
        return cla, ins, p1, p2, b"", body[0] or 256
    if body[0] != 0:
        lc = body[0]
        data = body[1 : 1 + lc]
        rest = body[1 + lc :]
        if len(data) != lc or len(rest) > 1:
            _fail(SW_WRONG_LENGTH)
        return cla, ins, p1, p2, data, (rest[0] or 256) if rest else 0
    if len(body) == 3:
        return cla, ins, p1, p2, b"", int.from_bytes(body[1:3], "big") or 65536
    lc = int.from_bytes(body[1:3], "big")
    data = body[3 : 3 + lc]
    rest = body[3 + lc :]
    if len(data) != lc or len(rest) not in (0, 2):
        _fail(SW_WRONG_LENGTH)
    return cla, ins, p1, p2, data, (int.from_bytes(rest, "big") or 65536) if rest else 0


def _sw(sw: int) -> bytes:
    return sw.to_bytes(2, "big")


class VirtualPivCard:
    """One card. `process` takes a command APDU and returns the response APDU (data + SW)."""

    atr = bytes.fromhex("3B8880014C6F6B65745049561F")  # T=1, historical bytes "LoketPIV"

    def __init__(self, state: CardState, save=None, trace=None):
        self.state = state
        self._save = save or (lambda state: None)
        self._trace = trace  # called with each command's header (never its data: PINs)
        self.commands_seen = 0
        self.reset()

    # -- power and session state ------------------------------------------------------

    def reset(self):
        self.selected = False
        self.pin_verified = False
        self.management_authenticated = False
        self._witness = None
        self._challenge = None
        self._chain = None
        self._pending = b""

    def save(self):
        self._save(self.state)

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """The cardagent.piv Transport interface, for in-process use."""
        response = self.process(bytes(apdu))
        return response[:-2], int.from_bytes(response[-2:], "big")

    def process(self, apdu: bytes) -> bytes:
        self.commands_seen += 1
        if self._trace:
            self._trace(apdu[:4])
        try:
            cla, ins, p1, p2, data, ne = parse_apdu(apdu)
            if cla & ~0x10 & 0xFF != 0x00:
                _fail(SW_CLA)
            if ins == 0xC0:
                return self._get_response(ne)
            self._pending = b""
            if cla & 0x10:
                return self._chain_part(ins, p1, p2, data)
            if self._chain is not None:
                chain_ins, chain_p1, chain_p2, chain_data = self._chain
                self._chain = None
                if (chain_ins, chain_p1, chain_p2) != (ins, p1, p2):
                    _fail(SW_CONDITIONS)
                data = chain_data + data
            response = self._dispatch(ins, p1, p2, data)
            return self._answer(response, ne)
        except CardStatusError as error:
            return _sw(error.sw)

    def _chain_part(self, ins, p1, p2, data) -> bytes:
        if self._chain is None or self._chain[:3] != (ins, p1, p2):
            self._chain = (ins, p1, p2, b"")
        if len(self._chain[3]) + len(data) > 8192:
            self._chain = None
            _fail(SW_WRONG_LENGTH)
        self._chain = (ins, p1, p2, self._chain[3] + data)
        return _sw(SW_OK)

    def _answer(self, response: bytes, ne: int) -> bytes:
        limit = ne or 256
        if len(response) <= limit:
            return response + _sw(SW_OK)
        self._pending = response[limit:]
        return response[:limit] + bytes([0x61, min(len(self._pending), 256) & 0xFF])

    def _get_response(self, ne: int) -> bytes:
        if not self._pending:
            _fail(SW_CONDITIONS)
        response, self._pending = self._pending, b""
        return self._answer(response, ne)

    def _dispatch(self, ins, p1, p2, data) -> bytes:
        if ins == piv.INS_SELECT:
            return self._select(p1, data)
        if not self.selected:
            _fail(SW_INS)
        handler = {
            piv.INS_GET_DATA: self._get_data,
            piv.INS_PUT_DATA: self._put_data,
            piv.INS_VERIFY: self._verify,
            piv.INS_CHANGE_REFERENCE: self._change_reference,
            piv.INS_RESET_RETRY: self._reset_retry,
            piv.INS_AUTHENTICATE: self._general_authenticate,
            piv.INS_GENERATE: self._generate,
            piv.INS_SET_MANAGEMENT_KEY: self._set_management_key,
            piv.INS_GET_VERSION: lambda *args: FIRMWARE_VERSION,
            0xF8: lambda *args: self.state.serial.to_bytes(4, "big"),
        }.get(ins)
        if handler is None:
            _fail(SW_INS)
        return handler(p1, p2, data)

    # -- SELECT -----------------------------------------------------------------------

    def _select(self, p1, data) -> bytes:
        if p1 != 0x04 or len(data) < 5 or not piv.PIV_AID.startswith(bytes(data)):
            self.reset()
            _fail(SW_NOT_FOUND)
        self.reset()
        self.selected = True
        algorithms = b"".join(
            tlv.tlv(0x80, bytes([alg])) for alg in (piv.ALG_3DES, piv.ALG_AES128, piv.ALG_RSA2048, piv.ALG_ECCP256)
        ) + tlv.tlv(0x06, b"\x00")
        template = (
            tlv.tlv(0x4F, piv.PIV_AID[5:])
            + tlv.tlv(0x79, tlv.tlv(0x4F, piv.PIV_AID[:5]))
            + tlv.tlv(0x50, APPLICATION_LABEL)
            + tlv.tlv(0xAC, algorithms)
        )
        return tlv.tlv(0x61, template)

    # -- data objects -----------------------------------------------------------------

    @staticmethod
    def _object_id(data: bytes) -> tuple[int, bytes]:
        try:
            items = tlv.parse(data)
        except ValueError:
            _fail(SW_WRONG_DATA)
        if not items or items[0][0] != 0x5C or not 1 <= len(items[0][1]) <= 3:
            _fail(SW_WRONG_DATA)
        return int.from_bytes(items[0][1], "big"), items

    def _get_data(self, p1, p2, data) -> bytes:
        if (p1, p2) != (0x3F, 0xFF):
            _fail(SW_WRONG_P1P2)
        object_id, _ = self._object_id(data)
        if object_id == piv.OBJECT_DISCOVERY:
            return DISCOVERY
        content = self.state.objects.get(f"{object_id:06X}")
        if content is None:
            _fail(SW_NOT_FOUND)
        if object_id in READABLE_WITHOUT_PIN_EXCEPT and not self.pin_verified:
            _fail(SW_SECURITY)
        return tlv.tlv(0x53, content)

    def _put_data(self, p1, p2, data) -> bytes:
        if (p1, p2) != (0x3F, 0xFF):
            _fail(SW_WRONG_P1P2)
        if not self.management_authenticated:
            _fail(SW_SECURITY)
        object_id, items = self._object_id(data)
        if object_id == piv.OBJECT_DISCOVERY or len(items) != 2 or items[1][0] != 0x53:
            _fail(SW_WRONG_DATA)
        key = f"{object_id:06X}"
        if items[1][1]:
            self.state.objects[key] = items[1][1]
        else:
            self.state.objects.pop(key, None)
        self.save()
        return b""

    # -- PIN and PUK ------------------------------------------------------------------

    @staticmethod
    def _decode_pin(block: bytes) -> str | None:
        if len(block) != 8:
            return None
        value = block.rstrip(b"\xff")
        if b"\xff" in value or len(value) < 6:
            return None
        try:
            return value.decode("ascii")
        except UnicodeDecodeError:
            return None

    def _check(self, which: str, block: bytes) -> None:
        """Compare a PIN or PUK, counting tries; raises with 63Cx or 6983."""
        tries_attr = f"{which}_tries"
        if getattr(self.state, tries_attr) == 0:
            _fail(SW_BLOCKED)
        if len(block) != 8:
            _fail(SW_WRONG_DATA)
        expected = piv.encode_pin(getattr(self.state, which))
        if hmac.compare_digest(block, expected):
            if getattr(self.state, tries_attr) != self.state.max_tries:
                setattr(self.state, tries_attr, self.state.max_tries)
                self.save()
            return
        tries = getattr(self.state, tries_attr) - 1
        setattr(self.state, tries_attr, tries)
        if which == "pin":
            self.pin_verified = False
        self.save()
        _fail(0x63C0 | tries)

    def _verify(self, p1, p2, data) -> bytes:
        if p2 != piv.KEY_PIN:
            _fail(SW_NOT_FOUND if p1 == 0x00 else SW_WRONG_P1P2)
        if p1 == 0xFF:
            self.pin_verified = False
            return b""
        if p1 != 0x00:
            _fail(SW_WRONG_P1P2)
        if not data:
            if self.pin_verified:
                return b""
            if self.state.pin_tries == 0:
                _fail(SW_BLOCKED)
            _fail(0x63C0 | self.state.pin_tries)
        self._check("pin", data)
        self.pin_verified = True
        return b""

    def _new_reference(self, block: bytes) -> str:
        value = self._decode_pin(block)
        if value is None:
            _fail(SW_WRONG_DATA)
        return value

    def _change_reference(self, p1, p2, data) -> bytes:
        if p1 != 0x00 or p2 not in (piv.KEY_PIN, piv.KEY_PUK):
            _fail(SW_WRONG_P1P2)
        if len(data) != 16:
            _fail(SW_WRONG_DATA)
        which = "pin" if p2 == piv.KEY_PIN else "puk"
        new_value = self._new_reference(data[8:])
        self._check(which, data[:8])
        setattr(self.state, which, new_value)
        self.save()
        return b""

    def _reset_retry(self, p1, p2, data) -> bytes:
        if (p1, p2) != (0x00, piv.KEY_PIN):
            _fail(SW_WRONG_P1P2)
        if len(data) != 16:
            _fail(SW_WRONG_DATA)
        new_pin = self._new_reference(data[8:])
        self._check("puk", data[:8])
        self.state.pin = new_pin
        self.state.pin_tries = self.state.max_tries
        self.save()
        return b""

    # -- GENERAL AUTHENTICATE ---------------------------------------------------------

    def _general_authenticate(self, algorithm, key_ref, data) -> bytes:
        try:
            template = tlv.find(data, 0x7C)
            fields = tlv.parse(template) if template is not None else None
        except ValueError:
            fields = None
        if not fields:
            _fail(SW_WRONG_DATA)
        if key_ref == piv.KEY_MANAGEMENT:
            return self._authenticate_management(algorithm, dict(fields))
        return self._private_key_operation(algorithm, key_ref, dict(fields))

    def _management_cipher(self, algorithm):
        key = self.state.management_key
        if algorithm != self.state.management_algorithm:
            _fail(SW_WRONG_P1P2)
        return key

    def _authenticate_management(self, algorithm, fields) -> bytes:
        key = self._management_cipher(algorithm)
        size = piv.block_size(algorithm)
        if fields.keys() == {0x80} and not fields[0x80]:  # mutual: witness request
            self._witness = os.urandom(size)
            self.management_authenticated = False
            return tlv.tlv(0x7C, tlv.tlv(0x80, piv.encrypt_block(algorithm, key, self._witness)))
        if fields.keys() == {0x80, 0x81}:  # mutual: witness answer and host challenge
            witness, self._witness = self._witness, None
            if witness is None or not hmac.compare_digest(fields[0x80], witness) or len(fields[0x81]) != size:
                _fail(SW_SECURITY)
            self.management_authenticated = True
            return tlv.tlv(0x7C, tlv.tlv(0x82, piv.encrypt_block(algorithm, key, fields[0x81])))
        if fields.keys() == {0x81} and not fields[0x81]:  # external: challenge request
            self._challenge = os.urandom(size)
            self.management_authenticated = False
            return tlv.tlv(0x7C, tlv.tlv(0x81, self._challenge))
        if fields.keys() == {0x82} and fields[0x82]:  # external: response
            challenge, self._challenge = self._challenge, None
            if challenge is None or not hmac.compare_digest(fields[0x82], piv.encrypt_block(algorithm, key, challenge)):
                _fail(SW_SECURITY)
            self.management_authenticated = True
            return b""
        _fail(SW_WRONG_DATA)

    def _private_key_operation(self, algorithm, slot, fields) -> bytes:
        key_entry = self.state.keys.get(f"{slot:02X}")
        if key_entry is None or key_entry["algorithm"] != algorithm:
            _fail(SW_WRONG_P1P2 if key_entry else SW_NOT_FOUND)
        if fields.keys() != {0x81, 0x82} or fields[0x82]:
            _fail(SW_WRONG_DATA)
        if slot in PIN_SLOTS and not self.pin_verified:
            _fail(SW_SECURITY)
        if slot == piv.SLOT_SIGNATURE:  # PIN always
            self.pin_verified = False
        private_key = self.state.private_key(slot)
        payload = fields[0x81]
        if algorithm == piv.ALG_ECCP256:
            if len(payload) != 32:
                _fail(SW_WRONG_DATA)
            signature = private_key.sign(payload, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        else:
            numbers = private_key.private_numbers()
            modulus = numbers.public_numbers.n
            value = int.from_bytes(payload, "big")
            if len(payload) != 256 or value >= modulus:
                _fail(SW_WRONG_DATA)
            signature = pow(value, numbers.d, modulus).to_bytes(256, "big")
        return tlv.tlv(0x7C, tlv.tlv(0x82, signature))

    # -- key management ---------------------------------------------------------------

    def _generate(self, p1, slot, data) -> bytes:
        if p1 != 0x00 or slot not in piv.CERTIFICATE_OBJECTS:
            _fail(SW_WRONG_P1P2)
        if not self.management_authenticated:
            _fail(SW_SECURITY)
        try:
            algorithm_field = tlv.find(tlv.find(data, 0xAC) or b"", 0x80)
        except ValueError:
            algorithm_field = None
        if algorithm_field == bytes([piv.ALG_ECCP256]):
            private_key = ec.generate_private_key(ec.SECP256R1())
            point = private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
            answer = tlv.tlv(0x86, point)
        elif algorithm_field == bytes([piv.ALG_RSA2048]):
            private_key = rsa.generate_private_key(65537, 2048)
            numbers = private_key.public_key().public_numbers()
            answer = tlv.tlv(0x81, numbers.n.to_bytes(256, "big")) + tlv.tlv(0x82, b"\x01\x00\x01")
        else:
            _fail(SW_WRONG_DATA)
        self.state.set_private_key(slot, algorithm_field[0], private_key)
        self.save()
        return tlv.tlv(0x7F49, answer)

    def _set_management_key(self, p1, p2, data) -> bytes:
        if (p1, p2) not in ((0xFF, 0xFF), (0xFF, 0xFE)):
            _fail(SW_WRONG_P1P2)
        if not self.management_authenticated:
            _fail(SW_SECURITY)
        if len(data) < 3 or data[1] != piv.KEY_MANAGEMENT or data[2] != len(data) - 3:
            _fail(SW_WRONG_DATA)
        algorithm, key = data[0], bytes(data[3:])
        if piv.SYMMETRIC_ALGORITHMS.get(algorithm) != len(key):
            _fail(SW_WRONG_DATA)
        self.state.management_algorithm = algorithm
        self.state.management_key = key
        self.save()
        return b""
