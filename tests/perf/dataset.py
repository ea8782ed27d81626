"""A housing company's year of requests, generated for the listing and SLA benchmarks (pure,
deterministic for a seed): the values of `requests.requests` rows and their SLA clocks.

The shape follows the business (DOMAIN.md): 12 yards of 8 buildings of 60 flats, one resident
per flat, 40 executors over the nine specialisations, a few managers and inspectors. Requests
are spread evenly over the past year; categories, urgencies and sources are weighted as a
company sees them (plumbing and electricity first, most filed in the bot); descriptions are
Russian or Uzbek (`dataset_texts`). The older a request, the likelier it is finished: most
are ACCEPTED, while the open ones (NEW in a pool, IN_PROGRESS, PURCHASE…) are recent.

Each request lives its life through the workflow (`dataset_lives`): its row is what the
service would have stored, and its clocks (`SlaSnapshot`) follow the same steps, so SLA
states, deadlines and pauses agree. Alerts whose time came were sent (a scheduler that never
missed a beat), so nothing is due when the rows land, except in `overdue`: the backlog an
outage of the scheduler leaves, requests whose response warning is due and unsent.

Numbers are not chosen here: they depend on the day counters in the database
(tests/perf/bulk.py numbers the rows as it inserts them).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from services.requests.domain import CATEGORY_SPECIALISATION
from services.requests.lifecycle_codec import columns_of
from services.requests.sla import SlaPolicy, SlaTarget
from services.requests.sla_clock import AlertKind, Clock, SlaSnapshot, start_snapshot
from services.requests.workflow import (
    AcceptanceMode,
    Action,
    MaterialItem,
    RequestState,
    Status,
)
from tests.perf import dataset_texts as texts
from tests.perf.dataset_lives import Cast, Notes, live, steps

T = TypeVar("T")
_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)

# A company the size of the first customers.
YARDS = 12
BUILDINGS_PER_YARD = 8
FLATS_PER_BUILDING = 60
EXECUTORS_PER_SPECIALISATION = {
    "electrician": 7,
    "plumber": 8,
    "heating": 4,
    "ventilation": 2,
    "elevator": 4,
    "cleaning": 6,
    "security": 3,
    "landscaping": 2,
    "repair": 4,
}
MANAGERS = 4
INSPECTORS = 3

CATEGORY_WEIGHTS = {
    "plumbing": 25,
    "electricity": 20,
    "heating": 10,
    "ventilation": 3,
    "elevator": 8,
    "cleaning": 12,
    "landscaping": 4,
    "security": 3,
    "internet": 3,
    "repair": 10,
    "other": 2,
}
URGENCY_WEIGHTS = {"low": 20, "medium": 55, "high": 20, "critical": 5}
# Residents file from their flat; inspectors walk the buildings (their filings are final at
# the manager's confirmation: acceptance mode "manager").
RESIDENT_SOURCES = {"bot": 75, "web": 10, "call_center": 10, "api": 5}
INSPECTOR_SHARE = 0.12
UZBEK_SHARE = 0.35
# Of the cancelled requests, those cancelled before anyone was assigned.
CANCELLED_WHILE_NEW = 0.4

# Final statuses by age of the request (upper bound of the age, weights).
STATUS_BY_AGE: tuple[tuple[timedelta, Mapping[Status, float]], ...] = (
    (
        2 * _DAY,
        {
            Status.NEW: 25,
            Status.IN_PROGRESS: 30,
            Status.PURCHASE: 5,
            Status.CLARIFICATION: 4,
            Status.COMPLETED: 14,
            Status.CONFIRMED: 8,
            Status.ACCEPTED: 10,
            Status.CANCELLED: 4,
        },
    ),
    (
        7 * _DAY,
        {
            Status.NEW: 5,
            Status.IN_PROGRESS: 15,
            Status.PURCHASE: 5,
            Status.CLARIFICATION: 3,
            Status.COMPLETED: 12,
            Status.CONFIRMED: 15,
            Status.RETURNED: 2,
            Status.ACCEPTED: 38,
            Status.CANCELLED: 5,
        },
    ),
    (
        30 * _DAY,
        {
            Status.NEW: 1,
            Status.IN_PROGRESS: 3,
            Status.PURCHASE: 2,
            Status.CLARIFICATION: 1,
            Status.COMPLETED: 3,
            Status.CONFIRMED: 6,
            Status.RETURNED: 1,
            Status.ACCEPTED: 76,
            Status.CANCELLED: 7,
        },
    ),
    (
        timedelta.max,
        {
            Status.IN_PROGRESS: 0.3,
            Status.PURCHASE: 0.2,
            Status.COMPLETED: 0.5,
            Status.CONFIRMED: 1,
            Status.RETURNED: 0.3,
            Status.ACCEPTED: 90,
            Status.CANCELLED: 7.7,
        },
    ),
)


@dataclass(frozen=True)
class Place:
    """Where a request is about, with who files for it."""

    level: str  # apartment | building | yard
    yard_id: str
    building_id: str | None
    apartment_id: str | None
    applicant_id: str


@dataclass(frozen=True)
class Directory:
    """The people and addresses the generated requests refer to (random ids; the users
    service never hears of them, and nothing in a listing asks it)."""

    yards: tuple[str, ...]
    buildings: tuple[tuple[str, str], ...]  # (yard, building)
    flats: tuple[Place, ...]  # apartment-level places, each with its resident
    executors: Mapping[str, tuple[str, ...]]  # by specialisation
    managers: tuple[str, ...]
    inspectors: tuple[str, ...]

    @classmethod
    def generate(cls, rng: random.Random) -> Directory:
        """A company of the configured size."""
        yards = tuple(_uuid(rng) for _ in range(YARDS))
        buildings = tuple((y, _uuid(rng)) for y in yards for _ in range(BUILDINGS_PER_YARD))
        flats = tuple(
            Place("apartment", y, b, _uuid(rng), _uuid(rng))
            for y, b in buildings
            for _ in range(FLATS_PER_BUILDING)
        )
        executors = {
            skill: tuple(_uuid(rng) for _ in range(n))
            for skill, n in EXECUTORS_PER_SPECIALISATION.items()
        }
        return cls(
            yards=yards,
            buildings=buildings,
            flats=flats,
            executors=executors,
            managers=tuple(_uuid(rng) for _ in range(MANAGERS)),
            inspectors=tuple(_uuid(rng) for _ in range(INSPECTORS)),
        )


@dataclass(frozen=True)
class GeneratedRequest:
    """One request: its `requests.requests` values but the number, and its clocks."""

    values: dict[str, Any]
    clocks: SlaSnapshot


class Generator:
    """Requests of one company, reproducible from `seed`, as of the moment `now`."""

    def __init__(self, now: datetime, *, seed: int = 2026, policy: SlaPolicy | None = None):
        self.now = now
        self.rng = random.Random(seed)
        self.policy = policy or SlaPolicy()
        self.directory = Directory.generate(self.rng)

    def year(self, count: int) -> list[GeneratedRequest]:
        """`count` requests filed over the past year, each in the status its age makes
        likely."""
        out = []
        for _ in range(count):
            age = timedelta(seconds=self.rng.uniform(60, 365 * 86_400))
            out.append(self.request(self.now - age, _final_status(self.rng, age)))
        return out

    def overdue(self, count: int, *, at: datetime | None = None) -> list[GeneratedRequest]:
        """`count` NEW low-urgency requests filed 19.5–23.5 hours before `at` (default: the
        generator's now) whose response warning (at 80 % of 24 h) is due and was not sent:
        one due clock each, none breached yet."""
        at = at or self.now
        return [
            self.request(
                at - timedelta(hours=self.rng.uniform(19.5, 23.5)),
                Status.NEW,
                urgency="low",
                alerts_sent=False,
            )
            for _ in range(count)
        ]

    def request(
        self,
        created: datetime,
        final: Status,
        *,
        urgency: str | None = None,
        alerts_sent: bool = True,
    ) -> GeneratedRequest:
        """One request filed at `created` that lived until now and ended up `final`."""
        rng = self.rng
        category = _weighted(rng, CATEGORY_WEIGHTS)
        urgency = urgency or _weighted(rng, URGENCY_WEIGHTS)
        specialisation = CATEGORY_SPECIALISATION[category]
        place, source, mode = self._origin()
        filed = RequestState(
            number="",  # given at insertion
            status=Status.NEW,
            version=1,
            applicant_id=place.applicant_id,
            specialisation=specialisation,
            acceptance_mode=mode,
            apartment_id=place.apartment_id,
            updated_at=created,
        )
        target = self.policy.target(category, urgency)
        actions = steps(final, mode, assigned=rng.random() >= CANCELLED_WHILE_NEW)
        cast = Cast(
            manager=rng.choice(self.directory.managers),
            executor=rng.choice(self.directory.executors[specialisation]),
            executor_skills=frozenset({specialisation}),
        )
        state, history = live(
            filed, actions, self._times(actions, created, target), cast, self._notes()
        )
        clocks = start_snapshot(created, target.respond, target.resolve)
        for entry in history:
            if entry.to_status is not entry.from_status:
                clocks = clocks.follow_status(entry.to_status.value, entry.at)
        if alerts_sent:
            clocks = SlaSnapshot(*(_sent(clock, self.now) for clock in clocks.clocks))
        values = {
            "category": category,
            "specialisation": specialisation,
            "description": self._description(category),
            "urgency": urgency,
            "address_level": place.level,
            "yard_id": place.yard_id,
            "building_id": place.building_id,
            "apartment_id": place.apartment_id,
            "applicant_id": place.applicant_id,
            "source": source,
            "acceptance_mode": mode.value,
            "media": [],
            "response_due_at": clocks.response_due_at,
            "resolution_due_at": clocks.resolution_due_at,
            "created_at": created,
            **columns_of(state),
        }
        return GeneratedRequest(values, clocks)

    def _origin(self) -> tuple[Place, str, AcceptanceMode]:
        rng, directory = self.rng, self.directory
        if rng.random() >= INSPECTOR_SHARE:
            flat = rng.choice(directory.flats)
            return flat, _weighted(rng, RESIDENT_SOURCES), AcceptanceMode.RESIDENT
        yard, building = rng.choice(directory.buildings)
        inspector = rng.choice(directory.inspectors)
        if rng.random() < 0.25:
            place = Place("yard", yard, None, None, inspector)
        else:
            place = Place("building", yard, building, None, inspector)
        return place, "inspector", AcceptanceMode.MANAGER

    def _description(self, category: str) -> str:
        rng = self.rng
        russian, uzbek = texts.DESCRIPTIONS[category]
        in_uzbek = rng.random() < UZBEK_SHARE
        phrase = rng.choice(uzbek if in_uzbek else russian)
        if rng.random() < 0.3:
            return phrase
        where = texts.WHERE_UZ if in_uzbek else texts.WHERE_RU
        return f"{phrase}. {where.format(entrance=rng.randint(1, 6), floor=rng.randint(1, 16))}"

    def _notes(self) -> Notes:
        rng = self.rng
        name, quantity, unit = rng.choice(texts.MATERIALS)
        return Notes(
            report=rng.choice(texts.REPORTS),
            question=rng.choice(texts.QUESTIONS),
            cancel_reason=rng.choice(texts.CANCEL_REASONS),
            return_reason=rng.choice(texts.RETURN_REASONS),
            review=rng.choice(texts.REVIEWS) or None,
            stars=_weighted(rng, {5: 60, 4: 25, 3: 8, 2: 4, 1: 3}),
            materials=(MaterialItem(name, quantity, unit),),
        )

    def _times(
        self, actions: Sequence[Action], created: datetime, target: SlaTarget
    ) -> list[datetime]:
        """When each step happened: typical delays after the previous one, squeezed into the
        request's age when they would run past now."""
        rng = self.rng
        offsets: list[timedelta] = []
        elapsed = timedelta(0)
        for action in actions:
            elapsed += _delay(rng, action, target)
            offsets.append(elapsed)
        room = (self.now - created) * 0.98
        if elapsed > room:
            offsets = [offset * (room / elapsed) for offset in offsets]
        return [created + offset for offset in offsets]


def _delay(rng: random.Random, action: Action, target: SlaTarget) -> timedelta:
    """How long after the previous step `action` typically comes."""
    if action is Action.ASSIGN_GROUP:
        return timedelta(0)  # in the filing's transaction
    if action is Action.MANAGER_ASSIGN:
        return target.respond * rng.uniform(0.05, 1.3)  # about one in five answers late
    if action in (Action.EXECUTOR_PURCHASE, Action.CLARIFY):
        return target.resolve * rng.uniform(0.02, 0.3)
    if action is Action.EXECUTOR_COMPLETE:
        return target.resolve * rng.uniform(0.05, 1.2)
    if action is Action.MANAGER_CONFIRM:
        return timedelta(minutes=rng.uniform(10, 1440))
    return timedelta(hours=rng.uniform(1, 72))  # the resident's answer, or a cancellation


def _sent(clock: Clock, now: datetime) -> Clock:
    """`clock` with every alert whose time came by `now` recorded as sent at that time."""
    reference = clock.reference(now)
    if clock.warned_at is None and reference >= clock.warn_at:
        clock = clock.mark_sent((AlertKind.WARNING,), clock.warn_at)
    if clock.breached_at is None and reference >= clock.due_at:
        clock = clock.mark_sent((AlertKind.BREACH,), clock.due_at)
    return clock


def _final_status(rng: random.Random, age: timedelta) -> Status:
    for limit, weights in STATUS_BY_AGE:
        if age < limit:
            return _weighted(rng, weights)
    raise AssertionError("the last age bucket has no limit")


def _weighted(rng: random.Random, weights: Mapping[T, float]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
