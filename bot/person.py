"""The person an update comes from, as the users service knows them right now."""

from __future__ import annotations

from dataclasses import dataclass

from ukm.users.v1 import user_pb2

from services.kit.enums import EnumKeys

__all__ = ["LANGUAGES", "ROLE", "STAFF_ROLES", "Person", "person_of"]

ROLE = EnumKeys(user_pb2.Role.DESCRIPTOR)
STATUS = EnumKeys(user_pb2.AccountStatus.DESCRIPTOR)
LANGUAGES = ("ru", "uz", "en")
# Roles that join only through an invite (DOMAIN.md) and onboard as staff.
STAFF_ROLES = frozenset({"executor", "manager", "inspector", "admin"})


@dataclass(frozen=True)
class Person:
    """Who is talking to the bot: ids, roles, account status and language.

    `stale` is True when the services could not be asked and this is the last known picture
    (an outage): steps that need no service go on, the others say "try again".
    """

    telegram_id: int
    user_id: str
    roles: tuple[str, ...]
    active_role: str
    status: str
    language: str
    has_phone: bool = False
    stale: bool = False

    @property
    def approved(self) -> bool:
        """Only approved people act (DOMAIN.md)."""
        return self.status == "approved"

    @property
    def pending(self) -> bool:
        """Waiting for a manager: onboarding only."""
        return self.status == "pending"

    @property
    def blocked(self) -> bool:
        """A polite refusal and nothing else."""
        return self.status == "blocked"

    @property
    def role(self) -> str:
        """The active role (the menu shown), falling back to the first role held."""
        if self.active_role in self.roles:
            return self.active_role
        return self.roles[0] if self.roles else "applicant"

    @property
    def is_staff(self) -> bool:
        """Holds a role that only an invite gives."""
        return bool(STAFF_ROLES & set(self.roles))


def person_of(user: user_pb2.User, telegram_id: int) -> Person:
    """The bot's view of a `User` (enum values this build does not know are dropped)."""
    return Person(
        telegram_id=telegram_id,
        user_id=user.id,
        roles=tuple(ROLE.key(r) for r in user.roles if r in ROLE.by_number),
        active_role=ROLE.key(user.active_role) if user.active_role in ROLE.by_number else "",
        status=STATUS.key(user.status) if user.status in STATUS.by_number else "pending",
        language=user.language if user.language in LANGUAGES else "ru",
        has_phone=bool(user.phone),
    )
