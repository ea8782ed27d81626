"""The rest of the mesh as the notifications service needs it: how to reach people (users), who
holds a role (users), who is on duty for a pool (shifts) and what an address is called (users'
directory). Answers that change slowly are reused for a short while (`TtlCache`), so a burst of
events costs a handful of calls, not one per message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import grpc
from ukm.shifts.v1 import shifts_service_pb2 as shifts_pb
from ukm.shifts.v1 import shifts_service_pb2_grpc as shifts_rpc
from ukm.users.v1 import directory_service_pb2 as directory_pb
from ukm.users.v1 import directory_service_pb2_grpc as directory_rpc
from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as users_pb
from ukm.users.v1 import users_service_pb2_grpc as users_rpc

from services.kit.channels import MeshChannels
from services.kit.enums import EnumKeys
from services.notifications.routing_data import SPECIALIZATION
from services.notifications.routing_model import AddressRef

log = logging.getLogger(__name__)

ROLE = EnumKeys(user_pb2.Role.DESCRIPTOR)
STATUS = EnumKeys(user_pb2.AccountStatus.DESCRIPTOR)
# Reads only: safe to retry when a service is briefly unavailable.
RETRYABLE = (
    "/ukm.users.v1.UserService/GetContacts",
    "/ukm.users.v1.DirectoryService/LabelAddresses",
    "/ukm.shifts.v1.ShiftService/ListActiveShifts",
)
_RETRY_LATER = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
# Who reads internal comments: the company's people (as the requests service decides).
_STAFF_ROLES = frozenset({"manager", "admin", "executor"})


@dataclass(frozen=True)
class Contact:
    """How to reach one person, and what the routing needs to know of them."""

    user_id: str
    language: str = ""
    telegram_chat: str = ""
    email: str = ""
    phone: str = ""
    roles: frozenset[str] = frozenset()
    status: str = ""

    @property
    def is_staff(self) -> bool:
        """Whether the person reads staff-only messages (internal comments)."""
        return bool(self.roles & _STAFF_ROLES)

    @property
    def blocked(self) -> bool:
        """A blocked person hears nothing (DOMAIN: a polite refusal and nothing else)."""
        return self.status == "blocked"


class People(Protocol):
    """Where recipients come from."""

    async def contacts(self, user_ids: Collection[str]) -> dict[str, Contact]:
        """Contacts of the people that exist among `user_ids`."""
        ...

    async def holders(self, role: str) -> list[str]:
        """Ids of the approved people holding `role` (manager includes admins)."""
        ...

    async def on_duty(self, specialization: str) -> list[str]:
        """Ids of executors on an active shift covering `specialization`."""
        ...

    async def label(self, address: AddressRef) -> str:
        """The human label of a place ("" when it cannot be told)."""
        ...


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Values kept for `ttl` seconds (0: not kept)."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._items: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        """The value of `key` if it is fresh."""
        item = self._items.get(key)
        if item is None or item[0] < self._clock():
            return None
        return item[1]

    def put(self, key: K, value: V) -> None:
        """Keep `value` for `key` for `ttl` seconds."""
        if self.ttl <= 0:
            return
        if len(self._items) > 10_000:  # bounded: drop what has expired
            now = self._clock()
            self._items = {k: v for k, v in self._items.items() if v[0] >= now}
        self._items[key] = (self._clock() + self.ttl, value)


def contact_of(proto: users_pb.Contact) -> Contact:
    """The domain form of a users `Contact` (unknown enum values are dropped)."""
    return Contact(
        user_id=proto.user_id,
        language=proto.language,
        telegram_chat=str(proto.telegram_user_id) if proto.telegram_user_id else "",
        email=proto.email,
        phone=proto.phone,
        roles=frozenset(ROLE.key(r) for r in proto.roles if r in ROLE.by_number),
        status=STATUS.key(proto.status) if proto.status in STATUS.by_number else "",
    )


class MeshPeople:
    """`People` through the mesh, as the notifications service, with short-lived caches."""

    def __init__(
        self,
        channels: MeshChannels,
        *,
        contacts_ttl: float = 30.0,
        holders_ttl: float = 10.0,
        labels_ttl: float = 600.0,
    ) -> None:
        self.channels = channels
        self._contacts: TtlCache[str, Contact] = TtlCache(contacts_ttl)
        self._holders: TtlCache[str, list[str]] = TtlCache(holders_ttl)
        self._labels: TtlCache[AddressRef, str] = TtlCache(labels_ttl)

    async def contacts(self, user_ids: Collection[str]) -> dict[str, Contact]:
        """See `People.contacts`."""
        found: dict[str, Contact] = {}
        missing = []
        for user_id in dict.fromkeys(user_ids):
            cached = self._contacts.get(user_id)
            if cached is None:
                missing.append(user_id)
            else:
                found[user_id] = cached
        if missing:
            stub = users_rpc.UserServiceStub(self.channels.get())
            answer = await stub.GetContacts(users_pb.GetContactsRequest(user_ids=missing))
            for proto in answer.contacts:
                contact = contact_of(proto)
                self._contacts.put(contact.user_id, contact)
                found[contact.user_id] = contact
        return found

    async def holders(self, role: str) -> list[str]:
        """See `People.holders`."""
        cached = self._holders.get(role)
        if cached is not None:
            return cached
        stub = users_rpc.UserServiceStub(self.channels.get())
        wanted = users_pb.GetContactsRequest(roles=[ROLE.number(role)])  # type: ignore[list-item]
        answer = await stub.GetContacts(wanted)
        ids = []
        for proto in answer.contacts:
            contact = contact_of(proto)
            self._contacts.put(contact.user_id, contact)
            ids.append(contact.user_id)
        self._holders.put(role, ids)
        return ids

    async def on_duty(self, specialization: str) -> list[str]:
        """See `People.on_duty` (never cached: who is on shift matters at this moment)."""
        stub = shifts_rpc.ShiftServiceStub(self.channels.get())
        number = SPECIALIZATION.number(specialization)
        wanted = shifts_pb.ListActiveShiftsRequest(specialization=number)  # type: ignore[arg-type]
        answer = await stub.ListActiveShifts(wanted)
        return list(dict.fromkeys(s.executor_id for s in answer.shifts if s.executor_id))

    async def label(self, address: AddressRef) -> str:
        """See `People.label`; a directory that cannot answer leaves the line out."""
        cached = self._labels.get(address)
        if cached is not None:
            return cached
        stub = directory_rpc.DirectoryServiceStub(self.channels.get())
        place = directory_pb.PlaceRef(
            yard_id=address.yard_id,
            building_id=address.building_id,
            apartment_id=address.apartment_id,
        )
        try:
            answer = await stub.LabelAddresses(directory_pb.LabelAddressesRequest(places=[place]))
        except grpc.aio.AioRpcError as error:
            if error.code() in _RETRY_LATER:
                raise  # the directory is away: the event waits and comes back
            # A place the directory refuses to label (ids that contradict each other): the
            # message goes out without its address line rather than not at all.
            log.warning("cannot label an address: %s", error.code().name)
            return ""
        label = answer.places[0].label if answer.places else ""
        self._labels.put(address, label)
        return label
