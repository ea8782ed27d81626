"""Service-level targets: how fast a request must be answered and resolved (pure logic).

The targets only; the rest of the SLA lives next door: `sla_clock` (pause/resume arithmetic,
states, alerts), `sla_settings` (per-category overrides from `UKM_SLA_*`), `sla_store` and
`sla_hooks` (clocks kept in step with their requests), `sla_scheduler` (warnings and breaches).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType


@dataclass(frozen=True)
class SlaTarget:
    """Time to first response (assignment) and to resolution (COMPLETED)."""

    respond: timedelta
    resolve: timedelta


# DOMAIN.md defaults, by urgency key.
DEFAULT_TARGETS: Mapping[str, SlaTarget] = MappingProxyType(
    {
        "critical": SlaTarget(timedelta(minutes=30), timedelta(hours=4)),
        "high": SlaTarget(timedelta(hours=2), timedelta(hours=24)),
        "medium": SlaTarget(timedelta(hours=8), timedelta(days=3)),
        "low": SlaTarget(timedelta(hours=24), timedelta(days=5)),
    }
)


@dataclass(frozen=True)
class SlaPolicy:
    """Targets per urgency, optionally overridden per (category, urgency)."""

    by_urgency: Mapping[str, SlaTarget] = field(default_factory=lambda: DEFAULT_TARGETS)
    by_category: Mapping[tuple[str, str], SlaTarget] = field(default_factory=dict)

    def target(self, category: str, urgency: str) -> SlaTarget:
        """The target for a request of this category and urgency."""
        if (category, urgency) in self.by_category:
            return self.by_category[(category, urgency)]
        return self.by_urgency[urgency]

    def deadlines(
        self, category: str, urgency: str, created: datetime
    ) -> tuple[datetime, datetime]:
        """Response and resolution due times for a request created at `created`."""
        target = self.target(category, urgency)
        return created + target.respond, created + target.resolve
