"""The mail window in German on the real test bed: folder roles, menus and dates in the person's language.

Special-use folders are shown by their role ("Posteingang", "Papierkorb") whatever the server calls
them, while the server is still addressed by its own names ("Trash"). Dates come from QLocale.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from deskmail.core import i18n
from deskmail.engine.store.models import SpecialUse
from deskmail.qtbridge.message_model import COL_DATE, short_date, spoken_date
from deskmail.ui.language import apply_to_qt
from deskmail.ui.mail.view import MailView
from deskmail.ui.main_window import MainWindow
from tests.gui.test_mail_testbed import imap_as, mailbox, open_subject, open_window, subjects, view_of

pytestmark = pytest.mark.gui
__all__ = ["mailbox"]  # the fixture, used by name

LAST_YEAR = time.localtime().tm_year - 1


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> int:
    return int(time.mktime((year, month, day, hour, minute, 0, 0, 0, -1)))


def test_short_date_follows_the_language() -> None:
    now = local(2026, 12, 6, 9)
    may, old, today = local(2026, 5, 3), local(2021, 3, 3), local(2026, 12, 6, 8, 5)
    assert short_date(may, now, QLocale("de")) == "3. Mai"
    assert short_date(may, now, QLocale("ja")) == "5月3日"
    assert short_date(may, now, QLocale("fr")) == "3 mai"
    assert short_date(may, now, QLocale("en_US")) == "May 3"
    assert short_date(old, now, QLocale("de")) == "3. März 2021"
    assert short_date(old, now, QLocale("ja")) == "2021年3月3日"
    assert short_date(today, now, QLocale("de")) == "08:05"
    assert short_date(today, now, QLocale("en_US")) == "8:05\u202fAM"  # CLDR: a narrow no-break space before AM
    assert short_date(0, now, QLocale("de")) == ""
    assert spoken_date(may, now, QLocale("de")) == "3. Mai"
    assert spoken_date(old, now, QLocale("es")) == "3 de marzo de 2021"


def german_catalog() -> Catalog:
    """The German catalog as the app ships it."""
    with (i18n.LOCALE_DIR / "de" / "LC_MESSAGES" / "deskmail.po").open("rb") as po:
        return read_po(po, locale="de", domain="deskmail")


@pytest.fixture
def german(qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Catalog]:
    catalog = german_catalog()
    before = QLocale()
    i18n.use("de")
    apply_to_qt(qapp, "de")
    yield catalog
    i18n.use("en")
    apply_to_qt(qapp, "en")
    QLocale.setDefault(before)  # the next tests read dates as before


@pytest.fixture
def window(
    qtbot: QtBot, testbed: Any, deskmail_home: Path, mailbox: tuple[str, str], german: Catalog
) -> Iterator[MainWindow]:
    email, _password = mailbox
    old = EmailMessage()
    old["From"], old["To"], old["Subject"] = "Alice <alice@example.test>", email, "Last spring"
    old["Date"] = format_datetime(datetime(LAST_YEAR, 5, 3, 12).astimezone())
    old["Message-ID"] = make_msgid(domain="example.test")
    old.set_content("From May.")
    testbed.mail.put_message(email, old.as_bytes())
    win = open_window(qtbot, testbed, deskmail_home, *mailbox, testbed.mail.host)
    yield win
    win.close()
    win.runner.shutdown(wait=True)  # type: ignore[attr-defined]


def english_left(view: MailView, catalog: Catalog) -> set[str]:
    """Texts of the mail window's own widgets that are still an English message id with a German translation."""
    english = {m.id for m in catalog if isinstance(m.id, str) and m.id and m.string and m.string != m.id}
    shown: set[str] = set()
    actions = [*view.actions(), *view.actions_.move_menu.actions(), view.actions_.move]
    actions += [view.folder_menu.new, view.folder_menu.rename, view.folder_menu.delete, view.folder_menu.phone]
    for action in actions:
        shown |= {action.text(), action.toolTip()}
    shown |= {view.search.placeholderText(), view.search.accessibleName(), view.status.text()}
    for widget in (view.list, view.folders, view.reading_pane.body):
        shown.add(widget.accessibleName())
    for label in view.reading_pane.findChildren(QLabel):
        shown |= {line.split(": ")[0] + ": {people}" for line in label.text().split("<br>")} | {label.text()}
    model = view.folders.tree_model
    shown |= {str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())}
    shown |= {str(view.model.headerData(c, Qt.Orientation.Horizontal)) for c in range(view.model.columnCount())}
    return (shown & english) - {""}


def test_the_mail_window_speaks_german(
    qtbot: QtBot, testbed: Any, window: MainWindow, mailbox: tuple[str, str], german: Catalog
) -> None:
    view = view_of(window)
    email = view.accounts[0].email
    qtbot.waitUntil(lambda: {"Plain hello", "Last spring"} <= subjects(view), timeout=20000)
    qtbot.waitUntil(lambda: view.folder(email, SpecialUse.TRASH) is not None, timeout=10000)
    labels = {name: item.text() for (owner, name), item in view.folders._items.items() if owner == email and name}
    assert labels["INBOX"] == "Posteingang"
    assert labels["Drafts"] == "Entwürfe"
    assert labels["Sent"] == "Gesendet"
    assert labels["Trash"] == "Papierkorb"
    # menus and actions
    assert view.actions_.reply_all.text() == "Allen antworten"
    assert view.actions_.delete.toolTip().startswith("Löschen")
    menus = [a.text() for a in window.menuBar().actions()]
    assert "&Nachricht" in menus
    # the list's dates: last year's mail with its German date, the header in German
    row = next(r for r in range(view.model.rowCount()) if view.model.summary(r).subject == "Last spring")  # type: ignore[union-attr]
    assert view.model.index(row, COL_DATE).data() == f"3. Mai {LAST_YEAR}"
    assert view.model.headerData(1, view.list.horizontalHeader().orientation()) == "Von"
    # the server is still addressed by its own folder names: Delete ends in "Trash"
    open_subject(qtbot, view, "Plain hello")
    view.actions_.delete.trigger()
    client = imap_as(testbed, *mailbox)

    def in_trash() -> int:
        client.select_folder("Trash", readonly=True)
        return len(client.search(["ALL"]))

    try:
        qtbot.waitUntil(lambda: in_trash() == 1, timeout=20000)
    finally:
        client.logout()
    qtbot.waitUntil(lambda: "Papierkorb" in view.actions_.history.notice.text.text(), timeout=5000)
    assert not english_left(view, german), english_left(view, german)
    assert view.actions_.history.notice.text.text().startswith("1 Nachricht in den Papierkorb verschoben")
