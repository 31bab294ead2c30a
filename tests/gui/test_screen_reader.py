"""What a screen reader hears: the app's tree read over the AT-SPI bus, not Qt's own properties.

The windows run in a child on a private Xvfb + D-Bus + AT-SPI bus (tests/servers/atspi.py); one
walk reads the wizard's first pages, the mail window over the sample store and a composer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from deskmail.qtbridge.message_model import spoken_date
from deskmail.ui.accessible import name_overflow_button
from tests.servers.atspi import AccessibilityDesktop, Node

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def windows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Node]]:
    """Each shown top-level window as AT-SPI gives it, by scene (the child titles them "scene NAME")."""
    directory = tmp_path_factory.mktemp("a11y")
    desktop = AccessibilityDesktop(directory).start()
    env = {**os.environ, **desktop.env, "DESKMAIL_HOME": str(directory / "home")}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.gui.a11y_child"],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready", "the windows did not come up"
        yield _scenes(desktop)
    finally:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.close()
        child.stdout.close()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
        desktop.stop()


def _scenes(desktop: AccessibilityDesktop) -> dict[str, Node]:
    """The windows, once all five are registered and showing (the bridge announces them a moment after show())."""
    end = time.monotonic() + 15
    while True:
        app = desktop.applications().get("deskmail-a11y")
        tops = [node for node in app.children if "showing" in node.states] if app else []
        if len(tops) == 5 or time.monotonic() > end:
            break
        time.sleep(0.2)
    scenes = {}
    for top in tops:
        if top.name.startswith("scene "):
            scenes[top.name.removeprefix("scene ")] = top
        else:  # the wizard names its dialog "Add an e-mail account": tell the pages apart by their heading
            scenes[f"wizard {len(scenes)}"] = top
    assert len(scenes) == 5, [top.name for top in tops]
    return scenes


def showing(node: Node, role: str) -> list[Node]:
    return [n for n in node.find(role) if "showing" in n.states]


def fields(window: Node) -> list[Node]:
    return [node for role in ("text", "password text", "combo box", "spin button") for node in showing(window, role)]


def wizard_pages(windows: dict[str, Node]) -> list[Node]:
    return [node for name, node in windows.items() if name.startswith("wizard")]


def test_wizard_headings_say_their_words(windows: dict[str, Node]) -> None:
    headings = [name for page in wizard_pages(windows) for name in page.names("heading")]
    assert "Page title" not in headings
    assert sorted(headings) == sorted(["Set up your e-mail", "We found your settings", "Your server settings"]), (
        headings
    )


def test_wizard_fields_have_their_labels(windows: dict[str, Node]) -> None:
    for page in wizard_pages(windows):
        for field in fields(page):
            assert field.name, f"a field without a name on a page headed {page.names('heading')}"
            if field.role == "combo box":  # says its choice; its label comes through the relation
                assert field.labelled_by, f"{field.name!r} has no label on {page.names('heading')}"
    names = {field.name for page in wizard_pages(windows) for field in showing(page, "text")}
    assert {"Your name", "E-mail address"} <= names


def test_composer_fields_are_named(windows: dict[str, Node]) -> None:
    composer = windows["composer"]
    # (a combo box says its current choice; its "From:" label is a labelled-by relation)
    names = {node.name for node in showing(composer, "text")}
    assert {"To", "Subject", "Message text"} <= names, names
    (sender,) = showing(composer, "combo box")
    assert sender.labelled_by == ["From:"]


def test_message_rows_are_sentences(windows: dict[str, Node]) -> None:
    mail = windows["mail"]
    (table,) = showing(mail, "table")
    assert table.name == "Messages"
    cells = table.find("table cell") + table.find("cell")
    assert any(cell.name.startswith("Unread, from Garden Club, Spring workshop: raised beds, ") for cell in cells)
    first = next(cell for cell in cells if "Dinner on Friday?" in cell.name)  # open, so (soon) read
    assert first.name.removeprefix("Unread, f").removeprefix("F").startswith("rom Ben Okafor, Dinner on Friday?, ")
    assert "Would you like to come over" not in first.name  # the preview is the description, not the name
    assert "Would you like to come over" in first.description
    assert any(cell.name.startswith("Replied, from David Müller, Re: Kitchen tiles") for cell in cells)


def test_folder_tree_and_buttons_are_named(windows: dict[str, Node]) -> None:
    mail = windows["mail"]
    (tree,) = showing(mail, "tree")
    items = [item.name for item in tree.find("tree item")]
    assert "Drafts" in items and any(name.startswith("Inbox, ") and name.endswith(" unread") for name in items)
    assert "" not in items and not any(name.isdigit() for name in items), (
        items
    )  # the count column says the folder as well
    assert [header.name for header in tree.find("column header")] == ["Folder", "Unread"]
    for window in windows.values():
        for role in ("push button", "toggle button", "check box"):
            unnamed = [n for n in showing(window, role) if not n.name]
            assert not unnamed, f"{len(unnamed)} {role}(s) without a name in {window.name!r}"


def test_spoken_date_is_what_a_person_says() -> None:
    now = time.mktime((2026, 12, 6, 9, 0, 0, 0, 0, -1))
    assert spoken_date(int(time.mktime((2026, 12, 6, 8, 5, 0, 0, 0, -1))), now) == "today at 08:05"
    assert spoken_date(int(time.mktime((2026, 12, 5, 20, 0, 0, 0, 0, -1))), now) == "5 December"
    assert spoken_date(int(time.mktime((2021, 3, 3, 12, 0, 0, 0, 0, -1))), now) == "3 March 2021"


def test_reader_header_is_read(windows: dict[str, Node]) -> None:
    assert windows["mail"].names("heading") == ["Dinner on Friday?"]
    labels = [label.name for label in showing(windows["mail"], "label")]
    assert any(name.startswith("From: Ben Okafor <ben@example.test>") for name in labels), labels


def test_the_toolbar_overflow_button_has_a_name(qtbot: QtBot) -> None:
    """The » button appears only when a toolbar overflows (too rare for the walk above): named once it does."""
    from PySide6.QtGui import QAccessible
    from PySide6.QtWidgets import QMainWindow, QToolBar, QToolButton

    window = QMainWindow()
    qtbot.addWidget(window)
    toolbar = QToolBar("Mail")
    for word in ("Get Mail", "Write", "Reply", "Reply All", "Forward", "Archive", "Junk", "Delete"):
        toolbar.addAction(word)
    name_overflow_button(toolbar)
    window.addToolBar(toolbar)
    window.resize(200, 200)
    window.show()
    button = toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
    qtbot.waitUntil(button.isVisible)
    assert QAccessible.queryAccessibleInterface(button).text(QAccessible.Text.Name) == "More buttons"
