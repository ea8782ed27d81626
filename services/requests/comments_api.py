"""The comment RPCs of `RequestService` (part of `api.RequestApi`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import grpc
from ukm.requests.v1 import requests_service_pb2 as pb

from services.kit.context import current_caller
from services.kit.errors import InvalidArgument
from services.kit.paging import decode_token, encode_token, filters_fingerprint, page_size
from services.requests import comments, lifecycle_verbs, mapping
from services.requests.comments_store import CommentStore
from services.requests.lifecycle import VisibilityCheck
from services.requests.store import RequestStore


class CommentRpcs:
    """Adding and listing comments (a mixin of `api.RequestApi`, which sets these)."""

    store: RequestStore
    comment_store: CommentStore
    visibility: VisibilityCheck
    clock: Callable[[], datetime]

    async def AddComment(
        self, request: pb.AddCommentRequest, context: grpc.aio.ServicerContext
    ) -> pb.AddCommentResponse:
        """A comment on a request the caller may see (internal ones: staff only)."""
        caller = current_caller()
        number = request.request_number
        await self.visibility.require(caller, await self.store.get(number))
        kind = mapping.COMMENT_KIND.key(request.kind) if request.kind else None
        media = lifecycle_verbs.media(request.media)
        comment = await self.comment_store.add(
            number,
            lambda current: comments.check_comment(
                caller,
                current,
                kind=kind,
                text=request.text,
                internal=request.internal,
                media=media,
            ),
            author_id=caller.user_id,
            now=self.clock(),
        )
        return pb.AddCommentResponse(comment=comment)

    async def ListComments(
        self, request: pb.ListCommentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCommentsResponse:
        """The comments the caller may read, oldest first, page by page."""
        caller = current_caller()
        number = request.request_number
        await self.visibility.require(caller, await self.store.get(number))
        fingerprint = filters_fingerprint(request)
        position = decode_token(request.page_token, fingerprint)
        limit = page_size(request.page_size)
        rows = await self.comment_store.page(
            number,
            internal=comments.reads_internal(caller),
            limit=limit + 1,
            after=_keyset(position) if position else None,
        )
        response = pb.ListCommentsResponse(
            comments=[mapping.comment_proto(row) for row in rows[:limit]]
        )
        if len(rows) > limit:
            last = rows[limit - 1]
            response.next_page_token = encode_token([last["seq"]], fingerprint)
        return response


def _keyset(position: list[object]) -> int:
    """The comment position (`seq`) inside a page token."""
    match position:
        case [int(seq)] if not isinstance(seq, bool):
            return seq
    raise InvalidArgument.field("page_token", "is not a token this service issued")
