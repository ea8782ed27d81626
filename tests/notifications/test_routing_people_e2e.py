"""The users and auth rows of the routing table end to end: real calls through Envoy to the
users and auth services, and what the person concerned finds on (local) Telegram or in their
mailbox, in their language — and that the manager who acted hears nothing.

Rows proven here: user.approved, user.binding_rejected, user.verification_approved with
user.binding_approved (a verification approves the pending bindings with it),
user.verification_rejected and user.verification_requested;
auth.password_reset (by e-mail only, in the asker's language, with a code that works),
auth.locked_out (ten failed logins) and auth.token_reuse (one refresh token used twice).
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import AsyncIterator
from urllib.parse import quote

import aiohttp
import pytest

from tests.notifications.conftest import Providers
from tests.notifications.inbox import Hears, Inbox
from tests.notifications.scenes import HOME, on
from tests.support.db import execute
from tests.support.people import PASSWORD, SignedIn, log_in, sign_in
from tests.support.recipients import Recipient, recipient
from tests.support.rest import TASHKENT, Rest
from tests.support.stack import Stack

# Telegram ids for people who register themselves (recipients.py counts from 700_000_001).
_CHATS = itertools.count(760_000_001)


@pytest.fixture
async def http(notify_stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(notify_stack.rest) as session:
        yield session


@pytest.fixture
async def manager(notify_stack: Stack) -> SignedIn:
    """Acts on people and reads the delivery records (no Telegram: hears nothing here)."""
    return await sign_in(notify_stack, "manager")


async def a_newcomer(stack: Stack, http: aiohttp.ClientSession, language: str) -> Recipient:
    """Someone who registered on the web (pending approval), in `language`, and who has
    written to the bot (the link the bot makes is written straight into the users table, as
    tests/support/recipients.py does)."""
    email = f"newcomer-{uuid.uuid4().hex[:8]}@example.uz"
    body = {"email": email, "password": PASSWORD, "fullName": "Dilnoza K", "language": language}
    async with http.post("/v1/auth:register", json=body) as response:
        assert response.status == 200, await response.text()
        user_id = (await response.json())["userId"]
    chat_id = next(_CHATS)
    await execute(
        stack.settings.database_url.get_secret_value(),
        "UPDATE users.users SET telegram_user_id = :chat WHERE id = :id",
        chat=chat_id,
        id=user_id,
    )
    tokens = await log_in(stack, email, None)
    person = SignedIn(
        user_id, email, ("applicant",), tokens.access_token, tokens.refresh_token, None
    )
    return Recipient(person, chat_id, None, language)


async def two_flats(as_manager: Rest) -> list[str]:
    """Two apartment ids in a yard and building of their own."""
    yard = await as_manager.ok(
        "POST", "/v1/yards", {"name": f"Chilonzor {uuid.uuid4().hex[:6]}", "location": TASHKENT}
    )
    building = await as_manager.ok(
        "POST",
        "/v1/buildings",
        {
            "yardId": yard["yard"]["id"],
            "address": HOME,
            "location": TASHKENT,
            "entrances": 1,
            "floors": 9,
        },
    )
    flats = []
    for number in ("7", "8"):
        created = await as_manager.ok(
            "POST",
            "/v1/apartments",
            {"buildingId": building["building"]["id"], "number": number},
        )
        flats.append(created["apartment"]["id"])
    return flats


async def test_a_newcomer_is_approved_bound_and_verified(
    notify_stack: Stack, outside: Providers, http: aiohttp.ClientSession, manager: SignedIn
) -> None:
    newcomer = await a_newcomer(notify_stack, http, "uz")
    inbox = Inbox(notify_stack, outside, manager, newcomer)
    as_manager = Rest(http, manager)
    me = newcomer.user_id

    await as_manager.ok("POST", f"/v1/users/{me}:approve", {})
    await inbox.step(me, Hears(newcomer, "user.approved.subject", ("Xush kelibsiz!",)))

    # Two flats asked for: one rejected now (with the reason), one left pending.
    kept, refused = [
        (await on(http, newcomer).ok("POST", "/v1/bindings", {"apartmentId": flat}))["binding"]
        for flat in await two_flats(as_manager)
    ]
    await as_manager.ok(
        "POST",
        f"/v1/bindings/{refused['id']}:decide",
        {"approve": False, "reason": "The owner did not confirm"},
    )
    await inbox.step(
        me,
        Hears(
            newcomer,
            "user.binding_rejected.subject",
            ("Manzil: Chilonzor", HOME, "Sabab: The owner did not confirm"),
        ),
    )

    # A document uploaded and reviewed: that tells nobody (the next step would show it).
    # (Asking for documents is proven on its own below.)
    document = {
        "type": "DOCUMENT_TYPE_PASSPORT",
        "media": {"kind": "MEDIA_KIND_DOCUMENT", "telegramFileId": "tg-passport-page"},
    }
    uploaded = (await on(http, newcomer).ok("POST", "/v1/verification/documents", document))[
        "document"
    ]
    await as_manager.ok(
        "POST", f"/v1/verification/documents/{uploaded['id']}:review", {"accept": True}
    )

    # Verified: the person hears it, and that the pending flat is theirs now.
    decided = await as_manager.ok("POST", f"/v1/users/{me}/verification:decide", {"approve": True})
    assert decided["approvedBindingIds"] == [kept["id"]]
    await inbox.step(
        me,
        Hears(newcomer, "user.verification_approved.subject"),
        Hears(newcomer, "user.binding_approved.subject", (HOME,)),
    )
    await inbox.settle()


async def test_a_verification_is_rejected_with_the_reason(
    notify_stack: Stack, outside: Providers, http: aiohttp.ClientSession, manager: SignedIn
) -> None:
    resident = await recipient(notify_stack, language="en")
    inbox = Inbox(notify_stack, outside, manager, resident)
    await Rest(http, manager).ok(
        "POST",
        f"/v1/users/{resident.user_id}/verification:decide",
        {"approve": False, "reason": "The agreement has expired"},
    )
    await inbox.step(
        resident.user_id,
        Hears(
            resident, "user.verification_rejected.subject", ("Reason: The agreement has expired",)
        ),
    )
    await inbox.settle()


async def test_security_messages_reach_the_owner(
    notify_stack: Stack, outside: Providers, http: aiohttp.ClientSession, manager: SignedIn
) -> None:
    forgetful = await a_newcomer(notify_stack, http, "uz")
    attacked = await recipient(notify_stack, language="ru")
    robbed = await recipient(notify_stack, language="en")
    inbox = Inbox(notify_stack, outside, manager, forgetful, attacked, robbed)

    # A reset link goes by e-mail only (not to the Telegram chat the person also has), in the
    # language of the account that asked, and its code sets a new password.
    async with http.post(
        "/v1/auth:requestPasswordReset", json={"email": forgetful.email}
    ) as response:
        assert response.status == 200, await response.text()
    [mail] = await inbox.step(
        forgetful.user_id,
        Hears(forgetful, "auth.password_reset.subject", ("Tiklash kodi: ",), via="email"),
    )
    [code] = re.findall(r"Tiklash kodi: (\S+)", mail)
    # The link carries the same code (UKM_NOTIFY_RESET_URL in the stack's settings).
    assert f"https://app.ukm.example.uz/reset-password#token={quote(code, safe='')}" in mail
    reset = {"resetToken": code, "newPassword": "Yangi-parol-Chilonzor-2026"}
    async with http.post("/v1/auth:resetPassword", json=reset) as response:
        assert response.status == 200, await response.text()

    # Ten failed logins: the owner hears the account is held back.
    wrong = {"email": attacked.email, "password": "not the password at all"}
    for _ in range(10):
        async with http.post("/v1/auth:login", json=wrong) as response:
            assert response.status == 401, await response.text()
    await inbox.step(
        attacked.user_id,
        Hears(attacked, "auth.locked_out.subject", ("Неудачных попыток входа: 10",)),
    )

    # A refresh token used twice: the session is ended and the owner is told.
    used = {"refreshToken": robbed.person.refresh_token}
    async with http.post("/v1/auth:refresh", json=used) as response:
        assert response.status == 200, await response.text()
    async with http.post("/v1/auth:refresh", json=used) as response:
        assert response.status == 401, await response.text()
    await inbox.step(
        robbed.user_id, Hears(robbed, "auth.token_reuse.subject", ("We ended your sessions",))
    )
    await inbox.settle()


async def test_a_resident_is_asked_for_documents_with_a_button_to_upload(
    notify_stack: Stack, outside: Providers, http: aiohttp.ClientSession, manager: SignedIn
) -> None:
    resident = await recipient(notify_stack, language="en")
    inbox = Inbox(notify_stack, outside, manager, resident)
    await Rest(http, manager).ok(
        "POST",
        f"/v1/users/{resident.user_id}/verification:requestDocuments",
        {
            "documentTypes": ["DOCUMENT_TYPE_PASSPORT", "DOCUMENT_TYPE_UTILITY_BILL"],
            "comment": "The page with the address, please",
        },
    )
    await inbox.step(
        resident.user_id,
        Hears(
            resident,
            "user.verification_requested.subject",
            (
                "Documents needed: passport, utility bill",
                "Comment: The page with the address, please",
            ),
            ("upload",),
        ),
        within=3.0,
    )
    await inbox.settle()
