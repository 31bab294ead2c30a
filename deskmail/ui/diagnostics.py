"""Help › Copy a Diagnostic Report: what someone helping by phone needs, and nothing private.

The report names the app, Python, Qt and the system, each account's servers, ports, security and
protocol and the kind of its last problem, then the end of the log. Never passwords or tokens (the
log's registered secrets are masked again here), never message contents or subjects.
"""

from __future__ import annotations

import contextlib
import platform
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from deskmail import APP_NAME, __version__
from deskmail.core.cancel import CancelToken
from deskmail.core.i18n import _
from deskmail.core.redact import MASK, redact
from deskmail.engine.accounts import Account
from deskmail.qtbridge.tasks import Progress
from deskmail.ui.context import AppContext

LOG_LINES = 50
LOG_TAIL_BYTES = 64 * 1024  # only the end of the log is read, however large it grew
MAX_LINE = 400  # characters per log line in the report
# Log lines may quote a header or a server's answer: anything after these words is masked, in case.
PRIVATE = re.compile(r"(?i)\b(subject|password|passwd|token|authorization)\b.*")


def log_tail(path: Path | None, lines: int = LOG_LINES) -> list[str]:
    """The last `lines` lines of the log, read from its last LOG_TAIL_BYTES only."""
    if path is None or not path.is_file():
        return []
    try:
        with path.open("rb") as log:
            log.seek(max(0, path.stat().st_size - LOG_TAIL_BYTES))
            tail = log.read(LOG_TAIL_BYTES).decode("utf-8", "replace").splitlines()
    except OSError:
        return []
    return tail[-lines:]


def clean_line(line: str) -> str:
    line = redact(line)[:MAX_LINE]
    return PRIVATE.sub(lambda m: f"{m.group(1)} {MASK}", line)


def server_line(label: str, server: object) -> str:
    host, port = getattr(server, "host", ""), getattr(server, "port", "")
    protocol, security = getattr(server, "protocol", ""), getattr(server, "security", "")
    return f"  {label}: {protocol} {host}:{port}, security {security}"


def report(
    accounts: Iterable[Account], last_errors: Mapping[str, str], log_path: Path | None, secrets: Iterable[str] = ()
) -> str:
    """The report as plain text (built on a worker: it reads the log). `secrets` are masked wherever they appear.

    It stays in English in every language, as the log does: it is read by whoever helps, often the
    project's own people, and its lines must mean the same for all of them."""
    lines = [
        f"{APP_NAME} {__version__}",
        f"Python {platform.python_version()} ({platform.python_implementation()})",
        f"Qt {qVersion()}, PySide6 {pyside_version}",
        f"System: {platform.platform()} ({platform.machine()})",
        "",
    ]
    listed = list(accounts)
    lines.append(f"Accounts: {len(listed)}")
    for number, account in enumerate(listed, 1):
        lines.append(f"Account {number}: {account.email}")
        lines.append(server_line("Incoming", account.incoming))
        lines.append(server_line("Outgoing", account.outgoing))
        sign_in = "sign in with the provider (OAuth)" if account.uses_oauth else "password"
        lines.append(f"  Sign-in: {sign_in}")
        lines.append(f"  Last problem: {last_errors.get(account.email) or 'none since the start'}")
    lines += ["", f"Last {LOG_LINES} lines of the log (secrets masked):"]
    lines += [clean_line(line) for line in log_tail(log_path)] or ["  (no log yet)"]
    text = redact("\n".join(lines))
    for secret in sorted((s for s in secrets if len(s) >= 3), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


class DiagnosticDialog(QDialog):
    """Shows the report that was just put on the clipboard, so the person sees what they will share."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Diagnostic Report"))
        intro = QLabel(
            _(
                "This report is now on the clipboard: paste it into an e-mail or chat to the person helping you. "
                "It holds no passwords and none of your messages."
            )
        )
        intro.setWordWrap(True)
        self.text = QPlainTextEdit(text)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setAccessibleName(_("Diagnostic report"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton(_("Copy Again"), QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: copy_to_clipboard(text))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(720, 520)


def copy_report(parent: QWidget, context: AppContext, accounts: list[Account], last_errors: Mapping[str, str]) -> None:
    """Build the report on a worker (it reads the log and the keyring), copy it, and show what was copied."""
    listed, errors, log_path, credentials = list(accounts), dict(last_errors), context.log_path, context.credentials

    def build(cancel: CancelToken, progress: Progress) -> str:
        # The passwords are read only to be masked: a log line may hold one that was never registered.
        secrets: list[str] = []
        for account in listed:
            with contextlib.suppress(Exception):  # no keyring, locked, refused: nothing to mask from it
                secrets.append(credentials.get(account.email) or "")
        return report(listed, errors, log_path, secrets)

    def show(text: object) -> None:
        copy_to_clipboard(str(text))
        dialog = DiagnosticDialog(str(text), parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    context.runner.run(build, name="diagnostic-report", on_finished=show)


def copy_to_clipboard(text: str) -> None:
    clipboard = QGuiApplication.clipboard()
    if clipboard is not None:
        clipboard.setText(text)
