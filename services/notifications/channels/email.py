"""E-mail delivery over SMTP with STARTTLS (aiosmtplib).

One connection per message: notifications are few per second, and a fresh connection never
inherits a half-broken session. STARTTLS is required (never silently skipped) unless the
settings switch it off for a relay on a trusted network; the server's certificate is checked
against the system's CAs or the bundle configured (`UKM_SMTP_CA_FILE`).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage

import aiosmtplib
from pydantic import SecretStr

from services.notifications.channels.base import (
    ChannelKind,
    OutboundMessage,
    Outcome,
    Permanent,
    Sent,
)
from services.notifications.channels.email_compose import AddressError, compose
from services.notifications.channels.email_replies import outcome_of_smtp_error
from services.notifications.channels.settings import ChannelSettings

WallClock = Callable[[], datetime]


class EmailChannel:
    """Sends messages through one SMTP relay."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: SecretStr | None = None,
        starttls: bool = True,
        tls_context: ssl.SSLContext | None = None,
        timeout: float = 15.0,
        clock: WallClock = lambda: datetime.now(UTC),
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._username = username
        self._password = password
        self._starttls = starttls
        self._tls_context = tls_context or ssl.create_default_context()
        self._timeout = timeout
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: ChannelSettings) -> EmailChannel:
        """The channel as configured by `UKM_SMTP_*`."""
        context = ssl.create_default_context(
            cafile=str(settings.smtp_ca_file) if settings.smtp_ca_file else None
        )
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            tls_context=context,
            timeout=settings.smtp_timeout_seconds,
        )

    @property
    def kind(self) -> ChannelKind:
        """E-mail."""
        return ChannelKind.EMAIL

    async def send(self, message: OutboundMessage) -> Outcome:
        """Send `message` to the address in it (see `email_replies` for outcomes)."""
        try:
            mail = compose(message, self._sender, self._clock())
        except AddressError:
            return Permanent("smtp: the address is not an e-mail address")
        try:
            refusal = await self._deliver(mail)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            return outcome_of_smtp_error(error)
        return refusal or Sent(str(mail["Message-ID"]))

    async def _deliver(self, mail: EmailMessage) -> Permanent | None:
        """One session: STARTTLS (checked, never skipped), login, the message, QUIT."""
        client = aiosmtplib.SMTP(
            hostname=self._host,
            port=self._port,
            timeout=self._timeout,
            start_tls=False,  # done by hand below, to refuse a server that does not offer it
            tls_context=self._tls_context,
        )
        async with client:
            if self._starttls:
                await client.ehlo()
                if not client.supports_extension("starttls"):
                    return Permanent("smtp: the server does not offer STARTTLS")
                await client.starttls()
                await client.ehlo()  # extensions offered over TLS may differ (AUTH usually does)
            if self._username is not None and self._password is not None:
                if not client.supports_extension("auth"):
                    return Permanent("smtp: the server does not offer AUTH")
                await client.login(self._username, self._password.get_secret_value())
            await client.send_message(mail)
        return None

    async def aclose(self) -> None:
        """Nothing held between messages."""
