"""The free pool through the real bot: off duty it offers a shift; on duty it pages through the
pool requests the shift covers; "take" claims one; two executors racing for one request — one
after the other, and at the same moment — leave exactly one owner and tell the other it is
already taken; a notification's take on a request gone is refused the same way."""

from __future__ import annotations

from ukm.requests.v1 import request_pb2, workflow_pb2

from bot.callbacks import ExecList, ExecOpen, ExecPage, MenuKey, WorkDo, WorkVerb
from services.kit.callbacks import InlineAction, encode
from tests.bot.executors import SPEC, buttons, desk, executor, go_on_duty, menu
from tests.bot.flows.test_actions import notify
from tests.bot.harness import BotUnderTest, Chat, eventually, stem
from tests.bot.office import Office, Place
from tests.support.stack import Stack
from tests.support.telegram_api import BotApiCall, LocalBotApi

A = workflow_pb2


def numbers_on(call: BotApiCall) -> list[str]:
    """Request numbers of a list page, from its card buttons."""
    return [ExecOpen.unpack(data).number for _, data in buttons(call) if data.startswith("eo:")]


async def open_pool_card(chat: Chat, number: str) -> BotApiCall:
    """The card of a pool request."""
    since = chat.mark()
    chat.user.press(ExecOpen(list=ExecList.POOL, number=number).pack(), message=chat.last_message())
    return await chat.expect(f"№{number}", since=since)


def take(request: request_pb2.Request) -> str:
    """The pool card's take button."""
    return WorkDo(verb=WorkVerb.TAKE, number=request.request_number, version=request.version).pack()


async def test_the_pool_pages_and_two_executors_race(
    bot: BotUnderTest, api: LocalBotApi, stack: Stack, office: Office, place: Place
) -> None:
    first, first_id = await executor(api, office, SPEC.SPECIALIZATION_SECURITY)
    second, second_id = await executor(api, office, SPEC.SPECIALIZATION_SECURITY)
    t = first.t

    # Off duty: the pool is out of sight, a shift is offered.
    await menu(first, MenuKey.POOL, t("pool.off_shift"))
    await go_on_duty(first)
    await go_on_duty(second)

    async with desk(stack, office) as d:
        filed = [
            await d.file(place, request_pb2.CATEGORY_SECURITY, f"Домофон не работает, подъезд {n}")
            for n in range(1, 8)
        ]
        mine = {r.request_number for r in filed}

        page = await menu(first, MenuKey.POOL, stem(t, "pool.list.title"))
        assert len(numbers_on(page)) == 5
        seen = set(numbers_on(page))
        # Newest first; the next pages hold the rest (other tests may add their own).
        for n in range(1, 6):
            if mine <= seen:
                break
            page = await first.tap(
                ExecPage(list=ExecList.POOL, page=n).pack(), t("pool.list.title", page=n + 1)
            )
            seen |= set(numbers_on(page))
        assert mine <= seen
        # A page never reached (forged, or from a list long gone): the first one.
        since = first.mark()
        first.user.press(ExecPage(list=ExecList.POOL, page=40).pack(), message=first.last_message())
        await first.expect(t("pool.list.title", page=1), since=since)

        # One after the other: the first takes it, the second is told it is taken.
        one, two = filed[-1], filed[-2]
        await open_pool_card(first, one.request_number)
        await open_pool_card(second, one.request_number)
        await first.tap(take(one), t("take.done", number=f"№{one.request_number}"))
        queries = len(api.answers)
        second.user.press(take(one), message=second.last_message())
        await second.toast(t("pool.taken"), query_count=queries)
        assert (await office.request(one.request_number)).executor_id == first_id
        # The winner's second tap: already theirs, nothing claimed twice.
        queries = len(api.answers)
        first.user.press(take(one), message=first.last_message())
        await first.toast(
            t("pool.already_yours", number=f"№{one.request_number}"), query_count=queries
        )

        # At the same moment: exactly one owner, the other told it is taken.
        await open_pool_card(first, two.request_number)
        await open_pool_card(second, two.request_number)
        marks = {first.id: first.mark(), second.id: second.mark()}
        queries = len(api.answers)
        first.user.press(take(two), message=first.last_message())
        second.user.press(take(two), message=second.last_message())
        won = t("take.done", number=f"№{two.request_number}")
        lost = t("pool.taken_by_other", number=f"№{two.request_number}")

        def said(chat: Chat, text: str) -> bool:
            return any(text in str(c.params.get("text")) for c in chat.replies(marks[chat.id]))

        def toasted(chat: Chat, text: str) -> bool:
            answers = list(api.answers.items())[queries:]
            return any(q.startswith(str(chat.id)) and a.get("text") == text for q, a in answers)

        def told_taken(chat: Chat) -> bool:
            return said(chat, lost) or toasted(chat, t("pool.taken"))

        await eventually(
            lambda: (
                (said(first, won) and told_taken(second))
                or (said(second, won) and told_taken(first))
            ),
            what="one winner and one told it is taken",
        )
        owner = (await office.request(two.request_number)).executor_id
        winner, loser = (first, second) if owner == first_id else (second, first)
        assert owner in (first_id, second_id) and said(winner, won) and not said(loser, won)
        assert len(await d.steps(two.request_number, A.TRANSITION_ACTION_EXECUTOR_CLAIM)) == 1

        # A notification's take on a request already gone: the same words.
        await notify(api, second, "Новая заявка в пуле", InlineAction.TAKE, one.request_number)
        queries = len(api.answers)
        second.user.press(encode(InlineAction.TAKE, one.request_number))
        await second.toast(t("pool.taken"), query_count=queries)
        # Nobody took anything twice.
        for request in (one, two):
            claims = await d.steps(request.request_number, A.TRANSITION_ACTION_EXECUTOR_CLAIM)
            assert len(claims) == 1
