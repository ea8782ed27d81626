"""Optional: where the service spends its Python time under load (py-spy, when installed).

`python -m tests.perf.bench --profile` samples the requests service during one extra run per
method (not part of the figures), counting only samples that hold the GIL (Python CPU, not
waiting), and prints per method the share of samples in which each package or project module
appears (inclusive) and the busiest functions (self time). The collapsed stacks are kept next
to the JSON (flamegraph.pl or speedscope read them).
py-spy is not a project dependency: `pip install py-spy` into the virtualenv to use this.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def py_spy() -> str | None:
    """The py-spy binary (virtualenv first), if installed."""
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


@asynccontextmanager
async def sampling(binary: str, pid: int, output: Path, rate: int = 200) -> AsyncIterator[None]:
    """Sample `pid` while the block runs; the collapsed stacks end up in `output`."""
    process = await asyncio.create_subprocess_exec(
        binary,
        "record",
        "--pid",
        str(pid),
        "--rate",
        str(rate),
        "--format",
        "raw",
        "--output",
        str(output),
        "--nonblocking",
        "--gil",  # only samples that hold the GIL: where the Python CPU goes
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await asyncio.sleep(0.5)  # attach before the load starts
        yield
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


@dataclass(frozen=True)
class Profile:
    """Shares of samples (0–1)."""

    samples: int
    inclusive: list[tuple[str, float]]
    self_time: list[tuple[str, float]]


_PROJECT = ("services/", "mesh/", "ukmctl/", "tests/")


def _where(file: str) -> str:
    """A third-party package, or a project module, for a frame's file (py-spy shows paths
    relative to the import root they were found in)."""
    if "site-packages/" in file:
        file = file.split("site-packages/", 1)[1]
    elif "/lib/python" in file:
        return "stdlib:" + Path(file).stem
    module = file.removesuffix(".py").removesuffix("/__init__")
    if "/" in module and not module.startswith(_PROJECT):
        return module.split("/", 1)[0]  # a package: sqlalchemy, asyncpg, grpc…
    return module


def summarize(collapsed: str, top: int = 12) -> Profile:
    """Aggregate py-spy's raw (collapsed) stacks."""
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [m for f in stack.split(";") if (m := _FRAME.match(f.strip()))]
        # What the event loop runs: the frames below its `Runner.run` (the entry frames above
        # it are in every sample and say nothing; its own time shows as Runner.run's self time).
        loop = [i for i, m in enumerate(frames) if m["function"] == "Runner.run"]
        below = frames[loop[-1] + 1 :] if loop else frames
        for place in {_where(m["file"]) for m in below}:
            inclusive[place] += count
        if frames:
            leaf = frames[-1]
            self_time[f"{leaf['function']} ({_where(leaf['file'])})"] += count
    if total == 0:
        return Profile(0, [], [])
    return Profile(
        total,
        [(k, v / total) for k, v in inclusive.most_common(top)],
        [(k, v / total) for k, v in self_time.most_common(top)],
    )


def format_profile(name: str, profile: Profile) -> str:
    """A few lines per profiled method."""
    if profile.samples == 0:
        return f"profile {name}: no samples (is ptrace allowed here?)"
    lines = [f"profile {name} ({profile.samples} samples of the service's Python threads)"]
    lines.append("  inclusive: " + ", ".join(f"{k} {v:.0%}" for k, v in profile.inclusive))
    lines.append("  self:")
    lines += [f"    {v:5.1%}  {k}" for k, v in profile.self_time]
    return "\n".join(lines)
