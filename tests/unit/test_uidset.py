"""UID sets compress into ranges and split under the IMAP line limit."""

from __future__ import annotations

import pytest

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


def test_expand_merges_overlapping_and_unordered_parts() -> None:
    assert expand("1:3,2:7,10") == [1, 2, 3, 4, 5, 6, 7, 10]
    assert expand("9,1,5:6,6") == [1, 5, 6, 9]
    assert expand("7:5,5:3") == [3, 4, 5, 6, 7]
    assert expand(" 4 , 4 ,") == [4]


def test_expand_of_a_whole_big_folder() -> None:
    # ESEARCH's answer for a 1,000,000-message Inbox, built in pieces (no single long call into C)
    assert expand("1:1000000,1000005") == [*range(1, 1_000_001), 1_000_005]


def test_expand_limit_counts_each_uid_once() -> None:
    assert expand("1:6,4:10", limit=10) == list(range(1, 11))
    with pytest.raises(ValueError, match="more than 10"):
        expand("1:6,4:11", limit=10)
