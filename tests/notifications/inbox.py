"""What a test's people heard, one step of a scenario at a time.

A step names who must hear what (the template `<kind>.<party>` they read, phrases their text
must hold, the buttons it offers) and, optionally, who gets a delivery record that is suppressed
on purpose. `Inbox.step` waits until the deliveries of the step's subject (a request number or
a user id) to the test's people are recorded and have all reached a final state, then asserts:

- the new delivery records of the test's people are exactly the expected ones (by template),
  in the reader's language, delivered (or suppressed with the expected reason);
- each hearer got exactly their messages on Telegram (or by e-mail), each holding the
  template's first line in their language from default_templates.yaml, with the request
  number, and the expected inline buttons (`act:<action>:<number>`);
- everyone else of the test's people got nothing at all.

The deliveries of one event are recorded together, so once the awaited ones are there, the
event's others are too; a stray message from another event of the same action (one that comes
later) shows up as unexpected at the next step, or at `settle`, which every scenario ends with.

Expected phrases are read from the shipped default_templates.yaml (not from the templates in
force), so a step proves which template, which language and which facts reached the reader.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from services.notifications.templates import default_catalogue
from tests.notifications.conftest import Providers
from tests.support.events import wait_until
from tests.support.people import SignedIn
from tests.support.recipients import Recipient
from tests.support.rest import Rest
from tests.support.stack import Stack

FINAL = frozenset(
    {
        "DELIVERY_STATE_SENT",
        "DELIVERY_STATE_DELIVERED",
        "DELIVERY_STATE_FAILED",
        "DELIVERY_STATE_SUPPRESSED",
    }
)
CATALOGUE = default_catalogue()
_FIELD = re.compile(r"\{([a-z_]+)\}")
_TAG = re.compile(r"<[^>]+>")


def visible(text: str) -> str:
    """A Telegram HTML text as the reader sees it."""
    return html.unescape(_TAG.sub("", text))


def label(language: str, name: str, value: str) -> str:
    """How a label field (category, urgency, specialization…) reads in `language`."""
    return str(CATALOGUE.labels.get(language, {}).get(name, {}).get(value, value))


def headline(template: str, language: str, data: Mapping[str, str]) -> str:
    """The first line of the shipped `template` in `language`, its fields filled from `data`
    (label fields shown in `language`)."""
    first = CATALOGUE.templates[template].texts[language].split("\n")[0].replace("**", "")
    return _FIELD.sub(lambda m: label(language, m.group(1), data[m.group(1)]), first)


@dataclass(frozen=True)
class Hears:
    """One message someone must get in this step."""

    who: Recipient
    template: str
    # Further phrases the text must hold (a reason, a label…).
    also: tuple[str, ...] = ()
    # Inline actions offered, in order (callback data `act:<action>:<number>`).
    actions: tuple[str, ...] = ()
    # Headline fields besides the number.
    data: Mapping[str, str] = field(default_factory=dict)
    # The language it must be written in (default: the person's).
    language: str | None = None
    via: str = "telegram"
    # The first line the text must hold when the text in force is not the shipped one (a
    # manager edited it).
    first_line: str | None = None

    @property
    def written_in(self) -> str:
        return self.language or self.who.language


class Inbox:
    """The test's people and what they have heard so far."""

    def __init__(
        self, stack: Stack, outside: Providers, reader: SignedIn, *people: Recipient
    ) -> None:
        self.stack = stack
        self.outside = outside
        # Who lists the deliveries (a manager).
        self.reader = reader
        self.people: dict[str, Recipient] = {}
        self.seen_deliveries: set[str] = set()
        self.seen_messages: dict[str, int] = {}
        self.seen_mail = len(outside.smtp.received)
        self.subjects: set[str] = set()
        self.add(*people)

    def add(self, *people: Recipient) -> None:
        """More people whose inboxes are watched (nothing they heard before counts)."""
        for person in people:
            self.people[person.user_id] = person
            self.seen_messages[person.user_id] = len(self._telegram(person))

    def _telegram(self, person: Recipient) -> list[Any]:
        return [] if person.chat_id is None else self.outside.bot.sent_to(person.chat_id)

    async def deliveries(self, subject: str) -> list[dict[str, Any]]:
        """Every delivery about `subject`."""
        found: list[dict[str, Any]] = []
        token = ""
        async with aiohttp.ClientSession(self.stack.rest) as http:
            while True:
                query = {"subject": subject, "pageSize": "100"}
                if token:
                    query["pageToken"] = token
                page = await Rest(http, self.reader).ok(
                    "GET", f"/v1/notifications/deliveries?{urlencode(query)}"
                )
                found.extend(page.get("deliveries", []))
                token = page.get("nextPageToken", "")
                if not token:
                    return found

    async def _fresh(self, subject: str) -> list[dict[str, Any]]:
        return [
            d
            for d in await self.deliveries(subject)
            if d["id"] not in self.seen_deliveries and d["recipientId"] in self.people
        ]

    def _name(self, user_id: str) -> str:
        person = self.people.get(user_id)
        return f"{person.person.roles[0]}/{person.language}" if person else user_id

    async def step(
        self,
        subject: str,
        *hears: Hears,
        suppressed: Mapping[Recipient, tuple[str, str]] | None = None,
        within: float = 15.0,
    ) -> list[str]:
        """Assert this step's messages (see the module docstring); the texts heard, in the
        order of `hears`. `suppressed` maps a person to (template, reason phrase)."""
        self.subjects.add(subject)
        suppressed = suppressed or {}
        wanted = Counter((h.who.user_id, h.template) for h in hears)
        wanted.update((who.user_id, template) for who, (template, _) in suppressed.items())
        snapshot: list[dict[str, Any]] = []

        async def recorded() -> bool:
            nonlocal snapshot
            snapshot = await self._fresh(subject)
            got = Counter((d["recipientId"], d["template"]) for d in snapshot)
            return not (wanted - got) and all(d["state"] in FINAL for d in snapshot)

        try:
            await wait_until(recorded, within=within, interval=0.05)
        except AssertionError:
            raise AssertionError(
                f"deliveries of {subject} not as expected within {within}s: "
                f"{self._describe(snapshot)}; wanted {self._describe_wanted(wanted)}"
            ) from None
        got = Counter((d["recipientId"], d["template"]) for d in snapshot)
        assert got == wanted, (
            f"{subject}: delivered {self._describe(snapshot)}; "
            f"wanted {self._describe_wanted(wanted)}"
        )
        by_key = {(d["recipientId"], d["template"]): d for d in snapshot}
        for hear in hears:
            record = by_key[(hear.who.user_id, hear.template)]
            final = "DELIVERED" if hear.via == "telegram" else "SENT"
            assert record["state"] == f"DELIVERY_STATE_{final}", record
            assert record["channel"] == f"CHANNEL_{hear.via.upper()}", record
            assert record["language"] == hear.written_in, record
        for who, (template, reason) in suppressed.items():
            record = by_key[(who.user_id, template)]
            assert record["state"] == "DELIVERY_STATE_SUPPRESSED", record
            assert reason in record.get("lastError", ""), record
        self.seen_deliveries.update(d["id"] for d in snapshot)
        return self._check_messages(subject, hears)

    def _check_messages(self, subject: str, hears: Iterable[Hears]) -> list[str]:
        hears = list(hears)
        texts: dict[int, str] = {}
        for user_id, person in self.people.items():
            theirs = [(i, h) for i, h in enumerate(hears) if h.who.user_id == user_id]
            on_telegram = [(i, h) for i, h in theirs if h.via == "telegram"]
            new = self._telegram(person)[self.seen_messages[user_id] :]
            shown = [visible(str(m.params.get("text", ""))) for m in new]
            assert len(new) == len(on_telegram), (
                f"{self._name(user_id)} got {len(new)} messages, wanted {len(on_telegram)}: {shown}"
            )
            left = list(zip(shown, new, strict=True))
            for index, hear in on_telegram:
                phrases = self._phrases(hear, subject)
                match = next((m for m in left if all(p in m[0] for p in phrases)), None)
                assert match is not None, (self._name(user_id), phrases, shown)
                left.remove(match)
                texts[index] = match[0]
                self._check_buttons(hear, subject, match[1].params.get("reply_markup"))
            self.seen_messages[user_id] += len(new)
        addresses = {p.email for p in self.people.values()}
        mail = [
            m for m in self.outside.smtp.received[self.seen_mail :] if addresses & set(m.rcpt_tos)
        ]
        by_mail = [(i, h) for i, h in enumerate(hears) if h.via == "email"]
        assert len(mail) == len(by_mail), [m.message["Subject"] for m in mail]
        for index, hear in by_mail:
            [received] = [m for m in mail if hear.who.email in m.rcpt_tos]
            part = received.message.get_body(("plain",))
            assert part is not None, received.message
            body = str(part.get_content())
            for phrase in self._phrases(hear, subject):
                assert phrase in body, (phrase, body)
            texts[index] = body
        self.seen_mail = len(self.outside.smtp.received)
        return [texts[i] for i in range(len(hears))]

    def _phrases(self, hear: Hears, subject: str) -> list[str]:
        data = {"number": subject, **hear.data}
        first = hear.first_line or headline(hear.template, hear.written_in, data)
        return [first, *hear.also]

    def _check_buttons(self, hear: Hears, subject: str, markup: Any) -> None:
        rows = (markup or {}).get("inline_keyboard", [])
        buttons = [b for row in rows for b in row]
        wanted = [
            (label(hear.written_in, "actions", a), f"act:{a}:{'' if a == 'upload' else subject}")
            for a in hear.actions
        ]
        assert [(b["text"], b["callback_data"]) for b in buttons] == wanted, (hear, buttons)

    async def settle(self, quiet: float = 0.5) -> None:
        """Nothing more arrives: no message and no delivery record beyond those asserted."""
        await asyncio.sleep(quiet)
        for user_id, person in self.people.items():
            late = self._telegram(person)[self.seen_messages[user_id] :]
            assert not late, (self._name(user_id), [m.params.get("text") for m in late])
        addresses = {p.email for p in self.people.values()}
        late_mail = [
            m for m in self.outside.smtp.received[self.seen_mail :] if addresses & set(m.rcpt_tos)
        ]
        assert not late_mail, [m.message["Subject"] for m in late_mail]
        for subject in self.subjects:
            assert await self._fresh(subject) == [], subject

    def _describe(self, deliveries: Iterable[Mapping[str, Any]]) -> list[str]:
        return [
            f"{self._name(d['recipientId'])}:{d['template']}:{d['state']}"
            f"{':' + d['lastError'] if d.get('lastError') else ''}"
            for d in deliveries
        ]

    def _describe_wanted(self, wanted: Counter[tuple[str, str]]) -> list[str]:
        return [f"{self._name(u)}:{t}" for (u, t) in wanted.elements()]
