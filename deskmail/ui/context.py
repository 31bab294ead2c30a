"""Everything the windows need, built once by the composition root (deskmail.app) and passed in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QDialog, QWidget

from deskmail.core.settings import Settings
from deskmail.engine.accounts import AccountStore
from deskmail.engine.credentials import Credentials
from deskmail.engine.paths import Paths
from deskmail.qtbridge.tasks import TaskRunner

WizardFactory = Callable[[QWidget], QDialog]


@dataclass
class AppContext:
    """The services shared by every window; tests build one with a temp DESKMAIL_HOME."""

    settings: Settings
    paths: Paths
    runner: TaskRunner
    accounts: AccountStore
    credentials: Credentials
    make_wizard: WizardFactory
    log_path: Path | None = None
