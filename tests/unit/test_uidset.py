"""UID sets compress into ranges and split under the IMAP line limit."""

from __future__ import annotations

from deskmail.engine.uidset import chunks, compress, expand


def test_compress_ranges() -> None:
    assert compress([10, 9, 1, 2, 3, 7, 3]) == "1:3,7,9:10"
    assert compress([]) == ""


def test_expand_inverts_compress() -> None:
    uids = [1, 2, 3, 7, 9, 10, 500]
    assert expand(compress(uids)) == uids
    assert expand("5:3") == [3, 4, 5]


def test_twenty_thousand_scattered_uids_fit_in_lines() -> None:
    uids = list(range(1, 40_000, 2))
    parts = chunks(uids, max_length=8000)
    assert all(len(p) <= 8000 for p in parts)
    assert [uid for p in parts for uid in expand(p)] == uids
