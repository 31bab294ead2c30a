"""The Outbox in the status bar: what waits to go out, and refused messages to open, fix and send again."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMenu, QPushButton, QWidget

from deskmail.core.i18n import _, ngettext
from deskmail.engine.smtp.outbox import OutboxItem, OutboxState, subject_of

OpenItem = Callable[[str, OutboxItem], object]  # (account email, refused item) -> opens it in the composer
Settle = Callable[[str, OutboxItem], object]  # (account email, unsure item) -> asks "send it again?"


def refusal_of(item: OutboxItem) -> str:
    return str((item.last_error or {}).get("message", "") or _("The server refused it."))


def outbox_menu(
    parent: QWidget,
    waiting: list[tuple[str, OutboxItem]],
    send_now: Callable[[], None],
    open_item: OpenItem,
    settle: Settle | None = None,
) -> QMenu:
    """Each waiting message: a refused one opens in the composer to be fixed, one that may already have
    been sent asks whether to send it again; then "Try sending all now"."""
    menu = QMenu(parent)
    for email, item in waiting:
        if item.state is OutboxState.UNSURE and settle is not None:
            action = menu.addAction(_("May already have been sent: {subject}").format(subject=subject_of(item.raw)))
            action.setToolTip(
                _("The connection broke just after it went out. Click to decide whether to send it again.")
            )
            action.triggered.connect(lambda _c=False, e=email, i=item: settle(e, i))
        elif item.state is OutboxState.FAILED:
            # A refused message is not fixed by trying again: the person opens it, corrects it and sends it.
            action = menu.addAction(_("Fix and send again: {subject}").format(subject=subject_of(item.raw)))
            action.setToolTip(refusal_of(item))
            action.triggered.connect(lambda _c=False, e=email, i=item: open_item(e, i))
        else:
            menu.addAction(_("Waiting: {subject}").format(subject=subject_of(item.raw))).setEnabled(False)
    menu.addSeparator()
    menu.addAction(_("Try sending all now")).triggered.connect(lambda _c=False: send_now())
    return menu


def show_outbox(
    button: QPushButton,
    waiting: list[tuple[str, OutboxItem]],
    send_now: Callable[[], None],
    open_item: OpenItem,
    settle: Settle | None = None,
) -> None:
    """Fill the status-bar button: a count; with messages that need the person, a menu for each of them."""
    if not waiting:
        button.hide()
        return
    count = len(waiting)
    refused = [(email, item) for email, item in waiting if item.state is OutboxState.FAILED]
    unsure = [(email, item) for email, item in waiting if item.state is OutboxState.UNSURE] if settle else []
    text = ngettext("{n} message waiting in the Outbox", "{n} messages waiting in the Outbox", count).format(n=count)
    button.setToolTip(
        "\n".join(refusal_of(item) for _email, item in refused) or _("They are sent with the next check.")
    )
    old = button.menu()
    if not refused and not unsure:
        button.setMenu(None)  # type: ignore[arg-type]
        button.setText(_("{waiting} · Send now").format(waiting=text))
    else:
        button.setMenu(outbox_menu(button, unsure + refused, send_now, open_item, settle))
        not_sent = ngettext("{n} not sent", "{n} not sent", len(refused)).format(n=len(refused))
        maybe_sent = ngettext("{n} may already have been sent", "{n} may already have been sent", len(unsure)).format(
            n=len(unsure)
        )
        # One whole text per case, so a language orders and joins the parts its own way.
        if refused and unsure:
            # Translators: the Outbox button. {waiting}: "3 messages waiting in the Outbox", {not_sent}: "1 not sent",
            # {maybe_sent}: "1 may already have been sent". Clicking it opens a menu with each message.
            state = _("{waiting} · {not_sent}, {maybe_sent}, click to see why")
        elif refused:
            # Translators: the Outbox button. {waiting}: "3 messages waiting in the Outbox", {not_sent}: "1 not sent".
            state = _("{waiting} · {not_sent}, click to see why")
        else:
            # Translators: the Outbox button. {waiting}: "3 messages waiting in the Outbox", {maybe_sent}: "1 may
            # already have been sent". Clicking it asks whether to send them again.
            state = _("{waiting} · {maybe_sent}, click to decide")
        button.setText(state.format(waiting=text, not_sent=not_sent, maybe_sent=maybe_sent))
    if old is not None and old is not button.menu():
        old.deleteLater()
    button.show()
