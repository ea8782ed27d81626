"""`ukm.requests.v1.RequestService` as the bot uses it, acting for the person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ukm.common.v1 import media_pb2
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from bot.mesh.acting import Acting
from services.kit.enums import EnumKeys

__all__ = ["CATEGORY", "STATUS", "URGENCY", "AddressRef", "Page", "Requests"]

_SERVICE = "/ukm.requests.v1.RequestService/"
CATEGORY = EnumKeys(request_pb2.Category.DESCRIPTOR)
URGENCY = EnumKeys(request_pb2.Urgency.DESCRIPTOR)
STATUS = EnumKeys(request_pb2.RequestStatus.DESCRIPTOR)
_LEVEL = EnumKeys(request_pb2.AddressLevel.DESCRIPTOR)


@dataclass(frozen=True)
class AddressRef:
    """A place from `ResolveAddresses` (lower levels carry their parents)."""

    yard_id: str
    building_id: str = ""
    apartment_id: str = ""

    @property
    def level(self) -> str:
        """`apartment`, `building` or `yard`."""
        if self.apartment_id:
            return "apartment"
        return "building" if self.building_id else "yard"


@dataclass(frozen=True)
class Page:
    """One page of requests and the token of the next ("" on the last page)."""

    items: list[request_pb2.Request]
    next_token: str


class Requests:
    """Filing, reading and the person's own workflow steps."""

    def __init__(self, acting: Acting) -> None:
        self.acting = acting

    async def create(
        self,
        *,
        category: str,
        description: str,
        urgency: str,
        address: AddressRef,
        media: Sequence[media_pb2.MediaRef] = (),
        idempotency_key: str = "",
    ) -> request_pb2.Request:
        """File a request from the bot; the same `idempotency_key` never files twice."""
        request = pb.CreateRequestRequest(
            category=CATEGORY.number(category),  # type: ignore[arg-type]
            description=description,
            urgency=URGENCY.number(urgency),  # type: ignore[arg-type]
            address=pb.AddressInput(
                level=_LEVEL.number(address.level),  # type: ignore[arg-type]
                yard_id=address.yard_id,
                building_id=address.building_id,
                apartment_id=address.apartment_id,
            ),
            source=request_pb2.SOURCE_BOT,
            media=list(media),
            idempotency_key=idempotency_key,
        )
        answer = await self.acting.unary(
            _SERVICE + "CreateRequest", request, pb.CreateRequestResponse
        )
        return answer.request

    async def get(self, number: str) -> request_pb2.Request:
        """One request, if the person may see it (`Missing` otherwise)."""
        answer = await self.acting.unary(
            _SERVICE + "GetRequest",
            pb.GetRequestRequest(request_number=number),
            pb.GetRequestResponse,
        )
        return answer.request

    async def mine(self, *, page_token: str = "", page_size: int = 5) -> Page:
        """The person's own requests (filed by or assigned to them), newest first."""
        answer = await self.acting.unary(
            _SERVICE + "ListRequests",
            pb.ListRequestsRequest(
                page_size=page_size, page_token=page_token, view=pb.REQUEST_VIEW_MINE
            ),
            pb.ListRequestsResponse,
        )
        return Page(list(answer.requests), answer.next_page_token)

    async def accept(
        self, number: str, *, rating: int, review: str = "", expected_version: int = 0
    ) -> request_pb2.Request:
        """The applicant accepts confirmed work with 1–5 stars."""
        answer = await self.acting.unary(
            _SERVICE + "AcceptRequest",
            pb.AcceptRequestRequest(
                request_number=number,
                rating=rating,
                review=review,
                expected_version=expected_version,
            ),
            pb.AcceptRequestResponse,
        )
        return answer.request

    async def return_work(
        self,
        number: str,
        *,
        reason: str,
        media: Sequence[media_pb2.MediaRef] = (),
        expected_version: int = 0,
    ) -> request_pb2.Request:
        """The applicant sends confirmed work back, with a reason."""
        answer = await self.acting.unary(
            _SERVICE + "ReturnRequest",
            pb.ReturnRequestRequest(
                request_number=number,
                reason=reason,
                media=list(media),
                expected_version=expected_version,
            ),
            pb.ReturnRequestResponse,
        )
        return answer.request

    async def answer_clarification(
        self, number: str, *, answer: str, expected_version: int = 0
    ) -> request_pb2.Request:
        """The applicant answers a manager's question."""
        reply = await self.acting.unary(
            _SERVICE + "AnswerClarification",
            pb.AnswerClarificationRequest(
                request_number=number, answer=answer, expected_version=expected_version
            ),
            pb.AnswerClarificationResponse,
        )
        return reply.request

    async def claim(self, number: str, *, expected_version: int = 0) -> request_pb2.Request:
        """An executor on shift takes a pool request."""
        answer = await self.acting.unary(
            _SERVICE + "ClaimRequest",
            pb.ClaimRequestRequest(request_number=number, expected_version=expected_version),
            pb.ClaimRequestResponse,
        )
        return answer.request
