"""SLA configuration from the environment (`UKM_SLA_*`, the same pydantic-settings mechanism as
`services.kit.settings`): per-category overrides of the urgency targets and the scheduler's pace.

Example: critical elevator requests must be answered in 15 minutes and fixed in 2 hours::

    UKM_SLA_CATEGORY_TARGETS='{"elevator": {"critical": {"respond": "PT15M", "resolve": "PT2H"}}}'

Durations are ISO 8601 (`PT15M`, `P3D`) or seconds.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.requests.domain import CATEGORY_SPECIALISATION
from services.requests.sla import DEFAULT_TARGETS, SlaPolicy, SlaTarget


class TargetSetting(BaseModel):
    """One pair of targets as configured."""

    respond: timedelta
    resolve: timedelta

    @field_validator("respond", "resolve")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be a positive duration")
        return value


class SlaSettings(BaseSettings):
    """How SLA clocks are configured and how often the scheduler looks for alerts."""

    model_config = SettingsConfigDict(env_prefix="UKM_SLA_", extra="ignore")

    # category → urgency → targets; anything not named keeps DOMAIN.md's urgency defaults.
    category_targets: dict[str, dict[str, TargetSetting]] = Field(default_factory=dict)
    # The scheduler polls this often even when it expects nothing (new clocks, other replicas).
    poll_seconds: float = Field(default=5.0, gt=0, le=300)
    # Clocks handled per transaction while catching up.
    batch_size: int = Field(default=500, ge=1, le=5000)

    @field_validator("category_targets")
    @classmethod
    def _known_keys(
        cls, value: dict[str, dict[str, TargetSetting]]
    ) -> dict[str, dict[str, TargetSetting]]:
        # A typo would otherwise silently leave the default in force.
        for category, by_urgency in value.items():
            if category not in CATEGORY_SPECIALISATION:
                raise ValueError(f"unknown category {category!r}")
            for urgency in by_urgency:
                if urgency not in DEFAULT_TARGETS:
                    raise ValueError(f"unknown urgency {urgency!r} for category {category!r}")
        return value

    def policy(self) -> SlaPolicy:
        """The policy these settings describe."""
        return SlaPolicy(
            by_category={
                (category, urgency): SlaTarget(target.respond, target.resolve)
                for category, by_urgency in self.category_targets.items()
                for urgency, target in by_urgency.items()
            }
        )
