"""Comments through the real service: who writes and reads which, paging, and their events."""

from __future__ import annotations

import grpc
from ukm.common.v1 import media_pb2
from ukm.requests.v1 import events_pb2, workflow_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from tests.requests.factories import APPLICANT
from tests.requests.lifecycle_steps import claimed_by, events_of, refused
from tests.requests.world import MANAGER, World
from tests.support.identity import Person, as_, person

OWNER = Person(APPLICANT, ("applicant",))
K = workflow_pb2
PHOTO = media_pb2.MediaRef(kind=media_pb2.MEDIA_KIND_PHOTO, media_id="m-42")


def note(number: str, text: str, **fields: object) -> pb.AddCommentRequest:
    return pb.AddCommentRequest(request_number=number, text=text, **fields)  # type: ignore[arg-type]


async def texts(world: World, number: str, who: Person) -> list[str]:
    listed = await world.requests.ListComments(
        pb.ListCommentsRequest(request_number=number), metadata=as_(who)
    )
    return [c.text for c in listed.comments]


async def test_internal_comments_are_for_staff_only(world: World) -> None:
    plumber = await world.executor("plumber")
    await world.on_shift(plumber)
    number = (await claimed_by(world, plumber)).request_number
    mine = await world.requests.AddComment(
        note(number, " Код домофона 12 ", media=[PHOTO]), metadata=as_(OWNER)
    )
    assert (mine.comment.kind, mine.comment.text, mine.comment.author_id) == (
        K.COMMENT_KIND_NOTE,
        "Код домофона 12",
        OWNER.user_id,
    )
    assert list(mine.comment.media) == [PHOTO]
    await world.requests.AddComment(
        note(number, "Жилец конфликтный", internal=True), metadata=as_(MANAGER)
    )
    await world.requests.AddComment(
        note(number, "Нужен второй кран", kind=K.COMMENT_KIND_MATERIAL, internal=True),
        metadata=as_(plumber),
    )
    everything = ["Код домофона 12", "Жилец конфликтный", "Нужен второй кран"]
    assert await texts(world, number, MANAGER) == everything
    assert await texts(world, number, plumber) == everything
    assert await texts(world, number, OWNER) == ["Код домофона 12"]

    await refused(
        world.requests.AddComment(note(number, "секрет", internal=True), metadata=as_(OWNER)),
        grpc.StatusCode.PERMISSION_DENIED,
        "INTERNAL_COMMENT_NOT_ALLOWED",
    )
    await refused(
        world.requests.AddComment(
            note(number, "отчёт", kind=K.COMMENT_KIND_REPORT), metadata=as_(OWNER)
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "COMMENT_KIND_NOT_ALLOWED",
    )
    # Status-change comments are the workflow's own.
    await refused(
        world.requests.AddComment(
            note(number, "смена", kind=K.COMMENT_KIND_STATUS_CHANGE), metadata=as_(MANAGER)
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )


async def test_people_who_may_not_see_the_request_see_no_comments(world: World) -> None:
    number = (await world.file()).request_number
    off_duty = await world.executor("plumber")
    for who in (person("applicant"), off_duty):
        await refused(
            world.requests.ListComments(
                pb.ListCommentsRequest(request_number=number), metadata=as_(who)
            ),
            grpc.StatusCode.NOT_FOUND,
        )
        await refused(
            world.requests.AddComment(note(number, "привет"), metadata=as_(who)),
            grpc.StatusCode.NOT_FOUND,
        )
    # On duty, a plumber sees the plumbers' pool, and may ask about the request.
    await world.on_shift(off_duty)
    await world.requests.AddComment(note(number, "Какой этаж?"), metadata=as_(off_duty))
    assert await texts(world, number, OWNER) == ["Какой этаж?"]


async def test_comments_page_in_order_and_each_one_is_an_event(world: World) -> None:
    number = (await world.file()).request_number
    written = [f"Комментарий {i}" for i in range(7)]
    for text in written:
        await world.requests.AddComment(note(number, text), metadata=as_(OWNER))
    seen, token = [], ""
    while True:
        page = await world.requests.ListComments(
            pb.ListCommentsRequest(request_number=number, page_size=3, page_token=token),
            metadata=as_(MANAGER),
        )
        seen += [c.text for c in page.comments]
        token = page.next_page_token
        if not token:
            break
    assert seen == written
    commented = [
        e
        for e in await events_of(world.database_url, number)
        if isinstance(e, events_pb2.RequestCommented)
    ]
    assert [e.comment.text for e in commented] == written
    # A comment is not a change of the request: its version stays.
    assert {e.request.version for e in commented} == {2}
    other = (await world.file()).request_number
    await refused(
        world.requests.ListComments(
            pb.ListCommentsRequest(request_number=other, page_token=page.next_page_token or "x"),
            metadata=as_(MANAGER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )


async def test_a_finished_request_takes_no_comments(world: World) -> None:
    number = (await world.file()).request_number
    await world.requests.CancelRequest(
        pb.CancelRequestRequest(request_number=number, reason="дубль"), metadata=as_(MANAGER)
    )
    await refused(
        world.requests.AddComment(note(number, "а почему?"), metadata=as_(OWNER)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "REQUEST_FROZEN",
    )
    # The cancellation's reason is a comment the owner reads.
    assert await texts(world, number, OWNER) == ["дубль"]
