"""Every notification is a real e-mail: SMTP when MAIL_SERVER is set, a local outbox otherwise."""
import smtplib
import time
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template


def send_mail(to: str, subject: str, template: str, attachments=(), **context) -> EmailMessage:
    """Render mail/<template>.txt (and .html when it exists) and deliver it.

    attachments: (filename, mimetype, bytes) triples.
    """
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
    deliver(message)
    return message


def deliver(message: EmailMessage) -> None:
    config = current_app.config
    if config["MAIL_SERVER"]:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_STARTTLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        return
    outbox = Path(config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
    (outbox / name).write_bytes(bytes(message))


def outbox_messages(limit: int = 50) -> list[tuple[str, EmailMessage]]:
    """The newest messages in the local outbox, for the developer's outbox page."""
    from email import policy
    from email.parser import BytesParser

    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    if not outbox.is_dir():
        return []
    paths = sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)[:limit]
    parser = BytesParser(policy=policy.default)
    return [(path.stem, parser.parsebytes(path.read_bytes())) for path in paths]
