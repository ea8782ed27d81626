"""People made by an operator rather than through the API: the first admin, the demo people.

Everything else about people goes through the services (registration, invites, approval).
This exists because the first manager cannot be approved by anyone: an operator with the
database credentials (`ukm seed`, `make up`) creates them, with the same stores, audit entries
and events as the API would.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from services.kit.crypto import Keyring
from services.kit.errors import NotFound
from services.users.decisions import Change
from services.users.people import NewPerson, Person
from services.users.people_store import PeopleStore
from services.users.phones import normalize_phone
from services.users.privacy import Sealer
from services.users.roles import ROLES, normalize_specialisations

ACTOR = "bootstrap"


async def ensure_person(
    engine: AsyncEngine,
    keyring: Keyring,
    *,
    user_id: str,
    full_name: str,
    email: str | None,
    roles: Sequence[str],
    specializations: Sequence[str] = (),
    phone: str | None = None,
    language: str = "ru",
    telegram_user_id: int | None = None,
    now: datetime,
) -> Person:
    """The approved person `user_id` with exactly these roles and details (created when
    missing, brought back to this state otherwise; repeating it changes nothing)."""
    store = PeopleStore(engine, Sealer(keyring))
    try:
        await store.get(user_id)
    except NotFound:
        new = NewPerson(full_name=full_name, language=language, channel="web", email=email)
        await store.create(new, actor=ACTOR, now=now, user_id=user_id)
    ordered = [role for role in ROLES if role in set(roles)]
    values: dict[str, object] = {
        "full_name": full_name,
        "email": email,
        "phone": normalize_phone(phone) if phone else None,
        "language": language,
        "roles": ordered,
        "active_role": roles[0],
        "status": "approved",
        "specializations": list(normalize_specialisations(specializations)),
    }
    # Their Telegram account: None leaves the link as it is, 0 removes it (ids are positive).
    if telegram_user_id is not None:
        values["telegram_user_id"] = telegram_user_id or None
    change = Change(values, audit_action="bootstrap", reason="created by an operator")
    return await store.modify(user_id, lambda _: change, actor=ACTOR, now=now)
