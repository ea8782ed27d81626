"""Encryption of personal data at rest, with versioned keys that can be rotated.

The keys come from `Settings.data_keys` (`UKM_DATA_KEYS`): `version:base64url(32 bytes)` entries,
comma-separated, e.g. `1:…,2:…`. The highest version encrypts; every listed version decrypts, so
a key is rotated by adding a new version, re-encrypting stored values (`Keyring.reencrypt`), and
only then dropping the old one.

What the keyring offers:

- `encrypt` / `decrypt`: AES-256-GCM. A stored value reads `v<version>.<nonce>.<ciphertext>`
  (both parts unpadded base64url), so it names the key it needs. Callers pass *associated data*
  (see `bind`) that ties a ciphertext to its row and column: a value copied into another row, or
  into another column of the same row, no longer decrypts.
- `blind_index`: an HMAC-SHA256 of a normalised value (a phone in E.164) under a key of its own,
  so a column can be searched by equality without storing the value in clear. During a rotation
  `blind_indexes` gives the index under every key, to search rows not yet re-indexed.
- `derive_key`: a key for another purpose (e.g. signing invites), derived with HKDF-SHA256.

No key is ever used for two purposes: the AES key, each blind-index key and each derived key
come from the configured key through HKDF with distinct labels. Key material never appears in
errors or reprs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

if TYPE_CHECKING:
    from services.kit.settings import Settings

__all__ = [
    "DataKeyError",
    "DecryptionError",
    "Keyring",
    "add_data_key",
    "bind",
    "generate_data_key",
]

KEY_BYTES = 32
NONCE_BYTES = 12  # the GCM standard nonce; random nonces are safe far beyond our volumes
_LABEL = b"ukm/kit.crypto/"
_CIPHERTEXT = re.compile(r"v([1-9][0-9]*)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)")


class DataKeyError(ValueError):
    """`UKM_DATA_KEYS` is missing or malformed (a configuration error, raised at startup)."""


class DecryptionError(Exception):
    """A stored value cannot be decrypted: malformed, tampered with, bound to other associated
    data, or encrypted with a key version that is no longer configured."""


class Keyring:
    """The data keys of a process, by version. Immutable; safe to share between tasks."""

    __slots__ = ("_aead", "_index_keys", "_master", "current_version")

    def __init__(self, keys: Mapping[int, bytes]) -> None:
        if not keys:
            raise DataKeyError("no data keys configured (set UKM_DATA_KEYS)")
        for version, key in keys.items():
            if version < 1:
                raise DataKeyError(f"data key version {version} must be a positive integer")
            if len(key) != KEY_BYTES:
                raise DataKeyError(f"data key version {version} must be {KEY_BYTES} bytes")
        self._master = dict(keys)
        self.current_version = max(keys)
        self._aead = {v: AESGCM(_hkdf(k, b"aes-256-gcm")) for v, k in keys.items()}
        self._index_keys: dict[tuple[int, str], bytes] = {}

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """A keyring from the `version:base64url(32 bytes),…` form of `UKM_DATA_KEYS`."""
        keys: dict[int, bytes] = {}
        entries = [entry.strip() for entry in text.split(",") if entry.strip()]
        if not entries:
            raise DataKeyError(
                "UKM_DATA_KEYS is empty; generate a key with "
                "`python -c 'from services.kit.crypto import generate_data_key as g; print(g())'`"
            )
        for position, entry in enumerate(entries, start=1):
            version_text, separator, encoded = entry.partition(":")
            if not separator or not version_text.strip().isdigit():
                raise DataKeyError(
                    f"UKM_DATA_KEYS entry {position} must read `version:base64url-key`"
                )
            version = int(version_text)
            if version in keys:
                raise DataKeyError(f"UKM_DATA_KEYS lists version {version} twice")
            try:
                key = _b64decode(encoded.strip())
            except ValueError:
                raise DataKeyError(
                    f"UKM_DATA_KEYS version {version} is not valid base64url"
                ) from None
            keys[version] = key
        return cls(keys)

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        """The keyring configured for this process."""
        return cls.parse(settings.data_keys.get_secret_value())

    @property
    def versions(self) -> tuple[int, ...]:
        """Configured key versions, oldest first."""
        return tuple(sorted(self._master))

    def __repr__(self) -> str:
        return f"Keyring(versions={list(self.versions)}, current={self.current_version})"

    # Encryption -------------------------------------------------------------------------------

    def encrypt(self, plaintext: str | bytes, *, associated_data: bytes = b"") -> str:
        """`plaintext` encrypted with the current key, as a self-describing text value."""
        data = plaintext.encode() if isinstance(plaintext, str) else plaintext
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[self.current_version].encrypt(nonce, data, associated_data)
        return f"v{self.current_version}.{_b64encode(nonce)}.{_b64encode(sealed)}"

    def decrypt(self, ciphertext: str, *, associated_data: bytes = b"") -> bytes:
        """The plaintext of a value made by `encrypt` with the same associated data."""
        version, nonce, sealed = _split(ciphertext)
        aead = self._aead.get(version)
        if aead is None:
            raise DecryptionError(f"value is encrypted with key version {version}, not configured")
        try:
            return aead.decrypt(nonce, sealed, associated_data)
        except InvalidTag:
            raise DecryptionError(
                "value does not authenticate (tampered with, or bound to other data)"
            ) from None

    def decrypt_text(self, ciphertext: str, *, associated_data: bytes = b"") -> str:
        """`decrypt` for values that were text."""
        return self.decrypt(ciphertext, associated_data=associated_data).decode()

    def needs_reencryption(self, ciphertext: str) -> bool:
        """Whether `ciphertext` was made with a key older than the current one."""
        return _split(ciphertext)[0] != self.current_version

    def reencrypt(self, ciphertext: str, *, associated_data: bytes = b"") -> str:
        """The same plaintext under the current key (unchanged if it already is).

        Run over every stored value after adding a key version; once none needs it, the old
        version can be removed from `UKM_DATA_KEYS`.
        """
        if not self.needs_reencryption(ciphertext):
            return ciphertext
        plaintext = self.decrypt(ciphertext, associated_data=associated_data)
        return self.encrypt(plaintext, associated_data=associated_data)

    # Blind indexes and derived keys -----------------------------------------------------------

    def blind_index(self, value: str, *, purpose: str) -> str:
        """A deterministic, keyed digest of `value` for equality search (current key).

        `purpose` names the column (e.g. `users.phone`) so equal values in two columns do not
        produce equal digests. Normalise `value` first: the digest matches exact bytes only.
        """
        return self._index(self.current_version, value, purpose)

    def blind_indexes(self, value: str, *, purpose: str) -> list[str]:
        """The blind index of `value` under every configured key, current first (searching
        with `IN (…)` finds rows whether or not a rotation has re-indexed them yet)."""
        ordered = sorted(self._master, reverse=True)
        return [self._index(version, value, purpose) for version in ordered]

    def derive_key(self, purpose: str, *, version: int | None = None) -> bytes:
        """A 32-byte key for `purpose` (e.g. `users.invites`), derived from the current key or
        from `version`. Different purposes give independent keys."""
        chosen = self.current_version if version is None else version
        master = self._master.get(chosen)
        if master is None:
            raise DataKeyError(f"data key version {chosen} is not configured")
        return _hkdf(master, b"derived/" + purpose.encode())

    def _index(self, version: int, value: str, purpose: str) -> str:
        key = self._index_keys.get((version, purpose))
        if key is None:
            key = _hkdf(self._master[version], b"blind-index/" + purpose.encode())
            self._index_keys[(version, purpose)] = key
        return _b64encode(hmac.new(key, value.encode(), hashlib.sha256).digest())


def bind(*parts: str) -> bytes:
    """Associated data naming where a value lives, e.g. `bind("users", "phone", user_id)`.

    Each part is length-prefixed, so ("ab", "c") and ("a", "bc") never collide.
    """
    encoded = bytearray()
    for part in parts:
        raw = part.encode()
        encoded += len(raw).to_bytes(4, "big") + raw
    return bytes(encoded)


def generate_data_key(version: int = 1) -> str:
    """A fresh `version:base64url-key` entry for `UKM_DATA_KEYS`."""
    if version < 1:
        raise DataKeyError("data key versions start at 1")
    return f"{version}:{_b64encode(os.urandom(KEY_BYTES))}"


def add_data_key(existing: str) -> str:
    """`existing` keys plus a new one with the next version (the first step of a rotation)."""
    keyring = Keyring.parse(existing)
    entries = [entry.strip() for entry in existing.split(",") if entry.strip()]
    return ",".join([*entries, generate_data_key(keyring.current_version + 1)])


def _hkdf(key: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_LABEL + label).derive(
        key
    )


def _split(ciphertext: str) -> tuple[int, bytes, bytes]:
    match = _CIPHERTEXT.fullmatch(ciphertext)
    if match is None:
        raise DecryptionError("value is not a ciphertext of kit.crypto (v<version>.<nonce>.<data>)")
    try:
        nonce, sealed = _b64decode(match[2]), _b64decode(match[3])
    except ValueError:
        raise DecryptionError("value has invalid base64url parts") from None
    if len(nonce) != NONCE_BYTES:
        raise DecryptionError("value has a nonce of the wrong length")
    return int(match[1]), nonce, sealed


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    """Unpadded or padded base64url; anything else raises ValueError."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*={0,2}", text):
        raise ValueError("not base64url")
    stripped = text.rstrip("=")
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc
