"""CPU time per component during a run, from /proc (Linux).

Each stack component runs in its own process group, so summing the CPU of every process in a
group — including reaped children — gives the component's CPU. PostgreSQL's backends are the
exception: each one calls setsid() and leads a session of its own, so a process whose parent
leads a component's group counts for that component too (otherwise a backend's CPU would only
show once it exits and is reaped). The load client is this process plus its reaped children
(h2load). Whatever else the machine did meanwhile is reported as `other`: on a shared machine it
says how much the figures of a run were disturbed.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")
CLIENT = "client"
OTHER = "other"


def _group_seconds(groups: dict[str, int]) -> dict[str, float]:
    names = {pgid: name for name, pgid in groups.items()}
    totals = dict.fromkeys(groups, 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # After "pid (comm) ": state, ppid, pgrp, …; utime, stime, cutime, cstime are 14–17.
        fields = stat[stat.rindex(")") + 2 :].split()
        name = names.get(int(fields[2])) or names.get(int(fields[1]))
        if name is not None:
            totals[name] += sum(int(v) for v in fields[11:15]) / _TICK
    return totals


def _client_seconds() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _machine_busy_seconds() -> float:
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
    return (sum(values[:8]) - values[3] - values[4]) / _TICK


@dataclass(frozen=True)
class CpuSnapshot:
    """Cumulative CPU seconds at one moment."""

    groups: dict[str, float]
    client: float
    machine: float

    @classmethod
    def take(cls, groups: dict[str, int]) -> CpuSnapshot:
        """Read the counters now."""
        return cls(_group_seconds(groups), _client_seconds(), _machine_busy_seconds())

    def until(self, later: CpuSnapshot) -> dict[str, float]:
        """CPU seconds per component between this snapshot and `later`, plus client and other."""
        spent = {name: later.groups[name] - self.groups[name] for name in self.groups}
        spent[CLIENT] = later.client - self.client
        ours = sum(spent.values())
        spent[OTHER] = max(0.0, (later.machine - self.machine) - ours)
        return spent
