"""Body files are deleted only after the commit that forgets their rows; orphans are swept at open."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deskmail.engine.store import FolderInfo, MessageHeaders, Store

LONG_AGO = 1_000_000_000.0


def test_a_rolled_back_delete_keeps_the_file_and_open_sweeps_orphans(tmp_path: Path) -> None:
    path = tmp_path / "acct" / "store.sqlite3"
    store = Store.open(path)
    folder = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(folder.id, [MessageHeaders(uid=1, subject="big"), MessageHeaders(uid=2, subject="other")])
    rows = {m.uid: m for m in store.messages(folder.id)}
    store.bodies_dir.mkdir()
    kept = store.bodies_dir / f"{rows[1].id}.eml"
    kept.write_bytes(b"Subject: big\r\n\r\nbody\r\n")
    store.save_body(rows[1].id, path=kept, size=kept.stat().st_size)
    orphan = store.bodies_dir / "999.eml"  # a crash after the commit that forgot its row
    orphan.write_bytes(b"orphan")
    partial = store.bodies_dir / ".part-abc"  # a download cut short by a crash
    partial.write_bytes(b"half")
    fresh = store.bodies_dir / "1000.eml"  # maybe another process's download, not recorded yet
    fresh.write_bytes(b"new")
    for old in (kept, orphan, partial):
        os.utime(old, (LONG_AGO, LONG_AGO))

    with pytest.raises(RuntimeError), store.transaction():
        store.remove_uids(folder.id, [1])
        assert kept.exists()  # not before the commit
        raise RuntimeError("crash before the commit")
    assert kept.exists() and store.body(rows[1].id) is not None
    store.close()

    store = Store.open(path)
    assert sorted(p.name for p in store.bodies_dir.iterdir()) == sorted([kept.name, fresh.name])
    store.remove_uids(folder.id, [1])
    assert not kept.exists()
    assert store.sweep_orphan_bodies(min_age=0) == 1  # the fresh one, once old enough
    store.close()


def test_the_sweep_at_open_reads_only_the_rows_with_a_file(tmp_path: Path) -> None:
    """Every `deskmail sync` and window opens the store, and its sweep must not grow with the bodies
    kept for offline reading: those are inline, and scanning them read every page of every one."""
    path = tmp_path / "acct" / "store.sqlite3"
    store = Store.open(path)
    folder = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(folder.id, [MessageHeaders(uid=uid, subject=f"m{uid}") for uid in range(1, 402)])
    ids = [m.id for m in store.messages(folder.id)]
    store.bodies_dir.mkdir()
    kept = store.bodies_dir / f"{ids[0]}.eml"
    kept.write_bytes(b"Subject: big\r\n\r\nbody\r\n")
    store.save_body(ids[0], path=kept, size=kept.stat().st_size)
    with store.transaction():
        for message_id in ids[1:]:  # 400 downloaded bodies kept in the store, each past a page
            store.save_body(message_id, raw=b"Subject: kept\r\n\r\n" + b"x" * 6000)
    orphan = store.bodies_dir / "999999.eml"
    orphan.write_bytes(b"orphan")

    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    store.conn.set_progress_handler(count, 1)  # one call per SQLite VM instruction
    assert store.sweep_orphan_bodies(min_age=0) == 1
    store.conn.set_progress_handler(None, 1)
    assert sorted(p.name for p in store.bodies_dir.iterdir()) == [kept.name]
    assert steps < 100, f"{steps} SQLite steps: the sweep read the inline bodies too"
    store.close()
