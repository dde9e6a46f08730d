"""Response headers every page carries, and the state of the rate limits' counters."""

from flask import Flask, current_app

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


def init_app(app: Flask) -> None:
    @app.after_request
    def add_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if response.mimetype == "text/html":
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
