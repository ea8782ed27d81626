"""Backup codes: shape, hashing and single-slot matching."""

from __future__ import annotations

import re

from services.auth import backup_codes


def test_ten_grouped_codes_from_the_unambiguous_alphabet() -> None:
    codes = backup_codes.generate_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(r"[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}", code)
        assert not set(code) & set("01OI")


def test_hashes_are_sha256_hex_of_the_canonical_form() -> None:
    assert backup_codes.hash_code("k7qx2 mnp4r") == backup_codes.hash_code("K7QX2-MNP4R")
    assert re.fullmatch(r"[0-9a-f]{64}", backup_codes.hash_code("K7QX2-MNP4R"))


def test_match_finds_the_slot_of_a_code_typed_loosely() -> None:
    codes = backup_codes.generate_codes()
    hashes = [backup_codes.hash_code(c) for c in codes]
    assert backup_codes.match(codes[3].lower().replace("-", " "), hashes) == 3


def test_a_removed_slot_no_longer_matches() -> None:
    codes = backup_codes.generate_codes()
    hashes = [backup_codes.hash_code(c) for c in codes]
    used = backup_codes.match(codes[0], hashes)
    assert used == 0
    remaining = hashes[:used] + hashes[used + 1 :]
    assert backup_codes.match(codes[0], remaining) is None


def test_malformed_or_unknown_codes_do_not_match() -> None:
    hashes = [backup_codes.hash_code(c) for c in backup_codes.generate_codes()]
    for typed in ["", "K7QX2", "K7QX2-MNP4R-22", "O0O0O-I1I1I", "ZZZZZ-ZZZZZ"]:
        assert backup_codes.match(typed, hashes) is None
