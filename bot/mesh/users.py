"""`ukm.users.v1.UserService` as the bot uses it, acting for the person."""

from __future__ import annotations

from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as pb

from bot.mesh.acting import Acting
from bot.person import ROLE

__all__ = ["Users"]

_SERVICE = "/ukm.users.v1.UserService/"


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
