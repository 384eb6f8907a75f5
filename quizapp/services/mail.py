"""Sending a short e-mail when the server has SMTP settings (MAIL_SERVER, ...); otherwise nothing is sent."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

log = logging.getLogger(__name__)


def send(config, to: str | None, subject: str, body: str) -> bool:
    """True when the message was handed to the SMTP server. Never raises: the caller shows the link anyway."""
    server = config.get("MAIL_SERVER")
    if not server or not to:
        return False
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM") or config.get("MAIL_USERNAME") or "quizapp@localhost"
    message["To"], message["Subject"] = to, subject
    message.set_content(body)
    try:
        with smtplib.SMTP(server, int(config.get("MAIL_PORT") or 587), timeout=10) as smtp:
            if config.get("MAIL_USE_TLS", True):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
        return True
    except (OSError, smtplib.SMTPException):
        log.warning("could not send mail through %s", server)  # no address, no content: nothing personal in logs
        return False
