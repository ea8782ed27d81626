"""The mesh as the bot sees it: typed façades over the services, acting for one person.

    mesh = Mesh(rpc, sessions)
    services = mesh.acting_for(TelegramUser(id=…))
    await services.directory.yards()
    await services.requests.create(...)

Every call goes through Envoy's mesh listener with the bot's certificate and the person's
token, with a deadline; failures arrive as `bot.mesh.errors` exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.mesh.acting import Acting
from bot.mesh.calls import IDENTITY, Rpc, retryable_methods
from bot.mesh.directory import Directory, Page
from bot.mesh.errors import (
    Blocked,
    MeshError,
    MeshFailure,
    Missing,
    NotAllowed,
    Refused,
    ServiceBusy,
    SignedOut,
    Violation,
)
from bot.mesh.notifications import Notifications
from bot.mesh.requests import AddressRef, Requests
from bot.mesh.sessions import Sessions, TelegramUser, Token
from bot.mesh.shifts import Shifts
from bot.mesh.users import Users
from bot.mesh.verification import Verification

__all__ = [
    "IDENTITY",
    "Acting",
    "AddressRef",
    "Blocked",
    "Directory",
    "Mesh",
    "MeshError",
    "MeshFailure",
    "Missing",
    "NotAllowed",
    "Notifications",
    "Page",
    "PersonServices",
    "Refused",
    "Requests",
    "Rpc",
    "ServiceBusy",
    "Sessions",
    "Shifts",
    "SignedOut",
    "TelegramUser",
    "Token",
    "Users",
    "Verification",
    "Violation",
    "retryable_methods",
]


@dataclass(frozen=True)
class PersonServices:
    """Every service façade, acting for one person."""

    acting: Acting
    users: Users
    directory: Directory
    requests: Requests
    shifts: Shifts
    verification: Verification
    notifications: Notifications


class Mesh:
    """Builds `PersonServices` for whoever an update comes from."""

    def __init__(self, rpc: Rpc, sessions: Sessions) -> None:
        self.rpc = rpc
        self.sessions = sessions

    def acting_for(self, who: TelegramUser) -> PersonServices:
        """The services as `who` (their token fetched lazily, on the first call)."""
        acting = Acting(self.rpc, self.sessions, who)
        return PersonServices(
            acting=acting,
            users=Users(acting),
            directory=Directory(acting),
            requests=Requests(acting),
            shifts=Shifts(acting),
            verification=Verification(acting),
            notifications=Notifications(acting),
        )
