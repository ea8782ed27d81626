"""Key rotation for the users service's personal data.

After a new key version is added to `UKM_DATA_KEYS`, `reseal_all` re-encrypts every sealed value
still under an older key (and recomputes the phone's blind index alongside it, since both were
made with the same key). When it reports nothing left, the old version can be removed from
`UKM_DATA_KEYS`. Safe to run while the service serves: rows are handled in small locked batches,
and running it twice changes nothing the second time.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.kit.db import session_factory, transaction
from services.users import models
from services.users.privacy import Sealer

# Sealed columns by table: the column's name in its associated data → the stored column.
_SEALED: dict[str, dict[str, str]] = {
    "users": {"phone": "phone_sealed", "email": "email_sealed"},
    "documents": {"media": "media_sealed", "note": "note_sealed"},
}


async def reseal_all(engine: AsyncEngine, sealer: Sealer, *, batch_size: int = 200) -> int:
    """Re-encrypt every value not yet under the current key; the number of rows changed."""
    changed = 0
    for table_name, columns in _SEALED.items():
        table = models.metadata.tables[f"{models.SCHEMA}.{table_name}"]
        changed += await _reseal_table(engine, sealer, table, columns, batch_size)
    return changed


async def _reseal_table(
    engine: AsyncEngine,
    sealer: Sealer,
    table: sa.Table,
    columns: dict[str, str],
    batch_size: int,
) -> int:
    sessions = session_factory(engine)
    changed, last_id = 0, None
    while True:
        async with transaction(sessions) as session:
            query = sa.select(table.c.id, *(table.c[c] for c in columns.values()))
            if last_id is not None:
                query = query.where(table.c.id > last_id)
            rows = (
                await session.execute(
                    query.order_by(table.c.id).limit(batch_size).with_for_update()
                )
            ).all()
            if not rows:
                return changed
            for row in rows:
                row_id = str(row.id)
                values = _fresh_values(sealer, table.name, columns, row._mapping, row_id)
                if values:
                    await session.execute(
                        sa.update(table).where(table.c.id == row.id).values(**values)
                    )
                    changed += 1
            last_id = rows[-1].id


def _fresh_values(
    sealer: Sealer, table: str, columns: dict[str, str], row: Any, row_id: str
) -> dict[str, str]:
    """New values for the row's sealed columns that are under an older key."""
    values: dict[str, str] = {}
    for name, column in columns.items():
        sealed = row[column]
        if sealed is None or sealer.is_current(sealed):
            continue
        values[column] = sealer.reseal(sealed, table=table, column=name, row_id=row_id)
        if table == "users" and name == "phone":
            phone = sealer.open(values[column], table=table, column=name, row_id=row_id)
            assert phone is not None
            values["phone_index"] = sealer.phone_index(phone)
    return values
