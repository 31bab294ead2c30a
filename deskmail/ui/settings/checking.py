"""A server check on a worker thread, shown as a line of progress with a Cancel button, then a plain result."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import UserFacingError
from deskmail.core.i18n import _
from deskmail.qtbridge.tasks import Progress, Task, TaskRunner

CHECK_TIMEOUT = 60.0  # the whole check; each step has its own shorter limit
CheckWork = Callable[[CancelToken, Progress], object]


def problem_text(error: object) -> str:
    """What went wrong in plain words (the engine's message and its fix)."""
    if isinstance(error, UserFacingError):
        return " ".join(part for part in (error.message, error.fix) if part)
    message = getattr(error, "message", "")
    return str(message) if message else _("Something went wrong. Nothing was changed.")


class CheckRow(QWidget):
    """ "Checking…" with a busy bar and Cancel while `run` works; the outcome as text afterwards."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.task: Task | None = None
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setTextVisible(False)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAccessibleName(_("Result of the check"))
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.busy)
        row.addWidget(self.text, 1)
        row.addWidget(self.cancel_button)
        self._idle()

    def _idle(self) -> None:
        self.busy.hide()
        self.cancel_button.hide()

    @property
    def running(self) -> bool:
        return self.task is not None

    def run(
        self,
        work: CheckWork,
        on_done: Callable[[object], None],
        on_failed: Callable[[object], None],
        waiting: str = "",
    ) -> None:
        self.cancel()
        self.text.setText(waiting or _("Checking with your mail provider…"))
        self.busy.show()
        self.cancel_button.show()
        self.show()
        token = CancelToken.with_timeout(CHECK_TIMEOUT)

        def finished(result: object) -> None:
            self.task = None
            self._idle()
            on_done(result)

        def failed(error: object) -> None:
            self.task = None
            self._idle()
            on_failed(error)

        self.task = self.runner.run(
            work,
            cancel=token,
            name="settings-check",
            on_finished=finished,
            on_failed=failed,
            on_progress=lambda value: self.text.setText(str(value)) if self.task is not None else None,
        )

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None
            self._idle()
            self.text.setText(_("Stopped. Nothing was changed."))

    def say(self, text: str, ok: bool = True) -> None:
        self.text.setText(text if ok else f"\u26a0 {text}")
