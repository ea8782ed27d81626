"""Comments: adding one (with its event, in one transaction) and reading them page by page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from ukm.requests.v1 import workflow_pb2

from services.kit.db import session_factory, transaction
from services.kit.errors import NotFound
from services.requests import events, models
from services.requests.comments import NewComment
from services.requests.lifecycle_writes import add_comment, publish
from services.requests.mapping import to_proto

Row = sa.RowMapping
# The comment to add, decided on the request as it stands (or the refusal, raised).
CheckComment = Callable[[Row], NewComment]


class CommentStore:
    """All SQL of comments."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = session_factory(engine)
        self.reader = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def add(
        self, number: str, check: CheckComment, *, author_id: str | None, now: datetime
    ) -> workflow_pb2.Comment:
        """Add the comment `check` allows and enqueue `RequestCommented`.

        The request row is share-locked: a comment never lands on a request that is being
        closed at the same moment (closing waits, or the comment sees it closed).
        """
        table = models.requests
        async with transaction(self.sessions) as session:
            request = (
                (
                    await session.execute(
                        sa.select(table).where(table.c.number == number).with_for_update(read=True)
                    )
                )
                .mappings()
                .first()
            )
            if request is None:
                raise NotFound("request", number)
            comment = check(request)
            stored = await add_comment(
                session,
                number=number,
                author_id=author_id,
                kind=comment.kind,
                text=comment.text,
                internal=comment.internal,
                media=comment.media,
                at=now,
            )
            await publish(session, events.request_commented(to_proto(request), stored), number)
            return stored

    async def page(
        self, number: str, *, internal: bool, limit: int, after: int | None
    ) -> list[Row]:
        """Comments of a request in the order they were written; without internal ones unless
        `internal`. `after` is the `seq` of the previous page's last comment."""
        table = models.comments
        conditions: list[sa.ColumnElement[bool]] = [table.c.request_number == number]
        if not internal:
            conditions.append(sa.not_(table.c.internal))
        if after is not None:
            conditions.append(table.c.seq > after)
        query = sa.select(table).where(*conditions).order_by(table.c.seq).limit(limit)
        async with self.reader.connect() as connection:
            return list((await connection.execute(query)).mappings().all())
