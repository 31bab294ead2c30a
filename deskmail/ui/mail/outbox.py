"""The Outbox in the status bar: what waits to go out, and refused messages to open, fix and send again."""

from __future__ import annotations

from collections.abc import Callable
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from PySide6.QtWidgets import QMenu, QPushButton, QWidget

from deskmail.engine.smtp.outbox import OutboxItem, OutboxState

OpenItem = Callable[[str, OutboxItem], object]  # (account email, refused item) -> opens it in the composer


def subject_of(raw: bytes) -> str:
    """The Subject of a queued message (headers only: a big attachment is not parsed for a menu label)."""
    headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
    return str(headers.get("Subject", "") or "").strip() or "(no subject)"


def refusal_of(item: OutboxItem) -> str:
    return str((item.last_error or {}).get("message", "") or "The server refused it.")


def outbox_menu(
    parent: QWidget, waiting: list[tuple[str, OutboxItem]], send_now: Callable[[], None], open_item: OpenItem
) -> QMenu:
    """Each waiting message: a refused one opens in the composer to be fixed; then "Try sending all now"."""
    menu = QMenu(parent)
    for email, item in waiting:
        if item.state is OutboxState.FAILED:
            # A refused message is not fixed by trying again: the person opens it, corrects it and sends it.
            action = menu.addAction(f"Fix and send again: {subject_of(item.raw)}")
            action.setToolTip(refusal_of(item))
            action.triggered.connect(lambda _c=False, e=email, i=item: open_item(e, i))
        else:
            menu.addAction(f"Waiting: {subject_of(item.raw)}").setEnabled(False)
    menu.addSeparator()
    menu.addAction("Try sending all now").triggered.connect(lambda _c=False: send_now())
    return menu


def show_outbox(
    button: QPushButton, waiting: list[tuple[str, OutboxItem]], send_now: Callable[[], None], open_item: OpenItem
) -> None:
    """Fill the status-bar button: a count; with refused messages, a menu to fix each of them."""
    if not waiting:
        button.hide()
        return
    count = len(waiting)
    refused = [(email, item) for email, item in waiting if item.state is OutboxState.FAILED]
    text = f"{count} message{'s' if count != 1 else ''} waiting in the Outbox"
    button.setToolTip("\n".join(refusal_of(item) for _email, item in refused) or "They are sent with the next check.")
    old = button.menu()
    if not refused:
        button.setMenu(None)  # type: ignore[arg-type]
        button.setText(f"{text} · Send now")
    else:
        button.setMenu(outbox_menu(button, refused, send_now, open_item))
        button.setText(f"{text} · {len(refused)} not sent, click to see why")
    if old is not None and old is not button.menu():
        old.deleteLater()
    button.show()
