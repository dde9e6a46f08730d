"""The WebSocket side of the agent: who may connect, what a message looks like, which
operations exist. The protocol is documented in cardagent/README.md.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import re
import socket
import time
from http import HTTPStatus

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from . import __version__, piv
from .operations import CardOperations, OperationError

log = logging.getLogger("cardagent")

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024
MAX_CONNECTIONS = 8
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_\-+/]{22,128}={0,2}$")
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")


def _optional_reader(value):
    return isinstance(value, str) and 0 < len(value) <= 200


def _nonce(value):
    return isinstance(value, str) and bool(NONCE_PATTERN.match(value))


def _algorithm(value):
    return value in piv.ASYMMETRIC_ALGORITHMS


def _certificate(value):
    return isinstance(value, str) and 0 < len(value) <= 16 * 1024


# operation -> (required parameters, optional parameters), each name -> validator
OPERATIONS = {
    "hello": ({}, {}),
    "version": ({}, {}),
    "list_readers": ({}, {}),
    "read_certificate": ({}, {"reader": _optional_reader}),
    "sign_in": ({"nonce": _nonce}, {"reader": _optional_reader}),
    "personalise": ({}, {"algorithm": _algorithm, "reader": _optional_reader}),
    "store_certificate": ({"certificate": _certificate}, {"reader": _optional_reader}),
    "change_pin": ({}, {"reader": _optional_reader}),
    "unblock_pin": ({}, {"reader": _optional_reader}),
}


class RequestError(Exception):
    def __init__(self, code: str, message: str, request_id=None):
        super().__init__(message)
        self.code = code
        self.request_id = request_id


def parse_message(text) -> tuple[object, str, dict]:
    """Validate one request; return id, op, params. Never echoes values from the request
    except the id (which is restricted to harmless characters)."""
    if not isinstance(text, str):
        raise RequestError("bad_request", "messages are JSON text")
    try:
        message = json.loads(text)
    except ValueError:
        raise RequestError("bad_request", "not JSON") from None
    if not isinstance(message, dict):
        raise RequestError("bad_request", "a message is a JSON object")
    request_id = message.get("id")
    if isinstance(request_id, bool) or not (
        (isinstance(request_id, int) and 0 <= request_id < 2**53)
        or (isinstance(request_id, str) and ID_PATTERN.match(request_id))
    ):
        raise RequestError("bad_request", "id must be a number or a short plain string")
    if message.get("v") != PROTOCOL_VERSION:
        raise RequestError("unsupported_version", f"this agent speaks protocol version {PROTOCOL_VERSION}", request_id)
    if set(message) - {"v", "id", "op", "params"}:
        raise RequestError("bad_request", "unexpected field in message", request_id)
    op = message.get("op")
    if not isinstance(op, str) or op not in OPERATIONS:
        raise RequestError("unknown_op", "unknown operation", request_id)
    params = message.get("params", {})
    if not isinstance(params, dict):
        raise RequestError("bad_request", "params must be an object", request_id)
    required, optional = OPERATIONS[op]
    if set(params) - set(required) - set(optional):
        raise RequestError("bad_request", "unexpected parameter", request_id)
    for name, valid in {**required, **optional}.items():
        if name in params and not valid(params[name]):
            raise RequestError("bad_request", f"invalid parameter {name}", request_id)
        if name in required and name not in params:
            raise RequestError("bad_request", f"missing parameter {name}", request_id)
    return request_id, op, params


class RateLimit:
    """At most `count` events per `seconds` for each key (a sliding window)."""

    def __init__(self, count: int, seconds: float, clock=time.monotonic):
        self.count, self.seconds, self.clock = count, seconds, clock
        self._events: dict[str, collections.deque] = collections.defaultdict(collections.deque)

    def allow(self, key: str) -> float:
        """0 if allowed (and counted), else the seconds to wait."""
        now = self.clock()
        events = self._events[key]
        while events and events[0] <= now - self.seconds:
            events.popleft()
        if len(events) >= self.count:
            return events[0] + self.seconds - now
        events.append(now)
        return 0.0


def loopback_hosts(port: int) -> set[str]:
    return {f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"}


class Agent:
    def __init__(self, operations: CardOperations, origins: list[str], sign_in_limit: tuple[int, float] = (10, 60.0)):
        if not origins:
            raise ValueError("at least one allowed origin is needed")
        for origin in origins:
            if not re.match(r"^https?://[^/\s]+$", origin):
                raise ValueError(f"an origin is scheme://host[:port], not {origin!r}")
        self.operations = operations
        self.origins = frozenset(origins)
        self.sign_in_limit = RateLimit(*sign_in_limit)
        self.port: int | None = None
        self._card_lock = asyncio.Lock()
        self._connections = 0

    # -- handshake --------------------------------------------------------------------

    def check_request(self, connection, request):
        """Refuse before the upgrade: only loopback Host names, only allowed Origins."""
        hosts = request.headers.get_all("Host")
        origins = request.headers.get_all("Origin")
        if len(hosts) != 1 or hosts[0].lower() not in loopback_hosts(self.port):
            log.warning("refused connection: Host header not a loopback name with our port")
            return connection.respond(HTTPStatus.FORBIDDEN, "Host not allowed\n")
        if len(origins) != 1 or origins[0] not in self.origins:
            log.warning("refused connection from origin %.100r", origins[0] if origins else None)
            return connection.respond(HTTPStatus.FORBIDDEN, "Origin not allowed\n")
        if self._connections >= MAX_CONNECTIONS:
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "Too many connections\n")
        return None

    # -- messages ---------------------------------------------------------------------

    async def handle(self, connection):
        origin = connection.request.headers["Origin"]
        self._connections += 1
        log.info("page connected from %s", origin)
        try:
            async for message in connection:
                response = await self.respond(origin, message)
                await connection.send(json.dumps(response))
        except ConnectionClosed as closed:
            log.info("connection from %s closed (%s)", origin, closed.rcvd.code if closed.rcvd else "no close frame")
        finally:
            self._connections -= 1

    async def respond(self, origin: str, message) -> dict:
        request_id = None
        try:
            request_id, op, params = parse_message(message)
            log.info("request %s from %s", op, origin)
            result = await self.run(origin, op, params)
            log.info("request %s from %s: ok", op, origin)
            return {"id": request_id, "ok": True, "result": result}
        except RequestError as error:
            log.info("request from %s refused: %s", origin, error.code)
            return self._error(error.request_id if request_id is None else request_id, error.code, str(error))
        except OperationError as error:
            log.info("request from %s failed: %s", origin, error.code)
            return self._error(request_id, error.code, str(error), **error.details)
        except piv.PivError as error:
            log.info("request from %s failed: %s", origin, error.code)
            details = {"tries_left": error.tries_left} if hasattr(error, "tries_left") else {}
            return self._error(request_id, error.code, str(error), **details)
        except Exception:
            log.exception("request from %s failed unexpectedly", origin)
            return self._error(request_id, "internal", "the agent failed; see its log")

    @staticmethod
    def _error(request_id, code, message, **details) -> dict:
        return {"id": request_id, "ok": False, "error": {"code": code, "message": message, **details}}

    async def run(self, origin: str, op: str, params: dict):
        if op in ("hello", "version"):
            return {
                "agent": "loket-cardagent",
                "version": __version__,
                "protocol": PROTOCOL_VERSION,
                "origin": origin,
                "operations": sorted(OPERATIONS),
            }
        if op == "sign_in":
            wait = self.sign_in_limit.allow(origin)
            if wait:
                raise OperationError("rate_limited", "too many sign-ins, wait a little", retry_after=round(wait, 1))
        if self._card_lock.locked():
            raise OperationError("busy", "the agent is busy with another operation")
        async with self._card_lock:
            return await asyncio.to_thread(getattr(self.operations, op), origin, params)

    # -- serving ----------------------------------------------------------------------

    async def serve(self, port: int, ready=None, stop: asyncio.Event | None = None) -> None:
        """Serve until cancelled or until stop is set."""
        sockets = bind_loopback(port)
        self.port = sockets[0].getsockname()[1]
        # websockets logs every frame at DEBUG; a hostile page could put a PIN in one.
        transport_log = logging.getLogger("cardagent.websocket")
        transport_log.setLevel(max(logging.INFO, logging.getLogger().getEffectiveLevel()))
        servers = [
            await serve(
                self.handle,
                sock=sock,
                process_request=self.check_request,
                max_size=MAX_MESSAGE_BYTES,
                max_queue=4,
                compression=None,
                server_header=None,
                logger=transport_log,
            )
            for sock in sockets
        ]
        addresses = ", ".join(f"{s.getsockname()[0]}" for s in sockets)
        log.info("listening on port %d (%s) for %s", self.port, addresses, " ".join(sorted(self.origins)))
        if ready:
            ready(self.port)
        try:
            if stop is None:
                await asyncio.gather(*(server.serve_forever() for server in servers))
            else:
                await stop.wait()
        finally:
            for server in servers:
                server.close()
            await asyncio.gather(*(server.wait_closed() for server in servers))


def bind_loopback(port: int) -> list[socket.socket]:
    """Listening sockets on 127.0.0.1 and, where the host has IPv6, ::1, on the same port
    (port 0: a free one)."""
    first = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    first.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    first.bind(("127.0.0.1", port))
    port = first.getsockname()[1]
    sockets = [first]
    try:
        second = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        second.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        second.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        second.bind(("::1", port))
        sockets.append(second)
    except OSError as error:
        log.warning("not listening on ::1 (%s)", error)
    for sock in sockets:
        sock.listen(16)
        sock.setblocking(False)
    return sockets
