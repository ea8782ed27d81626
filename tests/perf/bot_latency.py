"""The Telegram bot's figures: how long a person waits for the bot's reply at each step of filing
a request, with many people writing at once.

The bot runs as its own process (`ukm bot`, what its container runs: long polling, Redis for
its state, every read and write through Envoy's mesh listener with its certificate), started
for this part by the stack (tests/perf/stack.py) against the local Telegram Bot API that the
bench serves (tests/perf/bot_chats.py: the tests' server, Telegram's wire protocol), the same
one and the same token the notifications service uses.

`bot_people` residents of one new building onboard through the bot itself (/start → resident →
phone → yard → building → apartment), are approved with their apartment by the bench's manager
over gRPC, and open their menu; none of that is timed. Then all of them at once, each at a
person's pace (a think time drawn between `bot_think` seconds before every step), go through
`bot_rounds` times: /help, the baseline (no step of a flow: the bot's fixed cost per update —
deduplication, the flood limit, the person's token and `GetMe`, the FSM, the reply), then the
create-request conversation — new request → category → address → description → urgency →
a photo, or none → done / skip → summary → confirm. Each step is timed from the update being
available to the bot (pushed into the Bot API, as Telegram would hold it) to the bot's reply
with the next prompt arriving there (a message or an edit of one); its p50/p99 per step is the
figure (target: p99 ≤ 300 ms each), against /help's and against the Bot API's own round trip
(`getMe` from this process, sampled all along: the bench's event loop serves the API and the
people, so a slow loop would show there first).

Alongside: how soon the bot took each update (pushed → `getUpdates` answered), the CPU per
update of each process (/proc), and the bot's calls into the mesh per conversation from Envoy's
access log (count, p50/p99 duration per method, any non-OK status). With `--profile`, one more
round per person is sampled by py-spy in the bot process, outside the figures.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

import aiohttp
import grpc
from ukm.users.v1 import directory_service_pb2 as dir_pb
from ukm.users.v1 import directory_service_pb2_grpc as dir_rpc
from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as users_pb
from ukm.users.v1 import users_service_pb2_grpc as users_rpc

from bot.callbacks import (
    CategoryKey,
    Fork,
    ForkChoice,
    MenuItem,
    MenuKey,
    PickAddress,
    PickBuilding,
    PickCategory,
    PickFlat,
    PickUrgency,
    PickYard,
    StepAction,
    StepDo,
    UrgencyKey,
)
from bot.i18n import catalogue
from tests.perf import profile
from tests.perf.access_log import AccessLog
from tests.perf.bot_api import serving_api
from tests.perf.bot_chats import ChatsBotApi, Sample, Writer, stem
from tests.perf.cpu import CLIENT, OTHER, CpuSnapshot
from tests.perf.load import BenchError, Metadata, percentile
from tests.perf.stack import BOT
from tests.support.telegram_api import TelegramUser

if TYPE_CHECKING:
    from tests.perf.measure import Bench

# The conversation's timed steps, in order, and the baseline.
STEPS = (
    "new request",
    "category",
    "address",
    "description",
    "urgency",
    "photo",
    "done / skip",
    "confirm",
)
HELP = "/help"
# Mostly Russian, as the company's people are; some Uzbek and English readers.
LANGUAGES = ("ru", "ru", "uz", "ru", "en")
DESCRIPTION = "Течёт кран на кухне, под мойкой лужа, нужен сантехник"
# The bench's people write more than the per-person flood limit (30 updates per 30 s) lets
# through: a person at this pace comes close, and a refusal is not a reply.
SETTINGS = {"UKM_BOT_RATE_LIMIT": "1000"}
FIRST_TELEGRAM_ID = 870_000_001


@dataclass(frozen=True)
class StepFigures:
    """One step's latencies (milliseconds)."""

    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    taken_p50_ms: float  # pushed → the bot took it
    taken_p99_ms: float
    p99_ms_by_round: list[float]

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> StepFigures:
        """The figures of `samples` (not empty)."""
        values = [s.ms for s in samples]
        taken = [s.taken_ms for s in samples]
        rounds: dict[int, list[float]] = defaultdict(list)
        for sample in samples:
            rounds[sample.round_no].append(sample.ms)
        return cls(
            count=len(values),
            p50_ms=percentile(values, 50),
            p99_ms=percentile(values, 99),
            max_ms=max(values),
            mean_ms=statistics.fmean(values),
            taken_p50_ms=percentile(taken, 50),
            taken_p99_ms=percentile(taken, 99),
            p99_ms_by_round=[percentile(rounds[n], 99) for n in sorted(rounds)],
        )


@dataclass(frozen=True)
class MeshCalls:
    """The bot's calls into the mesh during the measured rounds (Envoy's access log)."""

    by_method: dict[str, dict[str, float]]  # method → count, per conversation, p50/p99 ms
    not_ok: dict[str, int]  # "method grpc-status" → count
    total: int


@dataclass
class BotFigures:
    """Everything the bot part measured."""

    people: int
    rounds: int
    think_s: tuple[float, float]
    steps: dict[str, StepFigures]
    baseline: StepFigures  # /help
    bot_api_rtt: StepFigures  # getMe from this process, along the measured rounds
    seconds: float
    updates: int
    filed: int  # requests filed in the measured rounds
    # All requests filed, the profiled round's too (each one two events in the requests stream).
    filed_in_all: int
    cpu_ms_per_update: dict[str, float]
    other_cores: float
    mesh: MeshCalls
    onboarding_s: float
    bot_start_s: float
    settings: dict[str, str] = field(default_factory=lambda: dict(SETTINGS))
    profile: dict[str, Any] | None = None

    @property
    def slowest(self) -> str:
        """The step with the highest p99."""
        return max(self.steps, key=lambda name: self.steps[name].p99_ms)

    def figures(self) -> dict[str, float]:
        """The values of the bot's goal (tests/perf/report.py GOALS)."""
        return {"bot_p99_ms": self.steps[self.slowest].p99_ms}

    def as_dict(self) -> dict[str, Any]:
        """The report's `bot` section."""
        slowest = self.steps[self.slowest]
        section: dict[str, Any] = {
            "people": self.people,
            "rounds": self.rounds,
            "think_s": list(self.think_s),
            "settings": self.settings,
            "bot_start_s": self.bot_start_s,
            "onboarding_s": self.onboarding_s,
            "seconds": self.seconds,
            "updates": self.updates,
            "updates_per_s": self.updates / self.seconds if self.seconds > 0 else 0.0,
            "filed": self.filed,
            "steps": {name: vars(figures) for name, figures in self.steps.items()},
            "baseline_help": vars(self.baseline),
            "bot_api_rtt": vars(self.bot_api_rtt),
            "slowest_step": self.slowest,
            "ratio_p99": slowest.p99_ms / self.baseline.p99_ms if self.baseline.p99_ms else 0.0,
            "ratio_p50": (
                statistics.median(f.p50_ms for f in self.steps.values()) / self.baseline.p50_ms
                if self.baseline.p50_ms
                else 0.0
            ),
            "cpu_ms_per_update": self.cpu_ms_per_update,
            "other_cores": self.other_cores,
            "mesh_calls": vars(self.mesh),
        }
        if self.profile is not None:
            section["profile"] = self.profile
        return {"bot": section}


@dataclass(frozen=True)
class Flats:
    """The bench's building: its yard and apartments by number."""

    yard_id: str
    yard_name: str
    building_id: str
    flats: dict[str, str]  # number → apartment id


async def measure_bot(bench: Bench) -> BotFigures:
    """Onboard the people, then time the conversation (and, with --profile, sample a round)."""
    stack, config, say = bench.stack, bench.config, bench.say
    metadata = await bench.session.metadata()
    flats = await _building(stack.edge_address, metadata, config.bot_people)
    words = catalogue()
    rng = random.Random(20261125)
    mesh_log = AccessLog(stack.access_log, listener="mesh")
    async with serving_api(ChatsBotApi(), stack.ports.bot_api) as api:
        started = time.monotonic()
        process = stack.start_bot(SETTINGS)
        try:
            await _polling(api, process.running, process.log_tail)
            bot_start_s = time.monotonic() - started
            say(
                f"  · bot: `ukm bot` polling in {bot_start_s:.1f} s; {config.bot_people} "
                "people onboard through it"
            )
            writers = [
                Writer(
                    api,
                    TelegramUser(
                        api,
                        FIRST_TELEGRAM_ID + n,
                        first_name=f"Bench{n + 1}",
                        language_code=LANGUAGES[n % len(LANGUAGES)],
                    ),
                    words.translator(LANGUAGES[n % len(LANGUAGES)]),
                )
                for n in range(config.bot_people)
            ]
            started = time.monotonic()
            await _everyone(
                writers, lambda n, w: _onboard(w, flats, str(n + 1), rng.uniform(0, 0.5))
            )
            await _approve(stack.edge_address, await bench.session.metadata(), writers)
            # The approvals' notifications (account, apartment) reach the same Bot API: they
            # are delivered before anything is timed.
            if not await api.notified([w.chat for w in writers], 2, within=60):
                raise BenchError("the approvals' notifications did not all arrive in 60 s")
            await _everyone(writers, lambda n, w: _menu(w))
            onboarding_s = time.monotonic() - started
            think = config.bot_think
            say(
                f"  · bot: {config.bot_people} people at once, {config.bot_rounds} × (/help + "
                f"the create-request conversation), {think[0]:g}–{think[1]:g} s between steps"
            )
            # What came before is not the measured rounds' (Envoy flushes every 100 ms).
            await asyncio.sleep(0.3)
            mesh_log.read()
            groups = stack.process_groups()
            before = CpuSnapshot.take(groups)
            started = time.monotonic()
            rtt: list[float] = []
            async with _probing(api.base_url, api.token, rtt):
                await _everyone(
                    writers,
                    lambda n, w: _rounds(w, config.bot_rounds, think, random.Random(n), n),
                )
            seconds = time.monotonic() - started
            spent = before.until(CpuSnapshot.take(groups))
            await asyncio.sleep(0.3)  # Envoy flushes its access log every 100 ms
            mesh = mesh_calls(mesh_log.read(), conversations=config.bot_people * config.bot_rounds)
            samples = [s for w in writers for s in w.samples]
            profiled = None
            if config.profile:
                profiled = await _profiled(bench, writers, process.pid, think)
        finally:
            stack.stop_bot()
    updates = len(samples)
    other = spent.pop(OTHER)
    by_step: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_step[sample.step].append(sample)
    return BotFigures(
        people=config.bot_people,
        rounds=config.bot_rounds,
        think_s=think,
        steps={name: StepFigures.of(by_step[name]) for name in STEPS if by_step[name]},
        baseline=StepFigures.of(by_step[HELP]),
        bot_api_rtt=StepFigures.of([Sample("getMe", ms, 0.0) for ms in rtt]),
        seconds=seconds,
        updates=updates,
        filed=len(by_step["confirm"]),
        filed_in_all=len(by_step["confirm"]) + (len(writers) if profiled else 0),
        cpu_ms_per_update={
            name: seconds_spent / updates * 1e3
            for name, seconds_spent in sorted(spent.items())
            if name == CLIENT or seconds_spent > 0
        },
        other_cores=other / seconds if seconds > 0 else 0.0,
        mesh=mesh,
        onboarding_s=onboarding_s,
        bot_start_s=bot_start_s,
        profile=profiled,
    )


async def _everyone(
    writers: Sequence[Writer], job: Callable[[int, Writer], Awaitable[None]]
) -> None:
    """`job` for every person at once; the first failure fails the part."""
    await asyncio.gather(*(job(n, w) for n, w in enumerate(writers)))


async def _polling(
    api: ChatsBotApi, running: Callable[[], bool], log_tail: Callable[[], str]
) -> None:
    """Wait for the bot's first long poll."""
    deadline = time.monotonic() + 90
    while api.waiting_polls == 0:
        if not running():
            raise BenchError(f"the bot exited before polling:\n{log_tail()}")
        if time.monotonic() > deadline:
            raise BenchError(f"the bot did not poll within 90 s:\n{log_tail()}")
        await asyncio.sleep(0.05)


async def _building(edge: str, metadata: Metadata, count: int) -> Flats:
    """A yard with one building of `count` apartments (the bench's residents)."""
    async with grpc.aio.insecure_channel(edge) as channel:
        directory = dir_rpc.DirectoryServiceStub(channel)
        point = dir_pb.GeoPointInput(latitude_e6=41_338_000, longitude_e6=69_334_000)
        name = f"Bench Yard {uuid.uuid4().hex[:6]}"
        yard = (
            await directory.CreateYard(
                dir_pb.CreateYardRequest(name=name, location=point), metadata=metadata
            )
        ).yard
        building = (
            await directory.CreateBuilding(
                dir_pb.CreateBuildingRequest(
                    yard_id=yard.id,
                    address="Bench street 1",
                    location=point,
                    entrances=4,
                    floors=16,
                ),
                metadata=metadata,
            )
        ).building
        made = await directory.CreateApartmentRange(
            dir_pb.CreateApartmentRangeRequest(building_id=building.id, first=1, last=count),
            metadata=metadata,
        )
    return Flats(yard.id, name, building.id, {a.number: a.id for a in made.apartments})


async def _onboard(w: Writer, flats: Flats, flat: str, delay: float) -> None:
    """/start → resident → phone → yard → building → apartment (untimed); the yard and the
    apartment are searched for, as a person in a long list would."""
    t = w.t
    yard = PickYard(id=UUID(flats.yard_id)).pack()
    apartment = PickFlat(id=UUID(flats.flats[flat])).pack()
    await asyncio.sleep(delay)
    await w.act(w.say("/start"), stem(t, "onboarding.fork.ask"))
    await w.act(w.press(Fork(choice=ForkChoice.RESIDENT).pack()), stem(t, "onboarding.phone.ask"))
    await w.act(w.say(f"+99893{w.chat % 10_000_000:07d}"), stem(t, "onboarding.yard.ask"))
    await w.act(w.say(flats.yard_name), yard)
    await w.act(w.press(yard), stem(t, "onboarding.building.ask"))
    await w.act(
        w.press(PickBuilding(id=UUID(flats.building_id)).pack()), stem(t, "onboarding.flat.ask")
    )
    await w.act(w.say(flat), apartment)
    await w.act(w.press(apartment), stem(t, "onboarding.bound"))


async def _approve(edge: str, metadata: Metadata, writers: Sequence[Writer]) -> None:
    """The manager approves every newcomer and their apartment (over gRPC)."""
    wanted = {w.chat for w in writers}
    async with grpc.aio.insecure_channel(edge) as channel:
        users = users_rpc.UserServiceStub(channel)
        directory = dir_rpc.DirectoryServiceStub(channel)
        ids: list[str] = []
        token = ""
        while True:
            page = await users.ListUsers(
                users_pb.ListUsersRequest(
                    page_size=100, page_token=token, status=user_pb2.ACCOUNT_STATUS_PENDING
                ),
                metadata=metadata,
            )
            ids += [u.id for u in page.users if u.telegram_user_id in wanted]
            token = page.next_page_token
            if not token:
                break
        if len(ids) != len(wanted):
            raise BenchError(f"{len(ids)} of {len(wanted)} people are waiting for approval")
        slots = asyncio.Semaphore(8)

        async def one(user_id: str) -> None:
            async with slots:
                await users.ApproveUser(
                    users_pb.ApproveUserRequest(user_id=user_id), metadata=metadata
                )
                bindings = await directory.ListApartmentBindings(
                    dir_pb.ListApartmentBindingsRequest(user_id=user_id), metadata=metadata
                )
                for binding in bindings.bindings:
                    await directory.DecideApartmentBinding(
                        dir_pb.DecideApartmentBindingRequest(binding_id=binding.id, approve=True),
                        metadata=metadata,
                    )

        await asyncio.gather(*(one(user_id) for user_id in ids))


async def _menu(w: Writer) -> None:
    """/menu once approved (the bot renews the person's token: not a figure)."""
    await w.act(w.say("/menu"), stem(w.t, "menu.title"))


async def _rounds(
    w: Writer, rounds: int, think: tuple[float, float], rng: random.Random, n: int
) -> None:
    """/help and the conversation, `rounds` times, at a person's pace."""
    for round_no in range(rounds):
        await _conversation(
            w,
            lambda: asyncio.sleep(rng.uniform(*think)),
            photo=(n + round_no) % 2,
            round_no=round_no,
        )


async def _conversation(
    w: Writer,
    pause: Callable[[], Awaitable[None]],
    *,
    photo: int,
    round_no: int = 0,
    timed: bool = True,
) -> None:
    """/help, then filing a request from the menu to its number."""
    t = w.t

    def step(name: str) -> str:
        return name if timed else ""

    await pause()
    await w.act(w.say("/help"), t("help.applicant"), round_no=round_no, step=step(HELP))
    await pause()
    await w.act(
        w.press(MenuItem(item=MenuKey.NEW_REQUEST).pack()),
        stem(t, "new_request.category.ask"),
        round_no=round_no,
        step=step("new request"),
    )
    await pause()
    await w.act(
        w.press(PickCategory(category=CategoryKey.PLUMBING).pack()),
        t("new_request.address.ask"),
        round_no=round_no,
        step=step("category"),
    )
    await pause()
    await w.act(
        w.press(PickAddress(index=0).pack()),
        t("new_request.description.ask"),
        round_no=round_no,
        step=step("address"),
    )
    await pause()
    await w.act(
        w.say(DESCRIPTION),
        t("new_request.urgency.ask"),
        round_no=round_no,
        step=step("description"),
    )
    await pause()
    await w.act(
        w.press(PickUrgency(urgency=UrgencyKey.MEDIUM).pack()),
        stem(t, "new_request.media.ask"),
        round_no=round_no,
        step=step("urgency"),
    )
    if photo:
        await pause()
        await w.act(
            w.user.photo,
            t("new_request.media.added", count=1, limit=5),
            round_no=round_no,
            step=step("photo"),
        )
    await pause()
    action = StepAction.DONE if photo else StepAction.SKIP
    await w.act(
        w.press(StepDo(action=action).pack()),
        stem(t, "new_request.summary"),
        round_no=round_no,
        step=step("done / skip"),
    )
    await pause()
    since = w.api.mark(w.chat)
    await w.act(
        w.press(StepDo(action=StepAction.CONFIRM).pack()),
        stem(t, "new_request.filed"),
        stem(t, "new_request.filed_no_due"),
        round_no=round_no,
        step=step("confirm"),
    )
    # The menu follows the number (not timed: the person has their answer).
    await w.api.reply(w.chat, since, [t("menu.next")], within=30)


@asynccontextmanager
async def _probing(base_url: str, token: str, into: list[float]) -> AsyncIterator[None]:
    """`getMe` against the Bot API from this process every 50 ms while the block runs."""
    url = f"{base_url}/bot{token}/getMe"

    async def run(http: aiohttp.ClientSession) -> None:
        while True:
            started = time.monotonic()
            async with http.post(url) as response:
                await response.read()
                if response.status != 200:
                    raise BenchError(f"getMe answered {response.status}")
            into.append((time.monotonic() - started) * 1e3)
            await asyncio.sleep(0.05)

    async with aiohttp.ClientSession() as http:
        task = asyncio.create_task(run(http))
        try:
            yield
        finally:
            task.cancel()
            [ended] = await asyncio.gather(task, return_exceptions=True)
            if isinstance(ended, BenchError):
                raise ended


def mesh_calls(entries: Sequence[dict[str, str]], *, conversations: int) -> MeshCalls:
    """The bot's calls (its certificate's identity) by method."""
    mine = [e for e in entries if str(e.get("peer", "")).endswith(f"/svc/{BOT}")]
    durations: dict[str, list[float]] = defaultdict(list)
    not_ok: Counter[str] = Counter()
    for entry in mine:
        method = str(entry.get("path", "?")).rsplit("/", 1)[-1]
        durations[method].append(float(entry.get("duration_ms") or 0))
        status = str(entry.get("grpc_status", "?"))
        if status != "0":
            not_ok[f"{method} {status}"] += 1
    by_method = {
        method: {
            "count": float(len(values)),
            "per_conversation": len(values) / conversations if conversations else 0.0,
            "p50_ms": percentile(values, 50),
            "p99_ms": percentile(values, 99),
        }
        for method, values in sorted(durations.items(), key=lambda item: -len(item[1]))
    }
    return MeshCalls(by_method, dict(not_ok), len(mine))


async def _profiled(
    bench: Bench, writers: Sequence[Writer], pid: int | None, think: tuple[float, float]
) -> dict[str, Any]:
    """One more round per person with the bot sampled by py-spy (outside the figures)."""
    binary = profile.py_spy()
    if binary is None or pid is None:
        bench.say("  ! --profile: py-spy is not installed (pip install py-spy); skipped")
        return {}
    output = bench.artifacts / "profile-bot.txt"
    output.parent.mkdir(parents=True, exist_ok=True)
    async with profile.sampling(binary, pid, output):
        await _everyone(
            writers,
            lambda n, w: _conversation(
                w, lambda: asyncio.sleep(random.uniform(*think)), photo=n % 2, timed=False
            ),
        )
    summary = profile.summarize(output.read_text() if output.exists() else "")
    bench.say(profile.format_profile("bot, the conversation", summary))
    return {
        "collapsed_stacks": str(output),
        "samples": summary.samples,
        "inclusive": dict(summary.inclusive),
        "self": dict(summary.self_time),
    }
