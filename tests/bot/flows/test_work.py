"""My work through the real bot: an executor on shift opens an assigned request from the list,
asks for materials typed as lines (wrong lines named, the step kept), resumes, and completes
with a report and two photos; double taps are refused, not repeated; off duty, work is refused
with an offer to take a shift; a forged button does nothing — each checked over gRPC (status,
materials, report and media, history)."""

from __future__ import annotations

from pathlib import Path

from ukm.common.v1 import media_pb2
from ukm.requests.v1 import request_pb2, workflow_pb2

from bot.callbacks import (
    ExecList,
    ExecOpen,
    MenuItem,
    MenuKey,
    Nav,
    NavTo,
    StepAction,
    StepDo,
    WorkDo,
    WorkVerb,
)
from services.kit.callbacks import InlineAction, encode
from tests.bot.executors import (
    SPEC,
    another_device,
    buttons,
    desk,
    executor,
    go_on_duty,
    menu,
)
from tests.bot.flows.test_actions import notify
from tests.bot.harness import BotUnderTest, Chat, stem
from tests.bot.office import Office, Place
from tests.bot.tcp_proxy import TcpProxy
from tests.bot.test_resilience import connected
from tests.support.stack import Stack
from tests.support.telegram_api import BotApiCall, LocalBotApi

A = workflow_pb2


def do(verb: WorkVerb, request: request_pb2.Request) -> str:
    """A card's work button for `request` as it is now."""
    return WorkDo(verb=verb, number=request.request_number, version=request.version).pack()


async def card(chat: Chat, number: str) -> BotApiCall:
    """Open a request of "my work"."""
    return await chat.tap(ExecOpen(list=ExecList.WORK, number=number).pack(), f"№{number}")


async def test_materials_resume_and_complete_with_photos(
    bot: BotUnderTest, api: LocalBotApi, stack: Stack, office: Office, place: Place
) -> None:
    chat, executor_id = await executor(api, office, SPEC.SPECIALIZATION_HEATING)
    t = chat.t
    await go_on_duty(chat)
    async with desk(stack, office) as d:
        filed = await d.file(place, request_pb2.CATEGORY_HEATING, "Не греет стояк на кухне")
        assigned = await d.assign(filed.request_number, executor_id)
        number = assigned.request_number

        listing = await menu(chat, MenuKey.MY_WORK, stem(t, "work.list.title"))
        assert f"№{number}" in str(listing.params["text"])
        assert "Не греет стояк" in str(listing.params["text"])
        assert t("work.off_shift_banner") not in str(listing.params["text"])
        shown = await card(chat, number)
        text = str(shown.params["text"])
        assert t("status.in_progress") in text and "Chilonzor Park" in text
        labels = [label for label, _ in buttons(shown)]
        assert labels[:2] == [t("work.button.purchase"), t("work.button.complete")]

        # Materials: every line it cannot read is named, the step stays.
        await chat.tap(do(WorkVerb.PURCHASE, assigned), stem(t, "work.purchase.ask"))
        problems = await chat.say("Сифон\n2 шт", stem(t, "work.materials.problems"))
        text = str(problems.params["text"])
        assert t("work.materials.line", line=1, text="Сифон") in text
        assert t("work.materials.problem.no_quantity") in text
        assert t("work.materials.line", line=2, text="2 шт") in text
        since = chat.mark()
        chat.user.sticker()
        await chat.expect_key("work.purchase.text_please", since=since)
        typed = "Сифон 1 шт\nТруба ПВХ 50 мм 2 м\nЛента ФУМ 3"
        summary = await chat.say(typed, stem(t, "work.purchase.summary"))
        assert t("work.materials.item", name="Лента ФУМ", quantity="3", unit="шт") in str(
            summary.params["text"]
        )
        # Back shows the list kept; the list typed again.
        await chat.tap(Nav(to=NavTo.BACK).pack(), "Труба ПВХ 50 мм — 2 м")
        await chat.say(typed, stem(t, "work.purchase.summary"))
        await chat.tap(
            StepDo(action=StepAction.CONFIRM).pack(),
            t("work.purchase.done", number=f"№{number}"),
        )
        waiting = await office.request(number)
        assert waiting.status == request_pb2.REQUEST_STATUS_PURCHASE
        assert [(m.name, m.quantity, m.unit) for m in waiting.materials.items] == [
            ("Сифон", "1", "шт"),
            ("Труба ПВХ 50 мм", "2", "м"),
            ("Лента ФУМ", "3", "шт"),
        ]
        # The old card's button pressed again: refused (the card is out of date), not repeated.
        queries = len(api.answers)
        chat.user.press(do(WorkVerb.PURCHASE, assigned), message=chat.last_message())
        await chat.toast(t("work.changed"), query_count=queries)
        assert len(await d.steps(number, A.TRANSITION_ACTION_EXECUTOR_PURCHASE)) == 1

        # Resume; a double tap of the same button changes nothing.
        await chat.tap(do(WorkVerb.RESUME, waiting), t("work.resume.done", number=f"№{number}"))
        queries = len(api.answers)
        chat.user.press(do(WorkVerb.RESUME, waiting), message=chat.last_message())
        await chat.toast(t("work.changed"), query_count=queries)
        working = await office.request(number)
        assert working.status == request_pb2.REQUEST_STATUS_IN_PROGRESS
        assert len(await d.steps(number, A.TRANSITION_ACTION_EXECUTOR_RESUME)) == 1

        # Complete with a report and two photos (an album).
        await chat.tap(do(WorkVerb.COMPLETE, working), stem(t, "work.complete.report.ask"))
        await chat.say("ок", t("work.complete.report.too_short", length=2))
        since = chat.mark()
        chat.user.photo()
        await chat.expect_key("work.complete.report.text_please", since=since)
        await chat.say("Стравил воздух, заменил кран Маевского", stem(t, "work.complete.media.ask"))
        await chat.say("готово", stem(t, "work.complete.media.expected"))
        for n in (1, 2):
            since = chat.mark()
            chat.user.photo(media_group_id="done-1")
            await chat.expect(t("work.complete.media.added", count=n, limit=5), since=since)
        summary = await chat.tap(
            StepDo(action=StepAction.DONE).pack(), stem(t, "work.complete.summary")
        )
        assert "Стравил воздух" in str(summary.params["text"])
        await chat.tap(
            StepDo(action=StepAction.CONFIRM).pack(),
            t("work.complete.done", number=f"№{number}"),
        )
        done = await office.request(number)
        assert done.status == request_pb2.REQUEST_STATUS_COMPLETED
        assert done.completion.report == "Стравил воздух, заменил кран Маевского"
        assert done.completion.completed_by == executor_id
        assert [m.kind for m in done.completion.media] == [media_pb2.MEDIA_KIND_PHOTO] * 2
        assert all(m.telegram_file_id.startswith("photo-") for m in done.completion.media)
        [step] = await d.steps(number, A.TRANSITION_ACTION_EXECUTOR_COMPLETE)
        assert step.actor_id == executor_id
        # The confirmation pressed again: out of date, nothing is completed twice.
        queries = len(api.answers)
        chat.user.press(StepDo(action=StepAction.CONFIRM).pack(), message=chat.last_message())
        await chat.toast(t("error.stale_button"), query_count=queries)
        assert len(await d.steps(number, A.TRANSITION_ACTION_EXECUTOR_COMPLETE)) == 1
        # Done work leaves "my work".
        listing = await menu(chat, MenuKey.MY_WORK, stem(t, "work.list.title"))
        assert f"№{number}" not in str(listing.params["text"])


async def test_off_duty_work_is_refused_with_an_offer_and_forged_buttons_do_nothing(
    bot: BotUnderTest, api: LocalBotApi, stack: Stack, office: Office, place: Place
) -> None:
    chat, executor_id = await executor(api, office, SPEC.SPECIALIZATION_VENTILATION, language="en")
    stranger, _ = await executor(api, office, SPEC.SPECIALIZATION_VENTILATION)
    t = chat.t
    async with desk(stack, office) as d:
        filed = await d.file(place, request_pb2.CATEGORY_VENTILATION, "No draught in the bathroom")
        request = await d.assign(filed.request_number, executor_id)
        number = request.request_number

        # Assigned while off duty: the list says so and offers a shift; work is refused.
        listing = await menu(chat, MenuKey.MY_WORK, stem(t, "work.list.title"))
        assert t("work.off_shift_banner") in str(listing.params["text"])
        await card(chat, number)
        offer = await chat.tap(do(WorkVerb.COMPLETE, request), t("shift.needed"))
        assert (t("menu.item.shift_on"), MenuItem(item=MenuKey.SHIFT_START).pack()) in buttons(
            offer
        )
        await chat.tap(MenuItem(item=MenuKey.SHIFT_START).pack(), stem(t, "shift.started"))

        # A notification's "open" shows the same work buttons to the assigned executor.
        await notify(api, chat, "Assigned to you", InlineAction.OPEN, number)
        opened = await chat.tap(encode(InlineAction.OPEN, number), f"№{number}")
        assert (t("work.button.complete"), do(WorkVerb.COMPLETE, request)) in buttons(opened)

        # Someone else's request, from a forged button: refused, nothing happens.
        queries = len(api.answers)
        stranger.user.press(do(WorkVerb.COMPLETE, request), message=stranger.last_message())
        await stranger.toast(stranger.t("action.not_available"), query_count=queries)
        for forged in ("ew:c:x:1", f"ew:z:{number}:1", "eo:w:123"):
            queries = len(api.answers)
            stranger.user.press(forged, message=stranger.last_message())
            await stranger.toast(stranger.t("error.stale_button"), query_count=queries)
        # The own request with a version the card never had: the fresh card instead.
        queries = len(api.answers)
        stale = WorkDo(verb=WorkVerb.COMPLETE, number=number, version=request.version + 7)
        chat.user.press(stale.pack(), message=chat.last_message())
        await chat.toast(t("work.changed"), query_count=queries)
        assert (await office.request(number)).status == request_pb2.REQUEST_STATUS_IN_PROGRESS

        # On duty now: complete without media.
        await chat.tap(do(WorkVerb.COMPLETE, request), stem(t, "work.complete.report.ask"))
        await chat.say("Cleaned the duct", stem(t, "work.complete.media.ask"))
        summary = await chat.tap(
            StepDo(action=StepAction.SKIP).pack(), stem(t, "work.complete.summary")
        )
        assert t("work.complete.no_media") in str(summary.params["text"])
        await chat.tap(
            StepDo(action=StepAction.CONFIRM).pack(),
            t("work.complete.done", number=f"№{number}"),
        )
        done = await office.request(number)
        assert done.status == request_pb2.REQUEST_STATUS_COMPLETED
        assert (done.completion.report, list(done.completion.media)) == ("Cleaned the duct", [])


async def test_a_restart_and_an_outage_mid_completion_lose_nothing(
    bot: BotUnderTest,
    api: LocalBotApi,
    stack: Stack,
    office: Office,
    place: Place,
    mesh_road: TcpProxy,
) -> None:
    chat, executor_id = await executor(api, office, SPEC.SPECIALIZATION_REPAIR)
    t = chat.t
    await go_on_duty(chat)
    async with desk(stack, office) as d:
        filed = await d.file(place, request_pb2.CATEGORY_REPAIR, "Сломана ручка входной двери")
        request = await d.assign(filed.request_number, executor_id)
        number = request.request_number
        await menu(chat, MenuKey.MY_WORK, stem(t, "work.list.title"))
        await card(chat, number)
        await chat.tap(do(WorkVerb.COMPLETE, request), stem(t, "work.complete.report.ask"))
        await chat.say("Заменил ручку и личинку замка", stem(t, "work.complete.media.ask"))

        # A new bot process: the step and the report are still there.
        await bot.restart()
        since = chat.mark()
        chat.user.photo()
        await chat.expect(t("work.complete.media.added", count=1, limit=5), since=since)
        summary = await chat.tap(
            StepDo(action=StepAction.DONE).pack(), stem(t, "work.complete.summary")
        )
        assert "Заменил ручку" in str(summary.params["text"])

        # The services go away at the confirmation: "busy", everything kept, retry later.
        await mesh_road.cut()
        await chat.tap(StepDo(action=StepAction.CONFIRM).pack(), t("error.busy"))
        await chat.tap(Nav(to=NavTo.RETRY).pack(), t("error.busy"))
        assert (await office.request(number)).status == request_pb2.REQUEST_STATUS_IN_PROGRESS
        await mesh_road.restore()
        await connected(bot)
        await chat.tap(Nav(to=NavTo.RETRY).pack(), t("work.complete.done", number=f"№{number}"))
        done = await office.request(number)
        assert done.status == request_pb2.REQUEST_STATUS_COMPLETED
        assert len(done.completion.media) == 1
        assert len(await d.steps(number, A.TRANSITION_ACTION_EXECUTOR_COMPLETE)) == 1


async def test_a_step_already_made_is_recognised_not_repeated(
    bot: BotUnderTest,
    api: LocalBotApi,
    stack: Stack,
    office: Office,
    place: Place,
    redis_url: str,
    pki_dir: Path,
) -> None:
    chat, executor_id = await executor(api, office, SPEC.SPECIALIZATION_REPAIR)
    t = chat.t
    await go_on_duty(chat)
    async with desk(stack, office) as d:
        filed = await d.file(place, request_pb2.CATEGORY_REPAIR, "Не закрывается окно в подъезде")
        request = await d.assign(filed.request_number, executor_id)
        number = request.request_number
        await menu(chat, MenuKey.MY_WORK, stem(t, "work.list.title"))
        await card(chat, number)
        await chat.tap(do(WorkVerb.COMPLETE, request), stem(t, "work.complete.report.ask"))
        await chat.say("Отрегулировал петли окна", stem(t, "work.complete.media.ask"))
        await chat.tap(StepDo(action=StepAction.SKIP).pack(), stem(t, "work.complete.summary"))
        # The same step made meanwhile (what a retry after a lost answer meets).
        async with another_device(stack, redis_url, pki_dir, chat) as elsewhere:
            await elsewhere.requests.complete(
                number, report="Отрегулировал петли окна", expected_version=request.version
            )
        await chat.tap(
            StepDo(action=StepAction.CONFIRM).pack(),
            t("work.complete.done", number=f"№{number}"),
        )
        assert len(await d.steps(number, A.TRANSITION_ACTION_EXECUTOR_COMPLETE)) == 1
