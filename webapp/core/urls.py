"""URLs: where to go next without becoming an open redirect, and the templates' url_for."""
import functools
from urllib.parse import urlsplit

from flask import has_request_context, request, url_for


def safe_next(target: str | None, default: str) -> str:
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def template_url_for(endpoint: str, **values) -> str:
    """Flask's url_for for templates, remembering the URLs that take no values but a static file's name
    (a page builds a dozen of them, the same on every page: menu, styles, scripts)."""
    if len(values) > 1 or (values and "filename" not in values) or endpoint.startswith(".") \
            or not has_request_context():
        return url_for(endpoint, **values)
    return _fixed_url(request.environ.get("SCRIPT_NAME", ""), endpoint, values.get("filename"))


@functools.lru_cache(maxsize=512)
def _fixed_url(mount_point: str, endpoint: str, filename: str | None) -> str:
    # the mount point (SCRIPT_NAME) is part of the key: under another one the URL is another URL
    return url_for(endpoint, filename=filename) if filename is not None else url_for(endpoint)
