"""The POP3 page: in plain words what downloading means, and what happens to the copy on the server."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from deskmail.core.i18n import _, ngettext
from deskmail.engine.accounts import DownloadChoices
from deskmail.ui.wizard.common import Page, button, heading, paragraph
from deskmail.wizard.machine import WizardMachine

DEFAULT_DAYS = 14


class DownloadChoicesFields(QWidget):
    """ "Keep a copy on the server" (on by default) and, under it, "Remove it ... after [14] days" (off),
    with a sentence saying what the choice means. The wizard's POP3 page and Settings share it."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.keep = QCheckBox(_("Keep a copy on the server"))
        self.keep.setAccessibleName(_("Keep a copy on the server"))
        column.addWidget(self.keep)
        row = QHBoxLayout()
        row.setContentsMargins(28, 0, 0, 0)  # under "Keep a copy": it only applies to that copy
        self.remove = QCheckBox()
        self.remove.setAccessibleName(_("Remove it from the server after some days"))
        self.days = QSpinBox()
        self.days.setRange(1, 3650)
        self.days.setValue(DEFAULT_DAYS)
        self.days.setAccessibleName(_("Days before it is removed from the server"))
        inner = self.days.lineEdit()
        if inner is not None:  # the spin box's own text field is what a screen reader lands on
            inner.setAccessibleName(_("Days before it is removed from the server"))
        self.days_label = QLabel()
        row.addWidget(self.remove)
        row.addWidget(self.days)
        row.addWidget(self.days_label)
        row.addStretch(1)
        column.addLayout(row)
        self.consequence = paragraph()
        column.addWidget(self.consequence)
        self.keep.toggled.connect(lambda _on: self._update())
        self.remove.toggled.connect(lambda _on: self._update())
        self.days.valueChanged.connect(lambda _n: self._update())
        self._update()

    def set_choices(self, choices: DownloadChoices) -> None:
        self.blockSignals(True)  # showing the saved choice is not a change
        self.keep.setChecked(choices.keep_on_server)
        self.remove.setChecked(bool(choices.delete_after_days))
        self.days.setValue(choices.delete_after_days or DEFAULT_DAYS)
        self.blockSignals(False)
        self._update()

    def choices(self) -> DownloadChoices:
        keep = self.keep.isChecked()
        days = self.days.value() if keep and self.remove.isChecked() else 0
        return DownloadChoices(keep_on_server=keep, delete_after_days=days)

    def _update(self) -> None:
        keep = self.keep.isChecked()
        self.remove.setEnabled(keep)
        self.days.setEnabled(keep and self.remove.isChecked())
        self.days_label.setEnabled(keep and self.remove.isChecked())
        self._show_days_words()
        if not keep:
            text = _(
                "Each message is removed from the server once it is safely on this computer. "
                "Your phone or webmail will no longer see it."
            )
        elif self.remove.isChecked():
            days = self.days.value()
            text = ngettext(
                "Other devices can still download a message for {n} day after Deskmail "
                "first sees it; then it is removed from the server. It stays on this computer.",
                "Other devices can still download a message for {n} days after Deskmail "
                "first sees it; then it is removed from the server. It stays on this computer.",
                days,
            ).format(n=days)
        else:
            text = _("Your mail also stays on the server, so your phone or webmail can still get it.")
        self.consequence.setText(text)
        self.changed.emit()

    def _show_days_words(self) -> None:
        """The words around the spin box, from one whole sentence: languages put the number elsewhere."""
        days = self.days.value()
        # Translators: {n} is a number box the person sets; the words before it label the tick box,
        # the words after it follow the box (Japanese may put everything after it).
        sentence = ngettext("Remove it from the server after {n} day", "Remove it from the server after {n} days", days)
        before, _sep, after = sentence.partition("{n}")
        self.remove.setText(before.strip())
        self.days_label.setText(after.strip())


class Pop3Page(Page):
    """What downloading means, then the choices for the copy on the server (DownloadChoicesFields)."""

    def __init__(self, machine: WizardMachine, after: Callable[[], None], open_url: Callable[[str], None]) -> None:
        super().__init__(machine, after, open_url)
        self.content.addWidget(heading(_("Your mail will be downloaded to this computer")))
        self.intro = paragraph()
        self.content.addWidget(self.intro)
        self.fields = DownloadChoicesFields()
        self.content.addWidget(self.fields)
        self.keep, self.remove, self.days = self.fields.keep, self.fields.remove, self.fields.days
        self.days_label, self.consequence = self.fields.days_label, self.fields.consequence
        self.back_button = button(_("Back"))
        self.continue_button = button(_("Continue"))
        self.buttons.addWidget(self.back_button)
        self.buttons.addWidget(self.continue_button)
        self.back_button.clicked.connect(self._back)
        self.continue_button.clicked.connect(self._continue)

    def enter(self) -> None:
        self.fields.set_choices(self.machine.draft.download)
        candidate = self.machine.draft.candidate
        name = candidate.provider.name if candidate is not None and candidate.provider.name else ""
        if name:
            text = _(
                "{name} offers POP3 to e-mail apps: each message is copied to this computer. "
                "Other devices will not see what you read, file or delete here."
            ).format(name=name)
        else:
            text = _(
                "Your provider offers POP3 to e-mail apps: each message is copied to this computer. "
                "Other devices will not see what you read, file or delete here."
            )
        self.intro.setText(text)

    def _back(self) -> None:
        self.machine.back()
        self.after()

    def _continue(self) -> None:
        days = self.days.value() if self.remove.isChecked() else None
        self.machine.choose_download(self.keep.isChecked(), days)
        self.after()

    def default_button(self) -> QPushButton | None:
        return self.continue_button

    def first_focus(self) -> QWidget | None:
        return self.keep
