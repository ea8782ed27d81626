"""The `ukm.users.v1.UserService` servicer: protos in, domain calls, protos out.

Who may call each method is the RBAC interceptor's job (`kit/permissions.yaml`); the row-level
rules (my own profile, admins for exports of others…) are applied here through `access`. The
calls only other services make (auth, notifications) are the mixed-in `internal_api` half.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

import grpc
from google.protobuf import struct_pb2
from ukm.users.v1 import users_service_pb2 as pb
from ukm.users.v1 import users_service_pb2_grpc as rpc

from services.kit.context import current_caller
from services.kit.crypto import Keyring
from services.kit.paging import decode_token, encode_token, filters_fingerprint, page_size
from services.users import decisions, invites, mapping
from services.users.access import (
    actor_of,
    person_id,
    require_self_or_admin,
    require_self_or_staff,
)
from services.users.internal_api import InternalRpcs
from services.users.invite_store import InviteStore
from services.users.people import Person, looks_like_phone
from services.users.people_store import PeopleStore, UserFilter
from services.users.phones import normalize_phone
from services.users.rights_store import RightsStore

_VALIDITY = {
    "one_hour": timedelta(hours=1),
    "one_day": timedelta(hours=24),
    "seven_days": timedelta(days=7),
}


class UserApi(InternalRpcs, rpc.UserServiceServicer):
    """People: profiles, roles, account status, invites, data rights, and the internal calls
    of other services (`internal_api.InternalRpcs`)."""

    def __init__(
        self,
        people: PeopleStore,
        invite_store: InviteStore,
        rights: RightsStore,
        keyring: Keyring,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.people = people
        self.invites = invite_store
        self.rights = rights
        self.invite_keys = invites.signing_keys(keyring)
        self.clock = clock

    # --- reading ----------------------------------------------------------------------------

    async def GetUser(
        self, request: pb.GetUserRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetUserResponse:
        """One person: yourself, or anyone for managers and admins."""
        require_self_or_staff(current_caller(), request.user_id)
        person = await self.people.get(request.user_id)
        return pb.GetUserResponse(user=mapping.to_user(person))

    async def GetMe(
        self, request: pb.GetMeRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetMeResponse:
        """The caller's own profile."""
        person = await self.people.get(person_id(current_caller()))
        return pb.GetMeResponse(user=mapping.to_user(person))

    async def ListUsers(
        self, request: pb.ListUsersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListUsersResponse:
        """A page of people, newest first; the query is a name part or a phone number."""
        fingerprint = filters_fingerprint(request)
        position = decode_token(request.page_token, fingerprint)
        limit = page_size(request.page_size)
        people = await self.people.list(
            self._filter(request),
            limit=limit + 1,
            after=mapping.keyset(position) if position else None,
        )
        response = pb.ListUsersResponse(users=[mapping.to_user(p) for p in people[:limit]])
        if len(people) > limit:
            last = people[limit - 1]
            response.next_page_token = encode_token(
                [last.created_at.isoformat(), last.id], fingerprint
            )
        return response

    def _filter(self, request: pb.ListUsersRequest) -> UserFilter:
        query = request.query.strip()
        name_part: str | None = None
        phone_indexes: tuple[str, ...] = ()
        if query and looks_like_phone(query):
            phone = normalize_phone(query, field="query")
            phone_indexes = tuple(self.people.sealer.phone_lookup(phone))
        elif query:
            name_part = query
        return UserFilter(
            name_part=name_part,
            phone_indexes=phone_indexes,
            role=mapping.ROLE.key(request.role) if request.role else None,
            status=mapping.ACCOUNT_STATUS.key(request.status) if request.status else None,
            specialization=mapping.SPECIALIZATION.key(request.specialization)
            if request.specialization
            else None,
        )

    # --- changing ---------------------------------------------------------------------------

    async def UpdateProfile(
        self, request: pb.UpdateProfileRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateProfileResponse:
        """Name, phone or language: the person themselves, or a manager."""
        caller = current_caller()
        require_self_or_staff(caller, request.user_id)
        edit = decisions.ProfileEdit(
            full_name=request.full_name if request.HasField("full_name") else None,
            phone=request.phone if request.HasField("phone") else None,
            language=request.language if request.HasField("language") else None,
        )
        person = await self._modify(request.user_id, partial(decisions.edit_profile, edit=edit))
        return pb.UpdateProfileResponse(user=mapping.to_user(person))

    async def SetRoles(
        self, request: pb.SetRolesRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetRolesResponse:
        """Replace a person's roles (admins)."""
        roles = mapping.role_keys(request.roles)
        decide = partial(
            decisions.set_roles, roles=roles, reason=request.reason, caller=current_caller()
        )
        person = await self._modify(request.user_id, decide)
        return pb.SetRolesResponse(user=mapping.to_user(person))

    async def SetActiveRole(
        self, request: pb.SetActiveRoleRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetActiveRoleResponse:
        """Act in another role the caller holds."""
        role = mapping.ROLE.key(request.role)
        me = person_id(current_caller())
        person = await self._modify(me, partial(decisions.set_active_role, role=role))
        return pb.SetActiveRoleResponse(user=mapping.to_user(person))

    async def SetSpecializations(
        self, request: pb.SetSpecializationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetSpecializationsResponse:
        """Replace an executor's skills (managers)."""
        skills = mapping.specialization_keys(request.specializations)
        decide = partial(
            decisions.set_specializations, specializations=skills, caller=current_caller()
        )
        person = await self._modify(request.user_id, decide)
        return pb.SetSpecializationsResponse(user=mapping.to_user(person))

    async def ApproveUser(
        self, request: pb.ApproveUserRequest, context: grpc.aio.ServicerContext
    ) -> pb.ApproveUserResponse:
        """Approve a pending account (managers)."""
        person = await self._status(request.user_id, "approve", "")
        return pb.ApproveUserResponse(user=mapping.to_user(person))

    async def BlockUser(
        self, request: pb.BlockUserRequest, context: grpc.aio.ServicerContext
    ) -> pb.BlockUserResponse:
        """Block an account, with a reason (managers)."""
        person = await self._status(request.user_id, "block", request.reason)
        return pb.BlockUserResponse(user=mapping.to_user(person))

    async def UnblockUser(
        self, request: pb.UnblockUserRequest, context: grpc.aio.ServicerContext
    ) -> pb.UnblockUserResponse:
        """Lift a block, with a reason (managers)."""
        person = await self._status(request.user_id, "unblock", request.reason)
        return pb.UnblockUserResponse(user=mapping.to_user(person))

    async def _status(self, user_id: str, action: str, reason: str) -> Person:
        decide = partial(
            decisions.decide_status, action=action, reason=reason, caller=current_caller()
        )
        return await self._modify(user_id, decide)

    async def _modify(self, user_id: str, decide: Callable[[Person], decisions.Change]) -> Person:
        return await self.people.modify(
            user_id, decide, actor=actor_of(current_caller()), now=self.clock()
        )

    # --- invites ----------------------------------------------------------------------------

    async def CreateInvite(
        self, request: pb.CreateInviteRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateInviteResponse:
        """A single-use, signed, expiring invite for a role (managers; admins for staff
        managers)."""
        caller = current_caller()
        now = self.clock()
        invite = invites.new_invite(
            role=mapping.ROLE.key(request.role),
            specialisations=mapping.specialization_keys(request.specializations),
            lifetime=_VALIDITY[mapping.VALIDITY.key(request.validity)],
            issuer_id=person_id(caller),
            issuer_roles=caller.roles if caller.status == "approved" else (),
            now=now,
        )
        await self.invites.issue(invite, now=now)
        return pb.CreateInviteResponse(
            invite_id=str(invite.id),
            token=invites.sign(invite, self.invite_keys[0]),
            expires_at=mapping.stamp(invite.expires_at),
        )

    async def RedeemInvite(
        self, request: pb.RedeemInviteRequest, context: grpc.aio.ServicerContext
    ) -> pb.RedeemInviteResponse:
        """Take the invite's role; the account waits for a manager's approval."""
        me = person_id(current_caller())
        token = invites.parse_token(invites.token_from_start_parameter(request.token))
        person = await self.invites.redeem(token, me, keys=self.invite_keys, now=self.clock())
        return pb.RedeemInviteResponse(user=mapping.to_user(person))

    # --- data rights ------------------------------------------------------------------------

    async def ExportUserData(
        self, request: pb.ExportUserDataRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExportUserDataResponse:
        """Everything held about a person (the person, or an admin)."""
        require_self_or_admin(current_caller(), request.user_id)
        person, records = await self.rights.export(request.user_id)
        struct = struct_pb2.Struct()
        struct.update(records)
        return pb.ExportUserDataResponse(
            user=mapping.to_user(person), records=struct, exported_at=mapping.stamp(self.clock())
        )

    async def DeleteUser(
        self, request: pb.DeleteUserRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteUserResponse:
        """Erase a person's data by anonymisation (the person, or an admin); repeatable."""
        caller = current_caller()
        require_self_or_admin(caller, request.user_id)
        await self.rights.anonymize(request.user_id, actor=actor_of(caller), now=self.clock())
        return pb.DeleteUserResponse()
