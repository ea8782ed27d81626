"""Changes to a person, decided from their current state. Pure; no I/O.

Each function takes the person as locked by the store and returns a `Change`: the new column
values, the audit entry and the event to publish, all applied by `PeopleStore.modify` in one
transaction. Raising refuses the change and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message

from services.kit.context import Caller
from services.kit.errors import FailedPrecondition
from services.users import events
from services.users.access import actor_of, require_may_manage
from services.users.people import (
    Person,
    check_language,
    clean_name,
    require_not_anonymized,
)
from services.users.phones import normalize_phone
from services.users.roles import (
    EXECUTOR,
    RoleSet,
    change_status,
    clean_reason,
    normalize_specialisations,
)


@dataclass(frozen=True)
class Change:
    """What to write for one decision (`values` use `phone`/`email` in clear; the store seals
    them). No `audit_action` means nothing worth auditing (e.g. switching the active role)."""

    values: Mapping[str, Any]
    audit_action: str | None = None
    reason: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    event: Message | None = None


@dataclass(frozen=True)
class ProfileEdit:
    """Fields to change in a profile (None: leave as is)."""

    full_name: str | None = None
    phone: str | None = None
    language: str | None = None


def edit_profile(person: Person, edit: ProfileEdit) -> Change:
    """Name, phone and language, validated and normalised (the phone to E.164)."""
    require_not_anonymized(person)
    values: dict[str, Any] = {}
    if edit.full_name is not None:
        values["full_name"] = clean_name(edit.full_name)
    if edit.phone is not None:
        values["phone"] = normalize_phone(edit.phone)
    if edit.language is not None:
        values["language"] = check_language(edit.language)
    # Field names only: the audit trail must not hold the values.
    return Change(values, "profile.updated", details={"fields": sorted(values)})


def set_roles(person: Person, roles: Iterable[str], reason: str, caller: Caller) -> Change:
    """Replace the roles (admins); the active role stays if still held."""
    require_not_anonymized(person)
    require_may_manage(caller, person.id, person.roles)
    cleaned = clean_reason(reason, required=False)
    wanted = RoleSet.of(roles)
    active = person.active_role if person.active_role in wanted.roles else wanted.active
    updated = RoleSet.of(wanted.roles, active)
    return Change(
        {"roles": list(updated.roles), "active_role": updated.active},
        "roles.set",
        reason=cleaned,
        details={"before": list(person.roles), "after": list(updated.roles)},
        event=events.roles_changed(person.id, updated.roles, actor_of(caller)),
    )


def set_active_role(person: Person, role: str) -> Change:
    """Act in another role the person holds (their own choice; not audited)."""
    require_not_anonymized(person)
    updated = RoleSet.of(person.roles, person.active_role).activate(role)
    return Change({"active_role": updated.active})


def set_specializations(person: Person, specializations: Iterable[str], caller: Caller) -> Change:
    """Replace an executor's skills (managers)."""
    require_not_anonymized(person)
    require_may_manage(caller, person.id, person.roles)
    if EXECUTOR not in person.roles:
        raise FailedPrecondition(
            "NOT_AN_EXECUTOR", "only executors have specialisations; give the executor role first"
        )
    skills = normalize_specialisations(specializations)
    return Change(
        {"specializations": list(skills)},
        "specializations.set",
        details={"before": list(person.specializations), "after": list(skills)},
        event=events.roles_changed(person.id, person.roles, actor_of(caller)),
    )


def decide_status(person: Person, action: str, reason: str, caller: Caller) -> Change:
    """Approve, block or unblock an account (managers; admins for staff managers)."""
    require_not_anonymized(person)
    require_may_manage(caller, person.id, person.roles)
    change = change_status(person.status, action, reason)
    return Change(
        {"status": change.after, "status_reason": change.reason if action == "block" else ""},
        f"user.{action}",
        reason=change.reason,
        details={"before": change.before, "after": change.after},
        event=events.status_changed(person.id, action, actor_of(caller), change.reason),
    )
