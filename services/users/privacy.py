"""Personal data at rest in the users service: which columns are sealed and how.

Every sealed value is bound (as AES-GCM associated data) to its table, column and row id, so a
value copied into another row or column no longer decrypts. Phones are indexed with a blind
index of their E.164 form (purpose `users.phone`), searchable by equality only.
"""

from __future__ import annotations

from services.kit.crypto import Keyring, bind

PHONE_INDEX_PURPOSE = "users.phone"


class Sealer:
    """Seals and opens the personal columns of this service with the process keyring."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def seal(self, value: str, *, table: str, column: str, row_id: str) -> str:
        """`value` encrypted for `table.column` of row `row_id`."""
        return self.keyring.encrypt(value, associated_data=bind("users", table, column, row_id))

    def seal_optional(
        self, value: str | None, *, table: str, column: str, row_id: str
    ) -> str | None:
        """`seal`, with None staying None."""
        if value is None:
            return None
        return self.seal(value, table=table, column=column, row_id=row_id)

    def open(self, sealed: str | None, *, table: str, column: str, row_id: str) -> str | None:
        """The clear value of a sealed column (None stays None)."""
        if sealed is None:
            return None
        return self.keyring.decrypt_text(
            sealed, associated_data=bind("users", table, column, row_id)
        )

    def reseal(self, sealed: str, *, table: str, column: str, row_id: str) -> str:
        """`sealed` under the current key (unchanged if it already is): key rotation."""
        return self.keyring.reencrypt(sealed, associated_data=bind("users", table, column, row_id))

    def is_current(self, sealed: str) -> bool:
        """Whether `sealed` was made with the current key."""
        return not self.keyring.needs_reencryption(sealed)

    def phone_index(self, e164: str) -> str:
        """The blind index stored next to a phone (current key)."""
        return self.keyring.blind_index(e164, purpose=PHONE_INDEX_PURPOSE)

    def phone_lookup(self, e164: str) -> list[str]:
        """Blind indexes to search for (every configured key, so rows not yet re-indexed after
        a key rotation are found too)."""
        return self.keyring.blind_indexes(e164, purpose=PHONE_INDEX_PURPOSE)
