"""The internal calls of `UserService`, made only by other services of the mesh (part of
`api.UserApi`): the auth service's accounts and principals, and the notifications service's
contacts. The permission matrix admits nobody else (`services:` rules); a person's token
behind such a call changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import grpc
from ukm.users.v1 import users_service_pb2 as pb

from services.kit.context import current_caller
from services.users import mapping
from services.users.access import actor_of
from services.users.people import (
    NewPerson,
    check_language,
    clean_email,
    clean_name,
    language_from_telegram,
    telegram_name,
)
from services.users.people_store import PeopleStore


class InternalRpcs:
    """What other services ask about people (a mixin of `api.UserApi`, which sets these)."""

    people: PeopleStore
    clock: Callable[[], datetime]

    # --- the auth service: accounts and principals -------------------------------------

    async def CreateUser(
        self, request: pb.CreateUserRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateUserResponse:
        """A pending applicant for a new web or OIDC account."""
        new = NewPerson(
            full_name=clean_name(request.full_name),
            email=clean_email(request.email),
            language=check_language(request.language),
            channel="web",
        )
        person = await self.people.create(new, actor=actor_of(current_caller()), now=self.clock())
        return pb.CreateUserResponse(principal=mapping.to_principal(person))

    async def EnsureTelegramUser(
        self, request: pb.EnsureTelegramUserRequest, context: grpc.aio.ServicerContext
    ) -> pb.EnsureTelegramUserResponse:
        """The person behind a Telegram account, created (pending applicant) on first contact."""
        new = NewPerson(
            full_name=telegram_name(request.full_name),
            language=language_from_telegram(request.language_code),
            channel="telegram",
            telegram_user_id=request.telegram_user_id,
        )
        person, created = await self.people.ensure_telegram(
            new, actor=actor_of(current_caller()), now=self.clock()
        )
        return pb.EnsureTelegramUserResponse(
            principal=mapping.to_principal(person), created=created
        )

    async def GetPrincipal(
        self, request: pb.GetPrincipalRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPrincipalResponse:
        """Roles and status for a token."""
        person = await self.people.get(request.user_id)
        return pb.GetPrincipalResponse(principal=mapping.to_principal(person))

    # --- the notifications service: how to reach people --------------------------------

    async def GetContacts(
        self, request: pb.GetContactsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetContactsResponse:
        """People by id (any status; the caller skips blocked ones itself) and/or everyone
        approved holding one of `roles` (admins count as managers), each once. Asking for
        nobody finds nobody."""
        people = await self.people.contacts(
            list(request.user_ids), mapping.role_keys(request.roles)
        )
        return pb.GetContactsResponse(contacts=[mapping.to_contact(p) for p in people])
