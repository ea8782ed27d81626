"""The `requests.sla_clocks` table (migration 0002_sla): one row per request and clock.

`due_at`, `warn_at` and `next_alert_at` are derived from the other columns by
`services.requests.sla_clock.Clock` and stored so that SQL can filter and sort on them: listing
by SLA state compares `warn_at`/`due_at` with now, and the scheduler takes the rows whose
`next_alert_at` has come (a partial index holds only rows that still expect an alert).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import INTERVAL

from services.requests.models import SCHEMA

metadata = sa.MetaData(schema=SCHEMA)

sla_clocks = sa.Table(
    "sla_clocks",
    metadata,
    sa.Column("request_number", sa.Text, primary_key=True),
    sa.Column("clock", sa.Text, primary_key=True),  # response | resolution
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("target", INTERVAL, nullable=False),
    sa.Column("paused_total", INTERVAL, nullable=False),
    sa.Column("paused_at", sa.DateTime(timezone=True)),
    sa.Column("stopped_at", sa.DateTime(timezone=True)),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("warn_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("warned_at", sa.DateTime(timezone=True)),
    sa.Column("breached_at", sa.DateTime(timezone=True)),
    sa.Column("next_alert_at", sa.DateTime(timezone=True)),
)
