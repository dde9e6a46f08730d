"""Where to go next without becoming an open redirect."""

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str) -> str:
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
