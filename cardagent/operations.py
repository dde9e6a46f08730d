"""What the agent does for a page: each operation opens the card, asks the user what it must,
and answers with public data only. PINs and PUKs go from the prompt to the card, nowhere else.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from . import piv, tlv
from .prompt import PinMismatch, Prompt, PromptRequest
from .verify import sign_in_payload

SIGNATURE_NAMES = {piv.ALG_ECCP256: "ES256", piv.ALG_RSA2048: "RS256"}


class OperationError(Exception):
    def __init__(self, code: str, message: str, **details):
        super().__init__(message)
        self.code = code
        self.details = details


class Connector(Protocol):
    def readers(self) -> list: ...

    def connect(self, reader: str): ...


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def describe_certificate(certificate: x509.Certificate) -> dict:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return {
        "common_name": names[0].value if names else None,
        "certificate": b64(certificate.public_bytes(serialization.Encoding.DER)),
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "not_after": certificate.not_valid_after_utc.isoformat(),
    }


def _check_same_key(session: piv.PivSession, algorithm: int, certificate) -> None:
    """Prove the key in 9A belongs to the certificate (needs a verified PIN)."""
    challenge = os.urandom(32)
    signature = session.sign(piv.SLOT_AUTHENTICATION, algorithm, challenge)
    public_key = certificate.public_key()
    try:
        if algorithm == piv.ALG_ECCP256:
            public_key.verify(signature, challenge, ec.ECDSA(hashes.SHA256()))
        else:
            public_key.verify(signature, challenge, padding.PKCS1v15(), hashes.SHA256())
    except Exception:
        raise OperationError("certificate_mismatch", "the certificate does not belong to the key on the card") from None


class CardOperations:
    def __init__(self, connector: Connector, prompt: Prompt):
        self.connector = connector
        self.prompt = prompt

    # -- readers and cards ------------------------------------------------------------

    def _choose_reader(self, wanted: str | None) -> str:
        readers = self.connector.readers()
        if not readers:
            raise OperationError("no_reader", "no card reader found")
        if wanted is not None:
            for reader in readers:
                if reader.name == wanted:
                    if not reader.card_present:
                        raise OperationError("no_card", "no card in the reader")
                    return reader.name
            raise OperationError("no_reader", "no such card reader")
        for reader in readers:
            if reader.card_present:
                return reader.name
        raise OperationError("no_card", "no card in any reader")

    @staticmethod
    def _card_status(session: piv.PivSession) -> dict:
        try:
            session.select()
        except piv.NotPivCard:
            return {"piv": False}
        certificate = session.read_certificate(piv.SLOT_AUTHENTICATION)
        personalised = certificate is not None or session.has_object(piv.OBJECT_CHUID)
        tries = session.pin_tries_left()
        return {
            "piv": True,
            "personalised": personalised,
            "blank": not personalised,
            "has_certificate": certificate is not None,
            "pin_tries_left": tries if tries >= 0 else None,
            "pin_blocked": tries == 0,
        }

    def list_readers(self, origin: str, params: dict) -> dict:
        result = []
        for reader in self.connector.readers():
            entry = {"name": reader.name, "card_present": reader.card_present}
            if reader.card_present:
                try:
                    with self.connector.connect(reader.name) as transport:
                        entry.update(self._card_status(piv.PivSession(transport)))
                except piv.PivError as error:
                    entry["error"] = error.code
            result.append(entry)
        return {"readers": result}

    def read_certificate(self, origin: str, params: dict) -> dict:
        reader = self._choose_reader(params.get("reader"))
        with self._selected(reader) as session:
            certificate = session.read_certificate(piv.SLOT_AUTHENTICATION)
        if certificate is None:
            raise OperationError("no_certificate", "the card has no authentication certificate")
        return {"reader": reader, **describe_certificate(certificate)}

    # -- helpers for PIN operations ----------------------------------------------------

    @contextlib.contextmanager
    def _selected(self, reader: str):
        """A PIV session on the card in reader, with the PIV application selected."""
        with self.connector.connect(reader) as transport:
            session = piv.PivSession(transport)
            session.select()
            yield session

    def _pin_state(self, reader: str) -> tuple[int, x509.Certificate | None]:
        with self._selected(reader) as session:
            return session.pin_tries_left(), session.read_certificate(piv.SLOT_AUTHENTICATION)

    def _ask(self, ask, request: PromptRequest) -> str:
        try:
            value = ask(request)
        except PinMismatch as error:
            raise OperationError("pin_rejected", str(error)) from None
        if not value:
            raise OperationError("cancelled", "the user cancelled")
        return value

    # -- sign in ----------------------------------------------------------------------

    def sign_in(self, origin: str, params: dict) -> dict:
        nonce = params["nonce"]
        reader = self._choose_reader(params.get("reader"))
        tries, certificate = self._pin_state(reader)
        if certificate is None:
            raise OperationError("no_certificate", "the card has no authentication certificate")
        if tries == 0:
            raise piv.PinBlocked()
        algorithm = piv.algorithm_of(certificate.public_key())
        request = PromptRequest(origin, "Inloggen met uw kaart", reader, tries if tries > 0 else None)
        pin = self._ask(self.prompt.ask_pin, request)
        # VERIFY and the signature on one connection: the PIN state dies with it.
        with self._selected(reader) as session:
            if session.read_certificate(piv.SLOT_AUTHENTICATION) != certificate:
                # Another card went in while the user typed: its PIN was not asked for.
                raise OperationError("card_changed", "a different card is in the reader now")
            session.verify_pin(pin)
            signature = session.sign(piv.SLOT_AUTHENTICATION, algorithm, sign_in_payload(origin, nonce))
        return {
            "origin": origin,
            "algorithm": SIGNATURE_NAMES[algorithm],
            "signature": b64(signature),
            **describe_certificate(certificate),
        }

    # -- personalise ------------------------------------------------------------------

    def personalise(self, origin: str, params: dict) -> dict:
        algorithm = piv.ASYMMETRIC_ALGORITHMS[params.get("algorithm", "EC-P256")]
        reader = self._choose_reader(params.get("reader"))
        with self.connector.connect(reader) as transport:
            status = self._card_status(piv.PivSession(transport))
        if not status["piv"]:
            raise piv.NotPivCard("not a PIV card")
        if not status["blank"]:
            raise OperationError("not_blank", "the card is already personalised")
        request = PromptRequest(origin, "Uw lege kaart klaarmaken: kies een nieuwe pincode", reader)
        new_pin = self._ask(self.prompt.ask_new_pin, request)
        new_puk = f"{secrets.randbelow(10**8):08d}"
        with self.connector.connect(reader) as transport:
            session = piv.PivSession(transport)
            template = session.select()
            self._authenticate_default_management_key(session)
            try:
                session.change_pin(piv.DEFAULT_PIN, new_pin)
            except (piv.WrongPin, piv.PinBlocked):
                raise OperationError("not_blank", "the card does not have the factory PIN") from None
            session.change_puk(piv.DEFAULT_PUK, new_puk)
            public_key = session.generate_key(piv.SLOT_AUTHENTICATION, algorithm)
            session.put_data(piv.OBJECT_CHUID, piv.new_chuid())
            management_algorithm = piv.ALG_AES128 if _supports(template, piv.ALG_AES128) else piv.ALG_3DES
            management_key = os.urandom(piv.SYMMETRIC_ALGORITHMS[management_algorithm])
            session.put_data(piv.OBJECT_PRINTED, piv.protected_management_key_content(management_key))
            session.set_management_key(management_key, management_algorithm)
        self.prompt.show_puk(PromptRequest(origin, "Uw kaart is klaar", reader), new_puk)
        spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return {"slot": "9A", "algorithm": params.get("algorithm", "EC-P256"), "public_key": b64(spki)}

    @staticmethod
    def _authenticate_default_management_key(session: piv.PivSession) -> None:
        for management_algorithm in (piv.ALG_3DES, piv.ALG_AES192):
            try:
                session.authenticate_management_key(piv.DEFAULT_MANAGEMENT_KEY, management_algorithm)
                return
            except piv.PivError:
                session.select()
        raise OperationError("not_blank", "the card does not have the factory management key")

    # -- store certificate ------------------------------------------------------------

    def store_certificate(self, origin: str, params: dict) -> dict:
        try:
            der = base64.b64decode(params["certificate"], validate=True)
            certificate = x509.load_der_x509_certificate(der)
            algorithm = piv.algorithm_of(certificate.public_key())
        except ValueError:
            raise OperationError(
                "bad_request", "certificate is not a DER certificate with an EC P-256 or RSA 2048 key"
            ) from None
        reader = self._choose_reader(params.get("reader"))
        tries, _ = self._pin_state(reader)
        if tries == 0:
            raise piv.PinBlocked()
        request = PromptRequest(
            origin,
            f"Certificaat op uw kaart zetten ({certificate.subject.rfc4514_string()})",
            reader,
            tries if tries > 0 else None,
        )
        pin = self._ask(self.prompt.ask_pin, request)
        with self._selected(reader) as session:
            session.verify_pin(pin)
            _check_same_key(session, algorithm, certificate)
            try:
                protected = session.get_data(piv.OBJECT_PRINTED)
            except piv.ObjectNotFound:
                protected = b""
            management_key = piv.management_key_from_protected(protected)
            if management_key is None:
                raise OperationError("management_key_unknown", "the card was not personalised by this agent")
            management_algorithm = {16: piv.ALG_AES128, 24: piv.ALG_3DES, 32: piv.ALG_AES256}[len(management_key)]
            session.authenticate_management_key(management_key, management_algorithm)
            session.write_certificate(certificate, piv.SLOT_AUTHENTICATION)
        return {"reader": reader, **describe_certificate(certificate)}

    # -- PIN management ---------------------------------------------------------------

    def change_pin(self, origin: str, params: dict) -> dict:
        reader = self._choose_reader(params.get("reader"))
        tries, _ = self._pin_state(reader)
        if tries == 0:
            raise piv.PinBlocked()
        request = PromptRequest(origin, "Pincode van uw kaart wijzigen", reader, tries if tries > 0 else None)
        old_pin = self._ask(self.prompt.ask_pin, request)
        new_pin = self._ask(self.prompt.ask_new_pin, request)
        with self._selected(reader) as session:
            session.change_pin(old_pin, new_pin)
        return {"changed": True}

    def unblock_pin(self, origin: str, params: dict) -> dict:
        reader = self._choose_reader(params.get("reader"))
        request = PromptRequest(origin, "Pincode deblokkeren met uw pukcode", reader)
        puk = self._ask(self.prompt.ask_puk, request)
        new_pin = self._ask(self.prompt.ask_new_pin, request)
        with self._selected(reader) as session:
            session.unblock_pin(puk, new_pin)
        return {"unblocked": True}


def _supports(select_answer: bytes, algorithm: int) -> bool:
    try:
        template = tlv.find(select_answer, 0x61) or b""
        algorithms = tlv.find(template, 0xAC) or b""
        return any(tag == 0x80 and value == bytes([algorithm]) for tag, value in tlv.parse(algorithms))
    except ValueError:
        return False
