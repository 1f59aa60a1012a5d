"""The two ways a message leaves: e-mail over SMTP to the prison's MTA, and SMS through a
gateway's HTTP API. Each is a small protocol with one real adapter; a sender raises
`TemporaryFailure` (try again later) or `PermanentFailure` (this address will never take it).
Both carry the message's key, so a receiver that sees a retry can tell it is the same message:
the e-mail's Message-ID and the gateway's Idempotency-Key."""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formatdate, parseaddr
from typing import Protocol


class TemporaryFailure(Exception):
    """The other side could not take it now (a 4xx SMTP reply, a 5xx or 429 from the gateway,
    the network): the outbox tries again after its back-off."""


class PermanentFailure(Exception):
    """The other side refused it for good (a 5xx SMTP reply for the address, a 4xx from the
    gateway): the message fails at once, for staff to see."""


@dataclass(frozen=True)
class Outgoing:
    key: str
    address: str
    language: str
    subject: str
    body: str


class Sender(Protocol):
    def send(self, message: Outgoing) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    mail_from: str
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout_seconds: float = 10.0
    # The domain of the Message-ID (<key@domain>).
    domain: str = "cellgate.invalid"


def message_id(key: str, domain: str) -> str:
    return f"<{key}@{domain}>"


class SmtpSender:
    """One SMTP connection, opened at the first message and reused for the ones after it
    (a batch), reopened when the server drops it."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = smtplib.SMTP(
                self.config.host, self.config.port, timeout=self.config.timeout_seconds
            )
            if self.config.starttls:
                smtp.starttls()
            if self.config.username:
                smtp.login(self.config.username, self.config.password)
            self._smtp = smtp
        return self._smtp

    def send(self, message: Outgoing) -> None:
        # MIMEText and Header (the compat32 API) rather than EmailMessage: the same message on
        # the wire, at a fraction of the header parsing an evening's thousands would cost.
        email = MIMEText(message.body, "plain", "utf-8")
        email["From"] = self.config.mail_from
        email["To"] = message.address
        email["Subject"] = Header(message.subject, "utf-8")
        email["Date"] = formatdate(usegmt=True)
        email["Message-ID"] = message_id(message.key, self.config.domain)
        email["Content-Language"] = message.language
        sender = parseaddr(self.config.mail_from)[1] or self.config.mail_from
        try:
            refused = self._connection().sendmail(sender, [message.address], email.as_string())
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            codes = [code for code, _ in error.recipients.values()]
            if all(500 <= code < 600 for code in codes):
                raise PermanentFailure(f"address refused: {codes}") from None
            raise TemporaryFailure(f"address refused for now: {codes}") from None
        except smtplib.SMTPResponseException as error:
            self.close()
            text = f"{error.smtp_code} {error.smtp_error!r}"
            if 500 <= error.smtp_code < 600:
                raise PermanentFailure(text) from None
            raise TemporaryFailure(text) from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from None
        if refused:
            raise PermanentFailure(f"address refused: {refused}")

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


@dataclass(frozen=True)
class GatewayConfig:
    url: str
    token: str = ""
    sender: str = "Cellgate"
    timeout_seconds: float = 10.0


class HttpSmsGateway:
    """An SMS gateway's HTTP API: POST {to, from, text, reference} as JSON with a bearer token
    and an Idempotency-Key; any 2xx is taken. (The common gateways all accept this shape, some
    behind their own field names: adapt here, not in the outbox.)"""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config

    def send(self, message: Outgoing) -> None:
        if not self.config.url:
            raise TemporaryFailure("no SMS gateway is set (outbox.sms_gateway_url)")
        payload = {
            "to": message.address,
            "from": self.config.sender,
            "text": message.body,
            "reference": message.key,
        }
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.key}
        if self.config.token:
            headers["Authorization"] = f"Bearer {self.config.token}"
        request = urllib.request.Request(
            self.config.url, data=json.dumps(payload).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout_seconds) as answer:
                answer.read()
        except urllib.error.HTTPError as error:
            text = f"gateway answered {error.code}"
            if error.code in (408, 429) or error.code >= 500:
                raise TemporaryFailure(text) from None
            raise PermanentFailure(text) from None
        except (TimeoutError, urllib.error.URLError, OSError) as error:
            raise TemporaryFailure(f"gateway unreachable: {error}") from None

    def close(self) -> None:
        pass
