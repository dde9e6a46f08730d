"""Every notification is a real e-mail, sent after the commit of the change it tells about.

`send_mail` writes the message into `outgoing_mails` in the current transaction; once that commits
a job delivers it (SMTP when MAIL_SERVER is set, a local outbox of .eml files otherwise). A rolled
back change sends nothing, and a slow or unreachable mail server never slows or fails a request: a
refused mail is tried again later (`retry_mail`, a periodic job), and one that keeps failing shows
on the staff page Uitgaande e-mail.
"""

import logging
import smtplib
import time
import uuid
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import func, or_, select, update

from webapp.core.jobs import QueueUnavailable, enqueue, enqueue_after_commit
from webapp.core.models import OutgoingMail
from webapp.core.timeutil import utcnow
from webapp.extensions import db

log = logging.getLogger(__name__)
STATUSES = {"pending": "In wachtrij", "sent": "Verstuurd", "failed": "Mislukt"}
CLAIM = timedelta(minutes=5)  # a delivery under way; after this another may try
SMTP_TIMEOUT = 10


def compose(to: str, subject: str, template: str, attachments=(), **context) -> EmailMessage:
    """The message mail/<template>.txt makes; attachments: (filename, mimetype, bytes) triples."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="loket.local")
    context.setdefault("public_url", current_app.config["PUBLIC_URL"])
    message.set_content(render_template(f"mail/{template}.txt", **context))
    for filename, mimetype, data in attachments:
        maintype, _, subtype = mimetype.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def send_mail(to: str, subject: str, template: str, attachments=(), **context) -> EmailMessage:
    """Compose the message and send it once the current transaction commits."""
    message = compose(to, subject, template, attachments, **context)
    outgoing = OutgoingMail(recipient=to[:254], subject=subject[:200], message=bytes(message), next_attempt_at=utcnow())
    db.session.add(outgoing)
    db.session.flush()
    enqueue_after_commit(deliver, outgoing.id, retries=0)
    return message


def send_mails(mails) -> int:
    """Compose many messages and send each once the current transaction commits, written in one multi-row
    INSERT (a job that mails thousands): `mails` is an iterable of (to, subject, template, context) tuples. How
    many it queued."""
    outgoing = []
    for to, subject, template, context in mails:
        message = compose(to, subject, template, **context)
        outgoing.append(
            OutgoingMail(recipient=to[:254], subject=subject[:200], message=bytes(message), next_attempt_at=utcnow())
        )
    if not outgoing:
        return 0
    db.session.add_all(outgoing)
    db.session.flush()
    for mail in outgoing:
        enqueue_after_commit(deliver, mail.id, retries=0)
    return len(outgoing)


def deliver(mail_id: int) -> str:
    """Job: deliver one pending mail; on a refusal, note it and when to try again."""
    if not _claim(mail_id):
        return "not due"
    mail = db.session.get(OutgoingMail, mail_id)
    config = current_app.config
    try:
        _transmit(mail.message)
    except (OSError, smtplib.SMTPException) as error:
        mail.attempts += 1
        mail.last_error = f"{type(error).__name__}: {error}"[:300]
        if mail.attempts >= config["MAIL_MAX_ATTEMPTS"]:
            mail.status = "failed"
        mail.next_attempt_at = utcnow() + timedelta(seconds=config["MAIL_RETRY_SECONDS"] * 2 ** (mail.attempts - 1))
        mail.claimed_until = None
        log.warning("mail %s to %s refused (attempt %s): %s", mail.id, mail.recipient, mail.attempts, error)
        return "refused"
    mail.status, mail.sent_at, mail.claimed_until, mail.last_error = "sent", utcnow(), None, ""
    return "sent"


def _due(now) -> list:
    """A pending mail whose next try has come and that no delivery holds."""
    return [
        OutgoingMail.status == "pending",
        OutgoingMail.next_attempt_at <= now,
        or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now),
    ]


def _claim(mail_id: int) -> bool:
    """Take the mail for this delivery (committed, so a second delivery at the same time leaves it)."""
    now = utcnow()
    claimed = (
        db.session.execute(
            update(OutgoingMail).where(OutgoingMail.id == mail_id, *_due(now)).values(claimed_until=now + CLAIM)
        ).rowcount
        == 1
    )
    db.session.commit()
    return claimed


def _transmit(raw: bytes) -> None:
    config = current_app.config
    if config["MAIL_SERVER"]:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT) as smtp:
            if config["MAIL_STARTTLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(BytesParser(policy=policy.SMTP).parsebytes(raw))
        return
    outbox = Path(config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml").write_bytes(raw)


def retry_mail() -> str:
    """Periodic: start a delivery for every pending mail that is due (refused before, or never started)."""
    due = list(
        db.session.execute(
            select(OutgoingMail.id).where(*_due(utcnow())).order_by(OutgoingMail.id).limit(500)
        ).scalars()
    )
    for mail_id in due:
        try:
            enqueue(deliver, mail_id, retries=0)
        except QueueUnavailable:
            return f"{len(due)} te versturen; de verwerking is niet bereikbaar"
    return f"{len(due)} opnieuw aangeboden"


def retry_now(mail_id: int) -> None:
    """Staff: try a mail again at once (also one that had failed for good)."""
    mail = db.session.get(OutgoingMail, mail_id)
    if mail is None or mail.status == "sent":
        return
    mail.status, mail.next_attempt_at, mail.claimed_until = "pending", utcnow(), None
    enqueue_after_commit(deliver, mail.id, retries=0)


def undelivered(limit: int = 200) -> list[OutgoingMail]:
    """The mails not sent yet, the failed ones first (the staff page)."""
    return list(
        db.session.execute(
            select(OutgoingMail)
            .where(OutgoingMail.status != "sent")
            .order_by((OutgoingMail.status == "failed").desc(), OutgoingMail.created_at.desc())
            .limit(limit)
        ).scalars()
    )


def counts() -> dict[str, int]:
    return dict(db.session.execute(select(OutgoingMail.status, func.count()).group_by(OutgoingMail.status)).all())


def outbox_messages(limit: int = 50) -> list[tuple[str, EmailMessage]]:
    """The newest messages in the local outbox, for the developer's outbox page."""
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    if not outbox.is_dir():
        return []
    paths = sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)[:limit]
    parser = BytesParser(policy=policy.default)
    return [(path.stem, parser.parsebytes(path.read_bytes())) for path in paths]
