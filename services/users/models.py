"""Tables of the users service (schema `users`; no other service touches them).

People and verification tables are declared here; the address directory's tables live in
`directory_models` on the same `metadata`.
"""

from __future__ import annotations

import sqlalchemy as sa

from services.kit.consumer import inbox_table
from services.kit.outbox import outbox_table

SCHEMA = "users"
metadata = sa.MetaData(schema=SCHEMA)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
