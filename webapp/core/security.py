"""Response headers every page carries, and the state of the rate limits' counters."""

from flask import Flask, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",  # the local card agent
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


HSTS = "max-age=31536000"  # a year; once the portal is on https, browsers refuse plain http to it


def init_app(app: Flask) -> None:
    hsts = app.config["PUBLIC_URL"].startswith("https://")

    @app.after_request
    def add_headers(response):
        headers = response.headers
        if hsts:
            headers.setdefault("Strict-Transport-Security", HSTS)
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.endpoint != "static":
            # pages, JSON (the card challenge), downloads: each is for this user, now; only static files keep
            headers.setdefault("Cache-Control", "no-store")
        return response


def rate_limit_counters() -> str:
    """Where the login limits count now, for the staff: "off", "memory" (configured so), "reachable" (Redis
    answers) or "unreachable" (Redis does not: Flask-Limiter counts in each process's memory meanwhile)."""
    from webapp.extensions import limiter

    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return "off"
    if current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return "memory"
    return "reachable" if limiter.storage.check() else "unreachable"
