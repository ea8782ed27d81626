"""The workflow's RPCs of `RequestService`: `Transition`, its verb shorthands, managers' edits
and the history. Protos in, `Lifecycle` / store calls, protos out (part of `api.RequestApi`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import grpc
import sqlalchemy as sa
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from services.kit.context import current_caller
from services.kit.errors import PermissionDenied
from services.requests import comments, history, mapping
from services.requests import lifecycle_verbs as verbs
from services.requests.lifecycle import Lifecycle, VisibilityCheck
from services.requests.lifecycle_dispatch import follow_category
from services.requests.lifecycle_edit import plan_edit
from services.requests.lifecycle_store import LifecycleStore
from services.requests.queries import RequestQueries
from services.requests.sla_proto import request_with_sla
from services.requests.store import RequestStore
from services.requests.workflow import Action, Outcome, Payload, RequestState

Row = sa.RowMapping


class LifecycleRpcs:
    """Workflow steps, edits and history (a mixin of `api.RequestApi`, which sets these)."""

    store: RequestStore
    lifecycle: Lifecycle
    lifecycle_store: LifecycleStore
    visibility: VisibilityCheck
    clock: Callable[[], datetime]
    queries: RequestQueries

    async def _act(self, number: str, expected_version: int, choose: verbs.Chooser) -> Row:
        return await self.lifecycle.perform(current_caller(), number, expected_version, choose)

    async def present(self, row: Row) -> request_pb2.Request:
        """The request in `row` as the contract shows it, its SLA states included."""
        number = row["number"]
        clocks = await self.queries.clocks([number])
        return request_with_sla(row, clocks.get(number), self.clock())

    async def Transition(
        self, request: pb.TransitionRequest, context: grpc.aio.ServicerContext
    ) -> pb.TransitionResponse:
        """Any workflow action by name."""
        row = await self._act(
            request.request_number, request.expected_version, verbs.transition(request)
        )
        return pb.TransitionResponse(request=await self.present(row))

    async def AssignRequest(
        self, request: pb.AssignRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.AssignRequestResponse:
        """MANAGER_ASSIGN (an executor) or ASSIGN_GROUP (a pool)."""
        row = await self._act(
            request.request_number, request.expected_version, verbs.assign(request)
        )
        return pb.AssignRequestResponse(request=await self.present(row))

    async def ClaimRequest(
        self, request: pb.ClaimRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.ClaimRequestResponse:
        """EXECUTOR_CLAIM."""
        choose = verbs.fixed(Action.EXECUTOR_CLAIM)
        row = await self._act(request.request_number, request.expected_version, choose)
        return pb.ClaimRequestResponse(request=await self.present(row))

    async def PurchaseMaterials(
        self, request: pb.PurchaseMaterialsRequest, context: grpc.aio.ServicerContext
    ) -> pb.PurchaseMaterialsResponse:
        """EXECUTOR_PURCHASE (the assigned executor) or MANAGER_PURCHASE."""
        choose = verbs.purchase(request, current_caller())
        row = await self._act(request.request_number, request.expected_version, choose)
        return pb.PurchaseMaterialsResponse(request=await self.present(row))

    async def FinishPurchase(
        self, request: pb.FinishPurchaseRequest, context: grpc.aio.ServicerContext
    ) -> pb.FinishPurchaseResponse:
        """PURCHASE_DONE."""
        choose = verbs.fixed(Action.PURCHASE_DONE, Payload(comment=request.comment))
        row = await self._act(request.request_number, request.expected_version, choose)
        return pb.FinishPurchaseResponse(request=await self.present(row))

    async def ClarifyRequest(
        self, request: pb.ClarifyRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.ClarifyRequestResponse:
        """CLARIFY."""
        choose = verbs.fixed(Action.CLARIFY, Payload(question=request.question))
        row = await self._act(request.request_number, request.expected_version, choose)
        return pb.ClarifyRequestResponse(request=await self.present(row))

    async def AnswerClarification(
        self, request: pb.AnswerClarificationRequest, context: grpc.aio.ServicerContext
    ) -> pb.AnswerClarificationResponse:
        """CLARIFY_ANSWER."""
        payload = Payload(answer=request.answer, media=verbs.media(request.media))
        choose = verbs.fixed(Action.CLARIFY_ANSWER, payload)
        row = await self._act(request.request_number, request.expected_version, choose)
        return pb.AnswerClarificationResponse(request=await self.present(row))

    async def ResolveClarification(
        self, request: pb.ResolveClarificationRequest, context: grpc.aio.ServicerContext
    ) -> pb.ResolveClarificationResponse:
        """CLARIFY_RESOLVED."""
        choose = verbs.fixed(Action.CLARIFY_RESOLVED)
        row = await self._act(request.request_number, request.expected_version, choose)
        return pb.ResolveClarificationResponse(request=await self.present(row))

    async def ResumeRequest(
        self, request: pb.ResumeRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.ResumeRequestResponse:
        """EXECUTOR_RESUME."""
        choose = verbs.fixed(Action.EXECUTOR_RESUME)
        row = await self._act(request.request_number, request.expected_version, choose)
        return pb.ResumeRequestResponse(request=await self.present(row))

    async def CompleteRequest(
        self, request: pb.CompleteRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.CompleteRequestResponse:
        """EXECUTOR_COMPLETE (the assigned executor) or MANAGER_COMPLETE."""
        choose = verbs.complete(request, current_caller())
        row = await self._act(request.request_number, request.expected_version, choose)
        return pb.CompleteRequestResponse(request=await self.present(row))

    async def ConfirmRequest(
        self, request: pb.ConfirmRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.ConfirmRequestResponse:
        """MANAGER_CONFIRM."""
        choose = verbs.fixed(Action.MANAGER_CONFIRM, Payload(notes=request.notes))
        row = await self._act(request.request_number, request.expected_version, choose)
        return pb.ConfirmRequestResponse(request=await self.present(row))

    async def ReturnRequest(
        self, request: pb.ReturnRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReturnRequestResponse:
        """RETURN_TO_WORK (a manager) or APPLICANT_RETURN."""
        choose = verbs.return_work(request, current_caller())
        row = await self._act(request.request_number, request.expected_version, choose)
        return pb.ReturnRequestResponse(request=await self.present(row))

    async def AcceptRequest(
        self, request: pb.AcceptRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.AcceptRequestResponse:
        """APPLICANT_ACCEPT (with a rating) or MANAGER_FORCE_ACCEPT (with a comment)."""
        choose = verbs.accept(request, current_caller())
        row = await self._act(request.request_number, request.expected_version, choose)
        return pb.AcceptRequestResponse(request=await self.present(row))

    async def CancelRequest(
        self, request: pb.CancelRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelRequestResponse:
        """CANCEL."""
        choose = verbs.fixed(Action.CANCEL, Payload(reason=request.reason))
        row = await self._act(request.request_number, request.expected_version, choose)
        return pb.CancelRequestResponse(request=await self.present(row))

    async def UpdateRequest(
        self, request: pb.UpdateRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateRequestResponse:
        """A manager's edit of urgency, category or description."""
        caller = current_caller()
        if not caller.is_staff:
            raise PermissionDenied("ROLE_NOT_ALLOWED", "only a manager may edit a request")
        asked = mapping.edit_request(request)
        expected = request.expected_version or None
        now = self.clock()

        def follow(state: RequestState, before: Row) -> Outcome | None:
            return follow_category(state, previous_specialisation=before["specialisation"], now=now)

        row = await self.lifecycle_store.edit(
            request.request_number,
            lambda current: plan_edit(current, asked, expected_version=expected),
            editor=caller.user_id,
            reason=request.reason.strip() or None,
            now=now,
            follow=follow,
        )
        return pb.UpdateRequestResponse(request=await self.present(row))

    async def ListHistory(
        self, request: pb.ListHistoryRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListHistoryResponse:
        """Every step of a request the caller may see (staff-only notes for staff only)."""
        caller = current_caller()
        await self.visibility.require(caller, await self.store.get(request.request_number))
        staff = comments.reads_internal(caller)
        rows = await self.lifecycle_store.history(request.request_number)
        return pb.ListHistoryResponse(
            entries=[
                mapping.history_proto(
                    row,
                    reason=history.reason_for(staff, row["action"], row["reason"]),
                    details=history.details_for(staff, row["details"]),
                )
                for row in rows
            ]
        )
