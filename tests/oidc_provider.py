"""The real OIDC provider (oidc-provider-mock) on loopback, for the register's eHerkenning and DigiD logins.

`oidc_provider` runs one provider for the session in a thread on a free port (webapp/register/mock_provider.py,
as scripts/dev runs it); `provider.settings` points an app's clients at it, `provider.user(sub, claims)`
registers an identity through the provider's REST API, and `provider.log_in(client, via, sub)` walks the whole
flow as a browser would: Loket's login form, the provider's authorize page (choosing `sub` there), and back to
Loket's callback, whose answer it returns.
"""

from urllib.parse import urlsplit

import pytest
import requests


class Provider:
    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()

    @property
    def settings(self) -> dict:
        return {"EHERKENNING_ISSUER": self.url, "DIGID_ISSUER": self.url}

    def user(self, sub: str, claims: dict) -> str:
        response = self.http.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        assert response.status_code == 204, response.text
        return sub

    def authorize_url(self, client, via: str, **form) -> str:
        """Press Loket's login button: the provider's authorize address it sends the browser to."""
        response = client.post(f"/personenregister/{via}", data=form)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        location = response.headers["Location"]
        assert location.startswith(f"{self.url}/oauth2/authorize?"), location
        return location

    def authorize(self, authorize_url: str, sub: str) -> str:
        """Choose `sub` on the provider's authorize page: the callback address (path and query) it sends back."""
        response = self.http.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text[:500]
        callback = urlsplit(response.headers["Location"])
        return f"{callback.path}?{callback.query}"

    def log_in(self, client, via: str, sub: str):
        return client.get(self.authorize(self.authorize_url(client, via), sub))


@pytest.fixture(scope="session")
def oidc_provider():
    from webapp.register.mock_provider import serve, start_in_thread  # imports the provider only when used

    server = serve()
    thread = start_in_thread(server)
    provider = Provider(f"http://127.0.0.1:{server.server_port}")
    # The socket listens from serve() on, so the first request waits for the thread rather than failing.
    discovery = provider.http.get(f"{provider.url}/.well-known/openid-configuration", timeout=10)
    assert discovery.json()["issuer"] == provider.url
    yield provider
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
