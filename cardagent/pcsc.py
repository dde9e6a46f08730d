"""PC/SC through pyscard: list readers, see whether a card is present, talk to it.

One PC/SC context is kept for the life of the agent and re-established when pcscd restarts.
A connection is closed with a card reset when it verified a PIN, so no other program on the
workstation inherits the verified state.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

from . import piv

try:
    from smartcard import scard
except ImportError:  # pyscard is the `cardagent` extra
    scard = None


class PcscUnavailable(piv.PivError):
    code = "pcsc_unavailable"


class NoReader(piv.PivError):
    code = "no_reader"


class NoCard(piv.PivError):
    code = "no_card"


class CardBusy(piv.PivError):
    code = "card_busy"


def _unsigned(code: int) -> int:
    return code & 0xFFFFFFFF


@dataclass
class ReaderState:
    name: str
    card_present: bool


class PcscTransport:
    """The piv.Transport over one SCARDHANDLE."""

    SECRET_INSTRUCTIONS = {piv.INS_VERIFY, piv.INS_CHANGE_REFERENCE, piv.INS_RESET_RETRY}

    def __init__(self, handle, protocol):
        self.handle = handle
        self.protocol = protocol
        self.gained_rights = False

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        if (apdu[1] in self.SECRET_INSTRUCTIONS and len(apdu) > 5) or (
            apdu[1] == piv.INS_AUTHENTICATE and apdu[3] == piv.KEY_MANAGEMENT
        ):
            self.gained_rights = True
        result, response = scard.SCardTransmit(self.handle, self.protocol, list(apdu))
        if result != scard.SCARD_S_SUCCESS:
            raise _error(result)
        if len(response) < 2:
            raise piv.PivError("short answer from the card")
        return bytes(response[:-2]), (response[-2] << 8) | response[-1]


def _error(result: int) -> piv.PivError:
    code = _unsigned(result)
    message = scard.SCardGetErrorMessage(result)
    if code in (
        _unsigned(scard.SCARD_W_REMOVED_CARD),
        _unsigned(scard.SCARD_E_NO_SMARTCARD),
        _unsigned(scard.SCARD_W_RESET_CARD),
        _unsigned(scard.SCARD_W_UNPOWERED_CARD),
        _unsigned(scard.SCARD_E_INVALID_HANDLE),
    ):
        return piv.CardRemoved(f"card removed ({message})")
    if code in (_unsigned(scard.SCARD_E_NO_SERVICE), _unsigned(scard.SCARD_E_SERVICE_STOPPED)):
        return PcscUnavailable(f"PC/SC service not available ({message})")
    if code in (
        _unsigned(scard.SCARD_E_NO_READERS_AVAILABLE),
        _unsigned(scard.SCARD_E_UNKNOWN_READER),
        _unsigned(scard.SCARD_E_READER_UNAVAILABLE),
    ):
        return NoReader(f"card reader not available ({message})")
    if code == _unsigned(scard.SCARD_E_SHARING_VIOLATION):
        return CardBusy("another program holds the card")
    if code == _unsigned(scard.SCARD_W_UNRESPONSIVE_CARD):
        return piv.NotPivCard("the card does not answer")
    return piv.PivError(f"PC/SC error: {message}")


class Pcsc:
    """Readers and card connections through pcscd."""

    def __init__(self):
        if scard is None:
            raise PcscUnavailable("pyscard is not installed (pip install pyscard)")
        self._context = None
        self._lock = threading.Lock()

    def _context_handle(self):
        with self._lock:
            if self._context is None:
                result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
                if result != scard.SCARD_S_SUCCESS:
                    raise _error(result)
                self._context = context
            return self._context

    def _drop_context(self):
        with self._lock:
            if self._context is not None:
                scard.SCardReleaseContext(self._context)
                self._context = None

    def _call(self, function, *arguments):
        """Call a context function, re-establishing the context once if pcscd restarted."""
        for attempt in (1, 2):
            result, *values = function(self._context_handle(), *arguments)
            if result == scard.SCARD_S_SUCCESS:
                return values
            error = _error(result)
            if isinstance(error, PcscUnavailable) and attempt == 1:
                self._drop_context()
                continue
            raise error

    def readers(self) -> list[ReaderState]:
        try:
            (names,) = self._call(scard.SCardListReaders, [])
        except NoReader:
            return []
        if not names:
            return []
        (states,) = self._call(scard.SCardGetStatusChange, 0, [(name, scard.SCARD_STATE_UNAWARE) for name in names])
        return [
            ReaderState(name, bool(state & scard.SCARD_STATE_PRESENT) and not state & scard.SCARD_STATE_MUTE)
            for name, state, _atr in states
        ]

    @contextlib.contextmanager
    def connect(self, reader: str):
        """A piv.Transport to the card in reader, inside a PC/SC transaction.

        If the connection verified a PIN or authenticated with the management key, the card
        is reset when it closes, so that right does not outlive the operation."""
        handle, protocol = self._call(
            scard.SCardConnect, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        )
        transport = PcscTransport(handle, protocol)
        try:
            result = scard.SCardBeginTransaction(handle)
            if result != scard.SCARD_S_SUCCESS:
                raise _error(result)
            try:
                yield transport
            finally:
                scard.SCardEndTransaction(handle, scard.SCARD_LEAVE_CARD)
        finally:
            scard.SCardDisconnect(handle, scard.SCARD_RESET_CARD if transport.gained_rights else scard.SCARD_LEAVE_CARD)
