"""Small helpers for the account tests: follow a mailed link, read a page's flash."""

from urllib.parse import urlsplit

from tests.mail import links


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def mailed_path(outbox, address: str, subject: str = "") -> str:
    messages = [m for m in outbox.to(address) if subject in m["Subject"]]
    assert messages, f"no mail to {address} with {subject!r}"
    return path_of(links(messages[-1])[0])


def new_password_post(client, path: str, password: str):
    return client.post(path, data={"password": password, "confirm": password})
