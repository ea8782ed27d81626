"""The manager's card and board pages as messages: what they show, what people typed escaped
and clipped (Telegram's 4096 characters, its HTML), buttons that fit 64 bytes and offer only
what the status allows, and the manager's button factories refusing forged data."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from aiogram.filters.callback_data import CallbackData
from hypothesis import given, settings
from hypothesis import strategies as st
from ukm.common.v1 import specialization_pb2
from ukm.requests.v1 import request_pb2, workflow_pb2

from bot import callbacks as cb
from bot.i18n import LANGUAGES, catalogue
from bot.logic.boards import Board, Pool, Verb
from bot.ui.desk import CardFacts, board_keyboard, board_text, card_keyboard, card_text, pool_of

RU = catalogue().translator("ru")


def a_request(**fields: object) -> request_pb2.Request:
    request = request_pb2.Request(
        request_number="261125-1007",
        status=request_pb2.REQUEST_STATUS_NEW,
        category=request_pb2.CATEGORY_PLUMBING,
        urgency=request_pb2.URGENCY_HIGH,
        description="Течёт труба",
        version=4,
    )
    for name, value in fields.items():
        setattr(request, name, value)
    return request


def visible(text: str) -> str:
    """What Telegram shows of an HTML message (tags balanced, as its parser demands)."""
    tags = re.findall(r"</?([a-z]+)>", text)
    for tag in set(tags):
        assert text.count(f"<{tag}>") == text.count(f"</{tag}>"), tag
    assert set(tags) <= {"b", "i"}
    return html.unescape(re.sub(r"</?[a-z]+>", "", text))


def data_of(markup: object) -> list[str]:
    rows = getattr(markup, "inline_keyboard", [])
    return [str(b.callback_data) for row in rows for b in row]


def test_a_card_shows_the_work_so_far_and_the_last_steps() -> None:
    request = a_request(status=request_pb2.REQUEST_STATUS_RETURNED, executor_id=str(uuid.uuid4()))
    request.materials.items.add(name="Сифон", quantity="1", unit="pcs")
    request.completion.report = "Заменил сифон"
    request.return_info.reason = "Всё ещё капает"
    request.sla.resolution_state = request_pb2.SLA_STATE_BREACHED
    request.sla.resolution_due_time.seconds = 1_790_000_000
    history = [
        workflow_pb2.HistoryEntry(version=1, change="created"),
        workflow_pb2.HistoryEntry(
            version=5,
            change="transition",
            action=workflow_pb2.TRANSITION_ACTION_APPLICANT_RETURN,
            from_status=request_pb2.REQUEST_STATUS_CONFIRMED,
            to_status=request_pb2.REQUEST_STATUS_RETURNED,
            reason="Всё ещё капает",
        ),
    ]
    bobur = request.executor_id
    history.append(
        workflow_pb2.HistoryEntry(
            version=6,
            change="transition",
            action=workflow_pb2.TRANSITION_ACTION_RETURN_TO_WORK,
            details={"executor_id": bobur},
        )
    )
    facts = CardFacts(
        request, "ЖК Chilonzor · Bunyodkor 7 · кв. 3", "Dilnoza", "Bobur", history, {bobur: "Bobur"}
    )
    text = card_text(facts, RU)
    for fragment in (
        "№261125-1007",
        RU("status.returned"),
        "Bunyodkor 7",
        "Dilnoza",
        "Bobur",
        "Сифон",
        "Заменил сифон",
        "Всё ещё капает",
        RU("boards.sla.breached"),
        RU("boards.action.applicant_return"),
        RU("boards.history.created"),
        RU.raw("boards.history.to", what=RU("boards.action.return_to_work"), whom="Bobur"),
    ):
        assert fragment in text, fragment
    offered = data_of(card_keyboard(request, RU))
    assert cb.CardDo(verb=Verb.REWORK, number="261125-1007", version=4).pack() in offered
    assert cb.CardDo(verb=Verb.ACCEPT, number="261125-1007", version=4).pack() in offered
    assert not any(d.startswith("mv:as:") or d.startswith("mv:cf:") for d in offered)
    assert cb.BoardPage(board=Board.RETURNED, page=0).pack() in offered


def test_a_pool_request_says_which_pool() -> None:
    request = a_request()
    request.assignment.mode = request_pb2.ASSIGNMENT_MODE_GROUP
    request.assignment.specialization = specialization_pb2.SPECIALIZATION_REPAIR
    assert pool_of(request) == "repair"
    text = card_text(CardFacts(request, applicant="Dilnoza"), RU)
    assert RU("boards.card.pool", pool=RU("boards.spec.repair")) in text
    labels = [b.text for row in card_keyboard(request, RU).inline_keyboard for b in row]
    assert RU("boards.verb.assign") in labels
    assert pool_of(a_request()) == ""


def test_no_return_to_work_for_a_request_nobody_worked_on() -> None:
    request = a_request(status=request_pb2.REQUEST_STATUS_COMPLETED)
    offered = data_of(card_keyboard(request, RU))
    assert not any(d.startswith("mv:rw:") for d in offered)
    request.executor_id = str(uuid.uuid4())
    assert any(d.startswith("mv:rw:") for d in data_of(card_keyboard(request, RU)))


def test_a_terminal_request_offers_no_action_and_no_board() -> None:
    request = a_request(status=request_pb2.REQUEST_STATUS_ACCEPTED)
    offered = data_of(card_keyboard(request, RU))
    assert not any(d.startswith(("mv:", "mb:")) for d in offered)
    assert cb.OpenCard(number="261125-1007").pack() in offered


people_text = st.text(max_size=4000)


@settings(max_examples=60, deadline=None)
@given(description=people_text, report=people_text, reason=people_text, name=people_text)
def test_what_people_typed_is_escaped_and_the_card_fits(
    description: str, report: str, reason: str, name: str
) -> None:
    request = a_request(description=description or "x", status=request_pb2.REQUEST_STATUS_RETURNED)
    request.completion.report = report
    request.return_info.reason = reason
    request.cancellation.reason = reason
    request.manager_confirmation.notes = reason
    for n in range(60):
        request.materials.items.add(name=name[:200] or "x", quantity=str(n + 1), unit="m")
    history = [
        workflow_pb2.HistoryEntry(
            version=n,
            change="transition",
            action=workflow_pb2.TRANSITION_ACTION_CLARIFY,
            reason=reason,
        )
        for n in range(30)
    ]
    for language in LANGUAGES:
        t = catalogue().translator(language)
        text = card_text(CardFacts(request, name, name, name, history), t)
        assert len(visible(text)) <= 4096


def test_the_longest_card_still_fits_one_message() -> None:
    most = "<&>" * 700
    request = a_request(description=most[:2000], status=request_pb2.REQUEST_STATUS_RETURNED)
    request.completion.report = most[:4000]
    request.return_info.reason = request.cancellation.reason = most[:2000]
    request.manager_confirmation.notes = request.rating.review = most[:2000]
    request.rating.stars = 5
    request.materials.comment = most[:1000]
    for _ in range(50):
        request.materials.items.add(name=most[:200], quantity="999999.999", unit="pcs")
    history = [
        workflow_pb2.HistoryEntry(version=n, change="transition", reason=most[:2000])
        for n in range(100)
    ]
    facts = CardFacts(request, most[:500], most[:300], most[:300], history)
    for language in LANGUAGES:
        text = card_text(facts, catalogue().translator(language))
        assert len(visible(text)) <= 3800
        assert "&lt;&amp;&gt;" in text


@pytest.mark.parametrize("board", list(Board))
def test_a_board_page(board: Board) -> None:
    requests = [
        a_request(request_number=f"261125-{n:03d}", description="<b>x</b> & y") for n in range(5)
    ]
    counts = {"new": 12, "in_progress": 3, "purchase": 1, "clarification": 0}
    text = board_text(board, requests, counts, 1, RU)
    visible(text)
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in text
    assert RU("boards.page", page=2) in text
    markup = board_keyboard(board, requests, 1, RU, has_next=True)
    offered = data_of(markup)
    assert cb.OpenCard(number="261125-000").pack() in offered
    assert cb.BoardPage(board=board, page=0).pack() in offered
    assert cb.BoardPage(board=board, page=2).pack() in offered
    assert all(len(d.encode()) <= 64 for d in offered)
    assert RU("boards.empty") in board_text(board, [], {}, 0, RU)


def test_every_manager_button_fits_and_forgeries_do_not_parse() -> None:
    samples = [
        cb.BoardPage(board=Board.WAITING, page=999),
        cb.OpenCard(number="261125-999999"),
        *(cb.CardDo(verb=v, number="261125-999999", version=10**12) for v in Verb),
        *(cb.PickPool(pool=p) for p in Pool),
        cb.PickExecutor(id=uuid.UUID(int=2**128 - 1)),
        *(cb.DispatchGo(to=s) for s in cb.DispatchStep),
    ]
    for sample in samples:
        assert len(sample.pack().encode()) <= 64
    forged: list[tuple[type[CallbackData], str]] = [
        (cb.PickPool, "mp:universal"),
        (cb.OpenCard, "mo:251125"),
        (cb.OpenCard, "mo:../../x"),
        (cb.CardDo, "mv:as:251125-007:0"),
        (cb.CardDo, "mv:zz:251125-007:3"),
        (cb.BoardPage, "mb:x:0"),
        (cb.PickExecutor, "me:not-a-uuid"),
    ]
    for factory, data in forged:
        with pytest.raises((ValueError, TypeError)):
            factory.unpack(data)
