"""Plug a virtual card into pcscd through vpcd (package vsmartcard-vpcd).

vpcd listens on a TCP port (35963 by default, from /etc/reader.conf.d/vpcd); the card connects
to it. Every message either way is a 2-byte big-endian length and that many bytes. A message of
length 1 from vpcd is a control byte: 0 power off, 1 power on, 2 reset, 4 get the ATR (answered
with the ATR). Anything longer is a command APDU, answered with the response APDU.
"""

from __future__ import annotations

import logging
import socket
import time

log = logging.getLogger("cardagent.virtualcard")

POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4
QUICKACK = getattr(socket, "TCP_QUICKACK", None)  # Linux only


class Disconnected(Exception):
    pass


def _receive_exactly(sock: socket.socket, size: int) -> bytes:
    buffer = bytearray()
    while len(buffer) < size:
        # vpcd writes length and data separately; without an immediate ACK the kernel's
        # delayed ACK and vpcd's Nagle would cost ~40 ms per APDU. TCP_QUICKACK is not
        # sticky, so re-arm it before every receive.
        if QUICKACK is not None:
            sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)
        chunk = sock.recv(size - len(buffer))
        if not chunk:
            raise Disconnected()
        buffer += chunk
    return bytes(buffer)


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(len(payload).to_bytes(2, "big") + payload)


def serve_card(card, host: str = "localhost", port: int = 35963) -> None:
    """Connect to vpcd and answer it until the connection closes."""
    with socket.create_connection((host, port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        log.info("virtual card connected to vpcd at %s:%d", host, port)
        while True:
            try:
                length = int.from_bytes(_receive_exactly(sock, 2), "big")
                message = _receive_exactly(sock, length)
            except (Disconnected, ConnectionError):
                log.info("vpcd closed the connection")
                return
            if length == 1:
                control = message[0]
                if control == GET_ATR:
                    _send(sock, card.atr)
                elif control in (POWER_OFF, POWER_ON, RESET):
                    card.reset()
                else:
                    log.warning("unknown vpcd control byte %d", control)
            elif length:
                # Only the header is logged: the data can hold a PIN.
                log.debug("APDU %s", message[:4].hex())
                _send(sock, card.process(message))


def run_forever(card, host: str, port: int, retry_seconds: float = 0.2) -> None:
    """Keep the card inserted: reconnect whenever vpcd goes away (pcscd restarts)."""
    while True:
        try:
            serve_card(card, host, port)
        except OSError as error:
            log.debug("vpcd not reachable (%s), retrying", error)
        time.sleep(retry_seconds)
