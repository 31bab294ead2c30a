"""The outbox and local drafts live in the account store and survive reopening it."""

from __future__ import annotations

from pathlib import Path

from deskmail.engine.smtp.outbox import HEAD_BYTES, LocalDrafts, Outbox, OutboxState, outbox_items, outbox_raw
from deskmail.engine.store import Store


def test_outbox_survives_reopening_the_store(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    store = Store.open(path)
    item = Outbox(store).add(b"raw", message_id="<a@x>", sender="me@x", recipients=["you@y", "bcc@z"])
    Outbox(store).set_state(item.id, OutboxState.SENDING)
    store.conn.close()
    again = Outbox(Store.open(path)).items()
    assert [(i.message_id, i.state, i.attempts, i.recipients) for i in again] == [
        ("<a@x>", OutboxState.SENDING, 1, ["you@y", "bcc@z"])
    ]


def test_outbox_records_errors_and_removal(tmp_path: Path) -> None:
    outbox = Outbox(Store.open(tmp_path / "s.sqlite3"))
    item = outbox.add(b"raw", message_id="<b@x>", sender="me@x", recipients=["you@y"])
    outbox.set_state(item.id, OutboxState.FAILED, {"kind": "recipient_refused", "message": "no"})
    failed = outbox.get(item.id)
    assert failed is not None and failed.last_error == {"kind": "recipient_refused", "message": "no"}
    outbox.set_state(item.id, OutboxState.SENT)
    sent = outbox.get(item.id)
    assert sent is not None and sent.sent_at > 0 and sent.last_error is None
    outbox.remove(item.id)
    assert outbox.items() == []


def test_a_spooled_message_is_stored_whole_and_listed_by_its_head(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.sqlite3")
    raw = b"Subject: big one\r\n\r\n" + bytes(range(256)) * 20_000  # 5 MB, in a spool file
    spooled = tmp_path / ".spool-1"
    spooled.write_bytes(raw)
    item_id = Outbox(store).add_file(spooled, message_id="<c@x>", sender="me@x", recipients=["you@y"])
    [head] = outbox_items(store, heads_only=True)  # what the Outbox button reads at every refresh
    assert head.id == item_id and head.raw == raw[:HEAD_BYTES] and head.raw.startswith(b"Subject: big one")
    assert outbox_raw(store, item_id) == raw
    whole = Outbox(store).get(item_id)
    assert whole is not None and whole.raw == raw
    assert outbox_raw(store, item_id + 1) is None


def test_a_draft_keeps_one_row_per_composition(tmp_path: Path) -> None:
    drafts = LocalDrafts(Store.open(tmp_path / "s.sqlite3"))
    first = drafts.save("<d@x>", b"v1")
    drafts.set_server_copy("<d@x>", 7, 99, first.saved_at)
    assert drafts.pending() == []
    second = drafts.save("<d@x>", b"v2")
    assert (second.raw, second.server_uid, second.uploaded) == (b"v2", 7, False)  # old copy still to replace
    assert [d.message_id for d in drafts.pending()] == ["<d@x>"]
    drafts.set_server_copy("<d@x>", 8, 99, first.saved_at)  # a late answer for the older version
    record = drafts.get("<d@x>")
    assert record is not None and record.server_uid == 8 and not record.uploaded
    drafts.set_server_copy("<d@x>", 9, 99, second.saved_at)
    assert drafts.pending() == [] and [d.message_id for d in drafts.all()] == ["<d@x>"]


def test_the_ui_reads_the_outbox_through_its_read_only_connection(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.sqlite3")
    Outbox(store).add(b"raw", message_id="<r@x>", sender="me@x", recipients=["you@y"])
    assert [i.message_id for i in outbox_items(store.reader())] == ["<r@x>"]
