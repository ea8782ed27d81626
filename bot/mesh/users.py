"""`ukm.users.v1.UserService` as the bot uses it, acting for the person."""

from __future__ import annotations

from collections.abc import Sequence

from ukm.common.v1 import specialization_pb2
from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as pb

from bot.mesh.acting import Acting
from bot.mesh.directory import Page
from bot.person import ROLE
from services.kit.enums import EnumKeys

__all__ = ["ACCOUNT_STATUS", "INVITE_VALIDITY", "SPECIALIZATION", "VERIFICATION_STATUS", "Users"]

_SERVICE = "/ukm.users.v1.UserService/"
ACCOUNT_STATUS = EnumKeys(user_pb2.AccountStatus.DESCRIPTOR)
VERIFICATION_STATUS = EnumKeys(user_pb2.VerificationStatus.DESCRIPTOR)
# Canonical order (DOMAIN.md): electrician … repair, then `universal`.
SPECIALIZATION = EnumKeys(specialization_pb2.Specialization.DESCRIPTOR)
INVITE_VALIDITY = EnumKeys(pb.InviteValidity.DESCRIPTOR)


class Users:
    """The person's own profile, role and invites."""

    def __init__(self, acting: Acting) -> None:
        self.acting = acting

    async def me(self) -> user_pb2.User:
        """The person's profile as it is now."""
        answer = await self.acting.unary(_SERVICE + "GetMe", pb.GetMeRequest(), pb.GetMeResponse)
        return answer.user

    async def update_profile(
        self,
        user_id: str,
        *,
        full_name: str | None = None,
        phone: str | None = None,
        language: str | None = None,
    ) -> user_pb2.User:
        """Change name, phone (E.164 or any Uzbek notation) or language; unset ones stay."""
        request = pb.UpdateProfileRequest(user_id=user_id)
        if full_name is not None:
            request.full_name = full_name
        if phone is not None:
            request.phone = phone
        if language is not None:
            request.language = language
        answer = await self.acting.unary(
            _SERVICE + "UpdateProfile", request, pb.UpdateProfileResponse
        )
        return answer.user

    async def set_active_role(self, role: str) -> user_pb2.User:
        """Switch the menu to another role the person holds (`applicant`, `executor`…)."""
        answer = await self.acting.unary(
            _SERVICE + "SetActiveRole",
            pb.SetActiveRoleRequest(role=ROLE.number(role)),  # type: ignore[arg-type]
            pb.SetActiveRoleResponse,
        )
        return answer.user

    async def redeem_invite(self, token: str) -> user_pb2.User:
        """Take a staff invite's role; the account then waits for a manager."""
        answer = await self.acting.unary(
            _SERVICE + "RedeemInvite", pb.RedeemInviteRequest(token=token), pb.RedeemInviteResponse
        )
        return answer.user

    # --- managers: other people (GetUser also answers a person about themselves) -------------

    async def get(self, user_id: str) -> user_pb2.User:
        """One person (staff may read anyone)."""
        answer = await self.acting.unary(
            _SERVICE + "GetUser", pb.GetUserRequest(user_id=user_id), pb.GetUserResponse
        )
        return answer.user

    async def list(
        self,
        *,
        status: str = "",
        role: str = "",
        query: str = "",
        page_token: str = "",
        page_size: int = 20,
    ) -> Page[user_pb2.User]:
        """People, newest first, by account status (`pending`…), role, and a name part or a
        phone number (managers)."""
        request = pb.ListUsersRequest(page_size=page_size, page_token=page_token, query=query)
        if status:
            request.status = ACCOUNT_STATUS.number(status)  # type: ignore[assignment]
        if role:
            request.role = ROLE.number(role)  # type: ignore[assignment]
        answer = await self.acting.unary(_SERVICE + "ListUsers", request, pb.ListUsersResponse)
        return Page(list(answer.users), answer.next_page_token)

    async def approve(self, user_id: str) -> user_pb2.User:
        """Approve a pending account (managers; admins for managers' accounts)."""
        answer = await self.acting.unary(
            _SERVICE + "ApproveUser", pb.ApproveUserRequest(user_id=user_id), pb.ApproveUserResponse
        )
        return answer.user

    async def block(self, user_id: str, *, reason: str) -> user_pb2.User:
        """Block an account with a reason (3–500 characters; the person is told)."""
        answer = await self.acting.unary(
            _SERVICE + "BlockUser",
            pb.BlockUserRequest(user_id=user_id, reason=reason),
            pb.BlockUserResponse,
        )
        return answer.user

    async def create_invite(
        self, role: str, *, validity: str, specializations: Sequence[str] = ()
    ) -> pb.CreateInviteResponse:
        """A single-use staff invite: `role` (`executor`…), `validity` (`one_hour`, `one_day`,
        `seven_days`), specialisations for executors (keys of `SPECIALIZATION`)."""
        return await self.acting.unary(
            _SERVICE + "CreateInvite",
            pb.CreateInviteRequest(
                role=ROLE.number(role),  # type: ignore[arg-type]
                validity=INVITE_VALIDITY.number(validity),  # type: ignore[arg-type]
                specializations=[SPECIALIZATION.number(s) for s in specializations],  # type: ignore[misc]
            ),
            pb.CreateInviteResponse,
        )
