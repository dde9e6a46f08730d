"""The session cookie: Flask's signed cookie, whose signature is checked once per cookie and process."""
import functools
import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer


class SessionInterface(SecureCookieSessionInterface):
    """Flask's own signed-cookie sessions. A browser sends the same cookie with every request until
    the session changes, so a cookie's signature is verified once and remembered (verifying it cost
    about 4% of a page); its age is checked on every request, and its content read anew."""

    def open_session(self, app, request):
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie or not app.secret_key:
            return super().open_session(app, request)
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        verified = _verified(self, keys, cookie)
        if verified is None:
            return self.session_class()
        serializer, payload, signed_at = verified
        if not 0 <= time.time() - signed_at <= app.permanent_session_lifetime.total_seconds():
            return self.session_class()  # as itsdangerous's max_age: expired, or signed in the future
        try:
            return self.session_class(serializer.load_payload(payload))
        except BadSignature:  # BadPayload: signed, but unreadable
            return self.session_class()


@functools.lru_cache(maxsize=4096)
def _verified(interface: SessionInterface, keys: tuple, cookie: str):
    """(serializer, payload, signing time) of a cookie signed with one of the keys (the current key
    last, as Flask orders them), or None."""
    serializer = URLSafeTimedSerializer(
        list(keys), salt=interface.salt, serializer=interface.serializer,
        signer_kwargs={"key_derivation": interface.key_derivation, "digest_method": interface.digest_method},
    )
    for signer in serializer.iter_unsigners():
        try:
            payload, signed_at = signer.unsign(cookie, return_timestamp=True)
        except BadSignature:
            continue
        return serializer, payload, signed_at.timestamp()
    return None
