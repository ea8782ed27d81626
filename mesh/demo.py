"""The demo people of `ukm up`, their credentials, and signing in as them.

People are made with the operator bootstrap (services.users.bootstrap, services.auth.bootstrap):
someone has to be the first manager. Their password and the staff's authenticator secrets are
generated per installation and kept in `.ukm/demo-credentials.json` (mode 0600, never in git);
`ukm token <who>` signs in through Envoy like any client and prints an access token.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import grpc
from ukm.auth.v1 import auth_service_pb2 as auth_pb
from ukm.auth.v1 import auth_service_pb2_grpc as auth_rpc

from services.auth import totp
from services.auth.bootstrap import ensure_account
from services.kit.crypto import Keyring
from services.kit.db import create_engine
from services.users.bootstrap import ensure_person

CREDENTIALS_FILE = "demo-credentials.json"
TOKENS_FILE = "demo-tokens.json"
# A cached access token is handed out while it has at least this long to live.
_FRESH_SECONDS = 120
_NAMESPACE = uuid.UUID("5b1f4c36-2f5e-4c1e-9a57-6b0d3f2a7c10")


@dataclass(frozen=True)
class DemoPerson:
    """One demo person: `key` is what `ukm token <key>` takes."""

    key: str
    full_name: str
    roles: tuple[str, ...]
    language: str = "ru"
    specializations: tuple[str, ...] = ()
    phone: str | None = None
    # Their Telegram account: in `make up` without a bot token, the local Bot API's user of
    # this id is them (`ukm telegram --as <key>`).
    telegram_id: int = 0

    @property
    def email(self) -> str:
        return f"{self.key}@demo.ukm.uz"

    @property
    def user_id(self) -> str:
        """Stable across runs, so a second `ukm up` finds the same people."""
        return str(uuid.uuid5(_NAMESPACE, self.key))

    @property
    def staff(self) -> bool:
        """Managers and admins sign in with a second factor."""
        return bool({"manager", "admin"} & set(self.roles))


DEMO_PEOPLE = (
    DemoPerson("admin", "Timur Nazarov", ("admin",), telegram_id=5_000_001),
    DemoPerson(
        "manager", "Dilshod Rakhimov", ("manager",), phone="+998901112233", telegram_id=5_000_002
    ),
    DemoPerson(
        "plumber",
        "Bekzod Usmonov",
        ("executor",),
        language="uz",
        specializations=("plumber", "heating"),
        phone="+998935556677",
        telegram_id=5_000_003,
    ),
    DemoPerson(
        "electrician",
        "Sardor Aliev",
        ("executor",),
        specializations=("electrician", "elevator"),
        phone="+998977778899",
        telegram_id=5_000_004,
    ),
    DemoPerson(
        "resident", "Nodira Karimova", ("applicant",), phone="+998901234567", telegram_id=5_000_005
    ),
    DemoPerson(
        "resident2",
        "Aziz Yusupov",
        ("applicant",),
        language="uz",
        phone="+998991234567",
        telegram_id=5_000_006,
    ),
)


def demo_person(key: str) -> DemoPerson:
    """The demo person called `key`; KeyError naming the known ones otherwise."""
    for person in DEMO_PEOPLE:
        if person.key == key:
            return person
    known = ", ".join(p.key for p in DEMO_PEOPLE)
    raise KeyError(f"no demo person {key!r}; known: {known}")


@dataclass(frozen=True)
class Credentials:
    """The installation's demo password and the staff's TOTP secrets (by person key)."""

    password: str
    totp_secrets: dict[str, str]

    @classmethod
    def load_or_create(cls, root: Path) -> Credentials:
        """The credentials under `root`, made once."""
        path = root / CREDENTIALS_FILE
        if path.exists():
            data = json.loads(path.read_text())
            return cls(data["password"], data["totp_secrets"])
        credentials = cls(
            password=f"demo-{secrets.token_urlsafe(12)}",
            totp_secrets={p.key: totp.generate_secret() for p in DEMO_PEOPLE if p.staff},
        )
        root.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(json.dumps(credentials.__dict__, indent=2))
        return credentials

    @classmethod
    def load(cls, root: Path) -> Credentials:
        """The credentials `ukm up` made under `root` (FileNotFoundError before the first)."""
        data = json.loads((root / CREDENTIALS_FILE).read_text())
        return cls(data["password"], data["totp_secrets"])

    def current_code(self, key: str) -> str:
        """The TOTP code `key`'s authenticator shows now."""
        return totp.code_at(self.totp_secrets[key], datetime.now(UTC))


async def ensure_demo_people(
    database_url: str, data_keys: str, credentials: Credentials, *, link_telegram: bool = False
) -> None:
    """Every demo person exists, approved, with their password (and authenticator), and — only
    with `link_telegram` (the local Telegram of `make up`) — linked to their Telegram id; else
    unlinked, so that nobody on real Telegram whose id happens to match becomes them."""
    keyring = Keyring.parse(data_keys)
    engine = create_engine(database_url, pool_size=1, application_name="ukm-seed")
    now = datetime.now(UTC)
    try:
        for person in DEMO_PEOPLE:
            await ensure_person(
                engine,
                keyring,
                user_id=person.user_id,
                full_name=person.full_name,
                email=person.email,
                roles=person.roles,
                specializations=person.specializations,
                phone=person.phone,
                language=person.language,
                telegram_user_id=person.telegram_id if link_telegram else 0,
                now=now,
            )
            await ensure_account(
                engine,
                keyring,
                user_id=person.user_id,
                email=person.email,
                password=credentials.password,
                language=person.language,
                totp_secret=credentials.totp_secrets.get(person.key),
                now=now,
            )
    finally:
        await engine.dispose()


async def log_in(
    edge_address: str, email: str, password: str, totp_secret: str | None = None
) -> auth_pb.TokenPair:
    """`Login` through Envoy's plaintext edge, completing the second factor when asked."""
    async with grpc.aio.insecure_channel(edge_address) as channel:
        auth = auth_rpc.AuthServiceStub(channel)
        answer = await auth.Login(auth_pb.LoginRequest(email=email, password=password), timeout=10)
        if answer.WhichOneof("result") == "tokens":
            signed_in: auth_pb.TokenPair = answer.tokens
            return signed_in
        if totp_secret is None:
            raise RuntimeError(f"{email} must pass a second factor, and no secret is known")
        verified = await auth.VerifyMfa(
            auth_pb.VerifyMfaRequest(
                challenge_token=answer.mfa_challenge.challenge_token,
                totp_code=totp.code_at(totp_secret, datetime.now(UTC)),
            ),
            timeout=10,
        )
        second_factor: auth_pb.TokenPair = verified.tokens
        return second_factor


async def demo_token(root: Path, edge_address: str, key: str) -> str:
    """An access token of demo person `key`, signed in through Envoy.

    Tokens are kept in `.ukm/demo-tokens.json` and renewed with the refresh token: a TOTP code
    signs in only once, so asking twice within 30 seconds must not need a second one.
    """
    person = demo_person(key)
    path = root / TOKENS_FILE
    cache: dict[str, dict[str, object]] = json.loads(path.read_text()) if path.exists() else {}
    held = cache.get(key, {})
    if float(str(held.get("expires", 0))) - time.time() > _FRESH_SECONDS:
        return str(held["access"])
    tokens = None
    if held.get("refresh"):
        try:
            tokens = await _refresh(edge_address, str(held["refresh"]))
        except grpc.aio.AioRpcError:
            tokens = None  # the session ended (logout, reuse, expiry): sign in again
    if tokens is None:
        credentials = Credentials.load(root)
        tokens = await log_in(
            edge_address, person.email, credentials.password, credentials.totp_secrets.get(key)
        )
    cache[key] = {
        "access": tokens.access_token,
        "expires": tokens.access_expires_at.ToSeconds(),
        "refresh": tokens.refresh_token,
    }
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(json.dumps(cache, indent=2))
    return tokens.access_token


async def _refresh(edge_address: str, refresh_token: str) -> auth_pb.TokenPair:
    async with grpc.aio.insecure_channel(edge_address) as channel:
        answer = await auth_rpc.AuthServiceStub(channel).Refresh(
            auth_pb.RefreshRequest(refresh_token=refresh_token), timeout=10
        )
        renewed: auth_pb.TokenPair = answer.tokens
        return renewed
