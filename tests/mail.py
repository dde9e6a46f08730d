"""Reading mail in tests: the app's outbox folder, or a real SMTP server (aiosmtpd) on loopback."""

import re
import threading
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

LINK = re.compile(r"https?://\S+")


def links(message) -> list[str]:
    return LINK.findall(message.get_body(preferencelist=("plain",)).get_content())


class Outbox:
    def __init__(self, folder: str):
        self.folder = Path(folder)

    @property
    def messages(self):
        """What has arrived: mail leaves after the commit, by an in-process job, so wait for those first."""
        from webapp.core.jobs import wait_for_in_process_jobs

        wait_for_in_process_jobs()
        if not self.folder.is_dir():
            return []
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(p.read_bytes()) for p in sorted(self.folder.glob("*.eml"))]

    def to(self, address: str):
        return [m for m in self.messages if address.lower() in m["To"].lower()]


class SmtpMailbox:
    """Collects what a real aiosmtpd server on 127.0.0.1 receives."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        with self._lock:
            self.messages.append(message)
            self._lock.notify_all()
        return "250 OK"

    def wait_for(self, to: str, subject: str = "", timeout: float = 15.0, count: int = 1):
        """The newest message to `to` whose subject holds `subject`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [m for m in self.messages if to.lower() in m["To"].lower() and subject in m["Subject"]]
                if len(found) >= count:
                    return found[-1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"no mail to {to} with subject {subject!r} within {timeout}s; got {[m['Subject'] for m in self.messages]}"
                    )
                self._lock.wait(remaining)
