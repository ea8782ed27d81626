"""A local Eskiz SMS gateway (notify.eskiz.uz) for tests: its HTTP API, on 127.0.0.1.

Endpoints, under `/api` as in production: `POST auth/login` (form `email`, `password` → a
bearer token), `PATCH auth/refresh`, and `POST message/sms/send` (bearer token; form
`mobile_phone` as digits `998XXXXXXXXX`, `message`, `from`, optional `callback_url`) answering
`{"id": ..., "message": "Waiting for SMS provider", "status": "waiting"}`.

It refuses what Eskiz refuses: a wrong login (401), a missing or outdated token (401), a number
that is not Uzbek (422 with field errors), a sender name the account may not use (400). Knobs:
`expire_tokens()` (every issued token stops working, as after a month), `fail_next(status,
body, times)`, `balance` (0 → "not enough funds", 400). Every call is in `calls`, every SMS
that would go out in `sent`.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_UZBEK_NUMBER = re.compile(r"998\d{9}")


@dataclass(frozen=True)
class GatewayCall:
    """One request the gateway received (form fields as sent; the bearer token as given)."""

    method: str
    path: str
    form: Mapping[str, str]
    bearer: str | None
    status: int


@dataclass(frozen=True)
class QueuedSms:
    """An SMS the gateway accepted."""

    id: str
    mobile_phone: str
    message: str
    sender: str


@dataclass
class _PlannedFailure:
    status: int
    body: Mapping[str, Any]
    remaining: int
    headers: Mapping[str, str]


@dataclass
class LocalEskiz:
    """The gateway's state; tests read `calls` and `sent` and turn the knobs."""

    email: str = "ops@ukm.example.uz"
    secret_key: str = "eskiz-secret-key-for-tests-0123456789"
    senders: frozenset[str] = frozenset({"4546"})
    balance: int = 1000
    base_url: str = ""  # known once the server listens
    calls: list[GatewayCall] = field(default_factory=list)
    sent: list[QueuedSms] = field(default_factory=list)
    logins: int = 0
    _tokens: set[str] = field(default_factory=set)
    _failures: list[_PlannedFailure] = field(default_factory=list)

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on."""
        self._tokens.clear()

    def fail_next(
        self,
        status: int,
        body: Mapping[str, Any],
        times: int = 1,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next `times` sends with `status` and JSON `body`."""
        self._failures.append(_PlannedFailure(status, body, times, headers or {}))

    def app(self) -> web.Application:
        """The aiohttp application serving the API under `/api`."""
        app = web.Application()
        app.router.add_post("/api/auth/login", self._login)
        app.router.add_patch("/api/auth/refresh", self._refresh)
        app.router.add_post("/api/message/sms/send", self._send)
        return app

    def _record(
        self, request: web.Request, form: Mapping[str, str], response: web.Response
    ) -> web.Response:
        header = request.headers.get("Authorization", "")
        bearer = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
        self.calls.append(GatewayCall(request.method, request.path, form, bearer, response.status))
        return response

    async def _login(self, request: web.Request) -> web.Response:
        form = await _form(request)
        if form.get("email") != self.email or form.get("password") != self.secret_key:
            refusal = {"message": "Invalid credentials", "status": "error"}
            return self._record(request, form, web.json_response(refusal, status=401))
        self.logins += 1
        return self._record(request, form, web.json_response(self._new_token("token_generated")))

    async def _refresh(self, request: web.Request) -> web.Response:
        if self._bearer(request) not in self._tokens:
            return self._record(request, {}, _token_invalid())
        return self._record(request, {}, web.json_response(self._new_token("token_refreshed")))

    async def _send(self, request: web.Request) -> web.Response:
        form = await _form(request)
        if self._bearer(request) not in self._tokens:
            return self._record(request, form, _token_invalid())
        for planned in self._failures:
            if planned.remaining > 0:
                planned.remaining -= 1
                failure = web.json_response(
                    dict(planned.body), status=planned.status, headers=dict(planned.headers)
                )
                return self._record(request, form, failure)
        return self._record(request, form, self._queue(form))

    def _queue(self, form: Mapping[str, str]) -> web.Response:
        phone, text, sender = (
            form.get("mobile_phone", ""),
            form.get("message", ""),
            form.get("from", ""),
        )
        errors: dict[str, list[str]] = {}
        if not _UZBEK_NUMBER.fullmatch(phone):
            errors["mobile_phone"] = ["The mobile phone format is invalid."]
        if not text:
            errors["message"] = ["The message field is required."]
        if errors:
            return web.json_response({"status": "error", "message": errors}, status=422)
        if sender not in self.senders:
            refusal = {"status": "error", "message": "Отправитель не найден или не активен"}
            return web.json_response(refusal, status=400)
        if self.balance <= 0:
            return web.json_response(
                {"status": "error", "message": "Недостаточно средств"}, status=400
            )
        self.balance -= 1
        sms = QueuedSms(str(uuid.uuid4()), phone, text, sender)
        self.sent.append(sms)
        return web.json_response(
            {"id": sms.id, "message": "Waiting for SMS provider", "status": "waiting"}
        )

    def _new_token(self, message: str) -> dict[str, Any]:
        token = secrets.token_urlsafe(48)
        self._tokens.add(token)
        return {"message": message, "data": {"token": token}, "token_type": "bearer"}

    @staticmethod
    def _bearer(request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        return header.removeprefix("Bearer ") if header.startswith("Bearer ") else None


def _token_invalid() -> web.Response:
    return web.json_response({"status": "token-invalid", "message": "Token is invalid"}, status=401)


async def _form(request: web.Request) -> dict[str, str]:
    return {name: value for name, value in (await request.post()).items() if isinstance(value, str)}


@asynccontextmanager
async def running_sms_gateway() -> AsyncIterator[LocalEskiz]:
    """Serve the gateway on a free port of 127.0.0.1; `base_url` ends in `/api`."""
    gateway = LocalEskiz()
    runner = web.AppRunner(gateway.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    gateway.base_url = f"http://{host}:{port}/api"
    try:
        yield gateway
    finally:
        await runner.cleanup()
