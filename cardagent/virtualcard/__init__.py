"""A virtual PIV card for tests and demos: in-process, or behind pcscd through vpcd."""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from .. import piv, tlv
from ..testca import TestCA, generate_key
from . import state as state_file
from .card import VirtualPivCard
from .state import CardState

__all__ = ["CardState", "VirtualPivCard", "blank_state", "credential_state", "open_card", "VirtualReader"]


def blank_state() -> CardState:
    """Factory state: default PIN, PUK and management key, no keys, no certificates."""
    return CardState(profile="blank")


def credential_state(
    ca: TestCA,
    common_name: str = "Test Zorgverlener",
    algorithm: str = "EC-P256",
    pin: str = piv.DEFAULT_PIN,
    puk: str = piv.DEFAULT_PUK,
    serial_number: str = "",
    uzi: dict | None = None,
) -> CardState:
    """A personalised card with a key in 9A and a certificate from the test CA; with `uzi` (the keyword
    arguments of TestCA.issue_credential but the key) a credential card on the UZI profile."""
    state = CardState(
        pin=pin,
        puk=puk,
        profile="credential",
        management_algorithm=piv.ALG_AES128,
        management_key_hex=secrets.token_hex(16),
    )
    key = generate_key(algorithm)
    state.set_private_key(piv.SLOT_AUTHENTICATION, piv.ASYMMETRIC_ALGORITHMS[algorithm], key)
    if uzi is not None:
        certificate = ca.issue_credential(key.public_key(), **uzi)
    else:
        certificate = ca.issue(key.public_key(), common_name, serial_number or f"{secrets.randbelow(10**9):09d}")
    der = certificate.public_bytes(serialization.Encoding.DER)
    state.objects[f"{piv.CERTIFICATE_OBJECTS[piv.SLOT_AUTHENTICATION]:06X}"] = (
        tlv.tlv(0x70, der) + tlv.tlv(0x71, b"\x00") + tlv.tlv(0xFE)
    )
    state.objects[f"{piv.OBJECT_CHUID:06X}"] = piv.new_chuid()
    state.objects[f"{piv.OBJECT_PRINTED:06X}"] = piv.protected_management_key_content(state.management_key)
    return state


def open_card(path: Path, trace_path: Path | None = None) -> VirtualPivCard:
    """A card whose state lives in path (which must exist). With trace_path, the header of
    every command (CLA INS P1 P2, never the data) is appended to that file."""
    path = Path(path)
    trace = None
    if trace_path is not None:
        trace_file = open(trace_path, "a", buffering=1)
        trace = lambda header: trace_file.write(header.hex() + "\n")  # noqa: E731
    return VirtualPivCard(state_file.load(path), save=lambda s: state_file.save(path, s), trace=trace)


class VirtualReader:
    """The agent's connector interface (readers, connect) on an in-process card."""

    def __init__(self, card: VirtualPivCard | None, name: str = "Virtual PCD 00 00"):
        self.card = card
        self.name = name

    def readers(self):
        from ..pcsc import ReaderState

        return [ReaderState(self.name, self.card is not None)]

    @contextlib.contextmanager
    def connect(self, reader: str):
        from ..pcsc import NoCard

        if reader != self.name or self.card is None:
            raise NoCard("no card in the reader")
        try:
            yield self.card
        finally:
            self.card.reset()
