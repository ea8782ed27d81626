"""`ukm.requests.v1.RequestService` as the bot uses it, acting for the person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ukm.common.v1 import media_pb2, specialization_pb2
from ukm.requests.v1 import request_pb2, workflow_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from bot.mesh.acting import Acting
from services.kit.enums import EnumKeys

__all__ = ["CATEGORY", "STATUS", "URGENCY", "AddressRef", "Page", "Requests"]

_SERVICE = "/ukm.requests.v1.RequestService/"
CATEGORY = EnumKeys(request_pb2.Category.DESCRIPTOR)
URGENCY = EnumKeys(request_pb2.Urgency.DESCRIPTOR)
STATUS = EnumKeys(request_pb2.RequestStatus.DESCRIPTOR)
_LEVEL = EnumKeys(request_pb2.AddressLevel.DESCRIPTOR)
_SOURCE = EnumKeys(request_pb2.Source.DESCRIPTOR)
_ACCEPTANCE = EnumKeys(request_pb2.AcceptanceMode.DESCRIPTOR)
_VIEW = EnumKeys(pb.RequestView.DESCRIPTOR)
_SPECIALIZATION = EnumKeys(specialization_pb2.Specialization.DESCRIPTOR)


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
        source: str = "bot",
        acceptance_mode: str = "resident",
    ) -> request_pb2.Request:
        """File a request from the bot (`source`: `bot`, or `inspector` for an inspector's
        building request; `acceptance_mode`: `resident`, or `manager` for what staff report,
        where the manager's confirmation is final); the same `idempotency_key` never files
        twice."""
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
            source=_SOURCE.number(source),  # type: ignore[arg-type]
            acceptance_mode=_ACCEPTANCE.number(acceptance_mode),  # type: ignore[arg-type]
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

    async def listing(
        self,
        *,
        statuses: Sequence[str] = (),
        view: str = "mine",
        page_token: str = "",
        page_size: int = 5,
        executor_id: str = "",
    ) -> Page:
        """Requests in `statuses` (keys: `new`, `confirmed`…), newest first: the person's own
        (`view="mine"`), or everything they may see (`view="all"`: a resident also sees the
        requests of their flats that wait for acceptance); `view="pool"`: the pool requests an
        executor's active shift covers; `executor_id`: only those assigned to that person."""
        answer = await self.acting.unary(
            _SERVICE + "ListRequests",
            pb.ListRequestsRequest(
                page_size=page_size,
                page_token=page_token,
                statuses=[STATUS.number(s) for s in statuses],  # type: ignore[misc]
                view=_VIEW.by_key.get(view, pb.REQUEST_VIEW_UNSPECIFIED),  # type: ignore[arg-type]
                executor_id=executor_id,
            ),
            pb.ListRequestsResponse,
        )
        return Page(list(answer.requests), answer.next_page_token)

    async def history(self, number: str) -> list[workflow_pb2.HistoryEntry]:
        """Every step of the request's life, oldest first."""
        answer = await self.acting.unary(
            _SERVICE + "ListHistory",
            pb.ListHistoryRequest(request_number=number),
            pb.ListHistoryResponse,
        )
        return list(answer.entries)

    async def cancel(
        self, number: str, *, reason: str, expected_version: int = 0
    ) -> request_pb2.Request:
        """Cancel the request (the applicant while it is NEW), with a reason."""
        answer = await self.acting.unary(
            _SERVICE + "CancelRequest",
            pb.CancelRequestRequest(
                request_number=number, reason=reason, expected_version=expected_version
            ),
            pb.CancelRequestResponse,
        )
        return answer.request

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

    async def purchase(
        self,
        number: str,
        *,
        materials: Sequence[tuple[str, str, str]],
        comment: str = "",
        expected_version: int = 0,
    ) -> request_pb2.Request:
        """The assigned executor puts the request on hold for materials: (name, quantity as
        decimal text, unit) lines (EXECUTOR_PURCHASE)."""
        answer = await self.acting.unary(
            _SERVICE + "PurchaseMaterials",
            pb.PurchaseMaterialsRequest(
                request_number=number,
                materials=[
                    request_pb2.MaterialItem(name=name, quantity=quantity, unit=unit)
                    for name, quantity, unit in materials
                ],
                comment=comment,
                expected_version=expected_version,
            ),
            pb.PurchaseMaterialsResponse,
        )
        return answer.request

    async def resume(self, number: str, *, expected_version: int = 0) -> request_pb2.Request:
        """The assigned executor goes back to work after a purchase or a clarification
        (EXECUTOR_RESUME)."""
        answer = await self.acting.unary(
            _SERVICE + "ResumeRequest",
            pb.ResumeRequestRequest(request_number=number, expected_version=expected_version),
            pb.ResumeRequestResponse,
        )
        return answer.request

    async def complete(
        self,
        number: str,
        *,
        report: str,
        media: Sequence[media_pb2.MediaRef] = (),
        expected_version: int = 0,
    ) -> request_pb2.Request:
        """The assigned executor reports the work done, with photos or videos or none
        (EXECUTOR_COMPLETE)."""
        answer = await self.acting.unary(
            _SERVICE + "CompleteRequest",
            pb.CompleteRequestRequest(
                request_number=number,
                report=report,
                media=list(media),
                expected_version=expected_version,
            ),
            pb.CompleteRequestResponse,
        )
        return answer.request

    async def claim(self, number: str, *, expected_version: int = 0) -> request_pb2.Request:
        """An executor on shift takes a pool request."""
        answer = await self.acting.unary(
            _SERVICE + "ClaimRequest",
            pb.ClaimRequestRequest(request_number=number, expected_version=expected_version),
            pb.ClaimRequestResponse,
        )
        return answer.request

    # --- managers: boards and the dispatcher's actions -----------------------------------------

    async def count(self, *, statuses: Sequence[str] = (), executor_id: str = "") -> dict[str, int]:
        """How many requests the person may see are in each of `statuses` (keys: `new`…;
        every status when none is named), optionally only those of one executor."""
        answer = await self.acting.unary(
            _SERVICE + "CountRequests",
            pb.CountRequestsRequest(
                filter=pb.ListRequestsRequest(
                    statuses=[STATUS.number(s) for s in statuses],  # type: ignore[misc]
                    executor_id=executor_id,
                )
            ),
            pb.CountRequestsResponse,
        )
        counts = {key: 0 for key in statuses}
        by_name = request_pb2.RequestStatus.DESCRIPTOR.values_by_name
        for name, count in answer.by_status.items():
            value = by_name.get(name)
            key = STATUS.by_number.get(value.number, "") if value is not None else ""
            if key and (not statuses or key in counts):
                counts[key] = int(count)
        return counts

    async def assign(
        self, number: str, *, executor_id: str = "", pool: str = "", expected_version: int = 0
    ) -> request_pb2.Request:
        """A manager assigns an executor (MANAGER_ASSIGN, also reassignment) or addresses the
        request to a specialisation pool (`pool`: `plumber`…; ASSIGN_GROUP)."""
        request = pb.AssignRequestRequest(
            request_number=number, executor_id=executor_id, expected_version=expected_version
        )
        if pool:
            request.specialization = _SPECIALIZATION.number(pool)  # type: ignore[assignment]
        answer = await self.acting.unary(
            _SERVICE + "AssignRequest", request, pb.AssignRequestResponse
        )
        return answer.request

    async def clarify(
        self, number: str, *, question: str, expected_version: int = 0
    ) -> request_pb2.Request:
        """A manager asks the applicant a question (CLARIFY)."""
        answer = await self.acting.unary(
            _SERVICE + "ClarifyRequest",
            pb.ClarifyRequestRequest(
                request_number=number, question=question, expected_version=expected_version
            ),
            pb.ClarifyRequestResponse,
        )
        return answer.request

    async def confirm(
        self, number: str, *, notes: str = "", expected_version: int = 0
    ) -> request_pb2.Request:
        """A manager confirms completed work (MANAGER_CONFIRM)."""
        answer = await self.acting.unary(
            _SERVICE + "ConfirmRequest",
            pb.ConfirmRequestRequest(
                request_number=number, notes=notes, expected_version=expected_version
            ),
            pb.ConfirmRequestResponse,
        )
        return answer.request

    async def accept_on_behalf(
        self, number: str, *, comment: str, expected_version: int = 0
    ) -> request_pb2.Request:
        """A manager accepts on the resident's behalf, without a rating (MANAGER_FORCE_ACCEPT;
        the comment needs at least 10 characters)."""
        answer = await self.acting.unary(
            _SERVICE + "AcceptRequest",
            pb.AcceptRequestRequest(
                request_number=number, comment=comment, expected_version=expected_version
            ),
            pb.AcceptRequestResponse,
        )
        return answer.request
