"""The folder tree labels accounts so that two of them can be told apart."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from deskmail.ui.mail.folders import FolderTree
from deskmail.ui.mail.samples import sample_account

pytestmark = pytest.mark.gui


def test_accounts_with_the_same_name_are_shown_by_address(qtbot: QtBot) -> None:
    tree = FolderTree()
    qtbot.addWidget(tree)
    home, work = sample_account(), sample_account("anna@work.example.test")  # both "Anna Schmidt"
    tree.set_folders([(home, []), (work, [])])
    labels = [tree.tree_model.item(row).text() for row in range(tree.tree_model.rowCount())]
    assert labels == ["anna@example.test", "anna@work.example.test"]
    tree.set_folders([(home, [])])
    assert tree.tree_model.item(0).text() == "Anna Schmidt"
