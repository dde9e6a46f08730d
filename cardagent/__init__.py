"""Loket card agent: PIV smartcards over PC/SC for the portal, through a localhost WebSocket."""

__version__ = "0.1.0"
DEFAULT_PORT = 24727
