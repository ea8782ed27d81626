"""SMS delivery through Eskiz (notify.eskiz.uz), a gateway widely used in Uzbekistan.

Its API: `POST {base}/auth/login` with the account `email` and `password` (the secret key from
the cabinet) returns a bearer token (valid about a month); `POST {base}/message/sms/send` with
`mobile_phone` (digits only, `998901234567`), `message` and `from` (the approved sender name)
queues one SMS and returns its id. The token is fetched on first use, kept in memory, and
fetched again once when a send answers 401 (expired).

`/message/sms/send` reaches Uzbek numbers only (+998); other numbers are refused here as
`Permanent` so the delivery layer falls back to another channel. The gateway has no idempotency
key for single sends, so a timeout after the request was written is reported as
`Transient(maybe_delivered=True)`: retrying could send the SMS twice.
"""

from __future__ import annotations

import asyncio
import re

import httpx
from pydantic import SecretStr

from services.notifications.channels.base import (
    ChannelKind,
    OutboundMessage,
    Outcome,
    Permanent,
    Transient,
)
from services.notifications.channels.settings import ChannelSettings
from services.notifications.channels.sms_replies import (
    outcome_of_network_error,
    outcome_of_send,
    token_of_login,
)

_UZBEK_E164 = re.compile(r"\+998\d{9}")


class EskizSmsChannel:
    """Sends SMS through one Eskiz account; safe to share between tasks."""

    def __init__(
        self,
        *,
        login: str,
        api_key: SecretStr,
        sender: str,
        base_url: str = "https://notify.eskiz.uz/api",
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._login = login
        self._api_key = api_key
        self._sender = sender
        self._base_url = base_url.rstrip("/")
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._token: SecretStr | None = None
        self._login_lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: ChannelSettings) -> EskizSmsChannel:
        """The channel as configured by `UKM_SMS_*`."""
        if settings.sms_login is None or settings.sms_api_key is None:
            raise ValueError("UKM_SMS_LOGIN and UKM_SMS_API_KEY must be set")
        return cls(
            login=settings.sms_login,
            api_key=settings.sms_api_key,
            sender=settings.sms_sender,
            base_url=settings.sms_base_url,
            timeout=settings.sms_timeout_seconds,
        )

    @property
    def kind(self) -> ChannelKind:
        """SMS."""
        return ChannelKind.SMS

    async def send(self, message: OutboundMessage) -> Outcome:
        """Send `message.text` to the phone number in its address."""
        if not _UZBEK_E164.fullmatch(message.address):
            return Permanent("sms: the address is not an Uzbek phone number in E.164")
        stale: SecretStr | None = None
        for _ in range(2):  # a second round only after a 401 with a token we then replace
            token = await self._current_token(stale)
            if isinstance(token, Transient | Permanent):
                return token
            try:
                response = await self._http.post(
                    f"{self._base_url}/message/sms/send",
                    headers={"Authorization": f"Bearer {token.get_secret_value()}"},
                    data={
                        "mobile_phone": message.address.removeprefix("+"),
                        "message": message.text,
                        "from": self._sender,
                    },
                )
            except httpx.HTTPError as error:
                return outcome_of_network_error("send", error)
            if response.status_code != 401:
                break
            stale = token
        return outcome_of_send(
            response.status_code, _json(response), response.headers.get("Retry-After")
        )

    async def aclose(self) -> None:
        """Close the HTTP client if this channel made it."""
        if self._own_http:
            await self._http.aclose()

    async def _current_token(self, stale: SecretStr | None) -> SecretStr | Transient | Permanent:
        """The cached token, or a new one when there is none or the cached one is `stale`."""
        async with self._login_lock:
            # Another task may have logged in while this one waited for the lock.
            if self._token is not None and self._token is not stale:
                return self._token
            try:
                response = await self._http.post(
                    f"{self._base_url}/auth/login",
                    data={"email": self._login, "password": self._api_key.get_secret_value()},
                )
            except httpx.HTTPError as error:
                return outcome_of_network_error("login", error)
            token = token_of_login(_json(response)) if response.status_code == 200 else None
            if token is None:
                if response.status_code >= 500 or response.status_code == 429:
                    return Transient(f"sms login: HTTP {response.status_code}")
                return Permanent(
                    f"sms login: the gateway refused our credentials (HTTP {response.status_code})"
                )
            self._token = SecretStr(token)
            return self._token


def _json(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None
