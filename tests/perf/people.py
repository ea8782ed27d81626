"""The bench's people: made by the operator bootstrap, then signed in through Envoy's edge.

A manager (staff, so password + TOTP), whose access token every measured call carries; a
resident without a second factor, whose `Login` is timed (it is the Argon2id-bound call); and
two executors (universal), whom the `Transition` runs assign requests to, after they went on
duty themselves (`StartShift`). They are created the way `ukm seed` creates demo people (the
first manager cannot be approved by anyone); everything after that is the public API. Tokens
and the password never reach the output.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import grpc
from ukm.auth.v1 import auth_service_pb2 as auth_pb
from ukm.auth.v1 import auth_service_pb2_grpc as auth_rpc
from ukm.shifts.v1 import shifts_service_pb2 as shifts_pb
from ukm.shifts.v1 import shifts_service_pb2_grpc as shifts_rpc

from services.auth import totp
from services.auth.bootstrap import ensure_account
from services.kit.crypto import Keyring
from services.kit.db import create_engine
from services.users.bootstrap import ensure_person
from tests.perf.load import BenchError, Metadata

# Long, not on the common-password list: what the auth service accepts.
PASSWORD = "Chilonzor-boiler-room-2026"


@dataclass(frozen=True)
class Account:
    """Someone who signs in during the bench."""

    user_id: str
    email: str
    role: str
    totp_secret: str | None  # staff only
    specialisations: tuple[str, ...] = ()  # executors only


@dataclass(frozen=True)
class BenchPeople:
    """Everyone the bench acts as."""

    manager: Account
    resident: Account
    executors: tuple[Account, Account]

    @classmethod
    def new(cls) -> BenchPeople:
        """Fresh ids (chosen before the stack starts: the pre-verified service needs the
        manager's id)."""
        return cls(
            manager=_staff("manager"),
            resident=_account("resident", "applicant", None),
            executors=(_staff("executor"), _staff("executor")),
        )

    @property
    def everyone(self) -> tuple[Account, ...]:
        """Every account, the manager first."""
        return (self.manager, self.resident, *self.executors)


def _account(
    label: str, role: str, totp_secret: str | None, specialisations: tuple[str, ...] = ()
) -> Account:
    user_id = str(uuid.uuid4())
    email = f"bench-{label}-{user_id[:8]}@example.uz"
    return Account(user_id, email, role, totp_secret, specialisations)


def _staff(role: str) -> Account:
    """Staff sign in with a second factor; executors can do any work (`universal`)."""
    skills = ("universal",) if role == "executor" else ()
    return _account(role, role, totp.generate_secret(), skills)


async def bootstrap(people: BenchPeople, *, database_url: str, data_keys: str) -> None:
    """Create the people (approved) and their accounts, as the operator bootstrap does."""
    keyring = Keyring.parse(data_keys)
    engine = create_engine(database_url, pool_size=1)
    now = datetime.now(UTC)
    try:
        for account in people.everyone:
            await ensure_person(
                engine,
                keyring,
                user_id=account.user_id,
                full_name=f"Bench {account.role.title()}",
                email=account.email,
                roles=[account.role],
                specializations=account.specialisations,
                now=now,
            )
            await ensure_account(
                engine,
                keyring,
                user_id=account.user_id,
                email=account.email,
                password=PASSWORD,
                totp_secret=account.totp_secret,
                now=now,
            )
    finally:
        await engine.dispose()


async def log_in(auth: auth_rpc.AuthServiceStub, account: Account) -> auth_pb.TokenPair:
    """`Login`, then `VerifyMfa` with the current TOTP code when a second factor is asked."""
    answer = await auth.Login(
        auth_pb.LoginRequest(email=account.email, password=PASSWORD), timeout=30
    )
    if answer.WhichOneof("result") == "tokens":
        tokens: auth_pb.TokenPair = answer.tokens
        return tokens
    challenge = answer.mfa_challenge
    if account.totp_secret is None or challenge.enrollment_required:
        raise BenchError(f"{account.email}: Login asked for a second factor it cannot give")
    code = totp.code_at(account.totp_secret, datetime.now(UTC))
    verified = await auth.VerifyMfa(
        auth_pb.VerifyMfaRequest(challenge_token=challenge.challenge_token, totp_code=code),
        timeout=30,
    )
    second: auth_pb.TokenPair = verified.tokens
    return second


async def go_on_duty(edge_address: str, executor: Account) -> None:
    """The executor signs in and takes a shift now (universal: no focus), through the edge."""
    async with grpc.aio.insecure_channel(edge_address) as channel:
        tokens = await log_in(auth_rpc.AuthServiceStub(channel), executor)
        await shifts_rpc.ShiftServiceStub(channel).StartShift(
            shifts_pb.StartShiftRequest(),
            timeout=30,
            metadata=(("authorization", f"Bearer {tokens.access_token}"),),
        )


class ManagerSession:
    """The manager's tokens over one edge channel, renewed with `Refresh` before they expire.

    An access token lives 15 minutes and a full bench can take longer; `metadata()` hands out
    a token that stays valid for at least `margin` seconds (longer than any single run).
    """

    def __init__(self, edge_address: str, account: Account, *, margin: float = 300.0) -> None:
        self.account = account
        self.margin = margin
        self.channel = grpc.aio.insecure_channel(edge_address)
        self.auth = auth_rpc.AuthServiceStub(self.channel)
        self.tokens: auth_pb.TokenPair | None = None
        self.renewals = 0

    async def start(self) -> None:
        """Sign in (password and TOTP, through Envoy)."""
        self.tokens = await log_in(self.auth, self.account)

    async def metadata(self) -> Metadata:
        """`authorization: Bearer …` with a token valid for at least `margin` more seconds."""
        if self.tokens is None:
            await self.start()
        assert self.tokens is not None
        expires = self.tokens.access_expires_at.ToNanoseconds() / 1e9
        if expires - time.time() < self.margin:
            answer = await self.auth.Refresh(
                auth_pb.RefreshRequest(refresh_token=self.tokens.refresh_token), timeout=30
            )
            self.tokens = answer.tokens
            self.renewals += 1
        return (("authorization", f"Bearer {self.tokens.access_token}"),)

    async def close(self) -> None:
        """Close the channel."""
        await self.channel.close()
