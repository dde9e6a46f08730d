"""The OpenID Connect provider for development and tests: oidc-provider-mock on loopback, one provider for both
the eHerkenning and the DigiD client, with the register's demo identities offered on its login page.

`python -m webapp.register.mock_provider` (scripts/dev runs it) serves it on 127.0.0.1:5380, the settings'
default issuer; the tests start `serve` in a thread on a free port (tests/oidc_provider.py). Not for production:
oidc-provider-mock comes with the `test` and `oidcmock` extras only, and signs in anyone who asks.
"""

import argparse
import logging
import threading
import warnings

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from webapp.config import Config
from webapp.register.demo import oidc_identities

with warnings.catch_warnings():  # the provider uses Authlib APIs that Authlib now deprecates
    warnings.simplefilter("ignore", DeprecationWarning)
    import oidc_provider_mock

DEFAULT_PORT = 5380


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        """No request lines: they would fill the test output and the developer's terminal."""


def serve(host: str = "127.0.0.1", port: int = 0, identities=()) -> BaseWSGIServer:
    """A provider bound to `host`:`port` (0: a free one), not yet serving; its login page offers `identities`
    ((sub, what they are, claims)) with one click each."""
    users = [oidc_provider_mock.User(sub=sub, claims=claims) for sub, _said, claims in identities]
    app = oidc_provider_mock.app(require_nonce=True, user_claims=users)
    # The provider logs each user it signs in, with the claims (BSNs among them): not in Loket's logs.
    logging.getLogger("oidc_provider_mock").setLevel(logging.WARNING)
    return make_server(host, port, app, threaded=True, request_handler=_QuietHandler)


def start_in_thread(server: BaseWSGIServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    return thread


def main() -> None:
    parser = argparse.ArgumentParser(description="The register's OIDC test provider with the demo identities")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    arguments = parser.parse_args()
    config = vars(Config("instance"))
    identities = oidc_identities(config)
    server = serve(arguments.host, arguments.port, identities)
    print(f"OIDC test provider (eHerkenning and DigiD) at http://{arguments.host}:{server.server_port}", flush=True)
    for sub, said, _claims in identities:
        print(f"  {sub:<32} {said}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
