"""Settings for the whole app: language, remote content, notifications, offline reading (and where Layout will go)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from deskmail.core.i18n import _, ngettext
from deskmail.engine.prefs import (
    OFFLINE_LIMITS,
    REMOTE_ALLOWED_SENDERS,
    REMOTE_ASK,
    AppChoices,
    AppPrefs,
    OfflinePrefs,
    OfflineReading,
    RemoteContentPrefs,
)
from deskmail.ui.context import AppContext
from deskmail.ui.settings.language import LanguageChoice
from deskmail.ui.settings.spin import CountSpin
from deskmail.ui.wizard.common import heading, paragraph

SAVE_DELAY_MS = 400  # a spin box changes on every click: save once it rests


def apply_app_choices(view: Any, choices: AppChoices) -> None:
    """Make the choices take effect in the mail window now (it may be missing: no account yet)."""
    notifier = getattr(view, "notifier", None)
    if notifier is not None:
        notifier.enabled = choices.notifications
    reading = getattr(view, "reading", None)
    if reading is not None:
        reading.remote_mode = choices.remote_content


def load_app_choices(context: AppContext, view: Any) -> None:
    """At start: read preferences.json on a worker and apply it to the mail window."""
    prefs = AppPrefs(context.paths)
    context.runner.run(
        lambda c, p: prefs.load(),
        name="load-preferences",
        on_finished=lambda c: apply_app_choices(view, c) if isinstance(c, AppChoices) else None,
    )


def _section(title: str) -> tuple[QGroupBox, QVBoxLayout]:
    box = QGroupBox(title)
    return box, QVBoxLayout(box)


class GeneralPage(QWidget):
    """Language, remote content, notifications; the places where Layout and Undo Send are chosen."""

    def __init__(self, context: AppContext, view: Callable[[], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.view = view  # the mail window, or None before the first account
        self.prefs = AppPrefs(context.paths)
        self.choices = AppChoices()
        layout = QVBoxLayout(self)
        layout.addWidget(heading(_("General")))

        language, column = _section(_("Language"))
        self.language = LanguageChoice(context.paths, context.runner)
        column.addWidget(self.language)
        layout.addWidget(language)

        remote, column = _section(_("Pictures and other content from the internet"))
        column.addWidget(
            paragraph(
                _("Senders can learn when and where you read their message from pictures loaded from the internet.")
            )
        )
        self.remote_allowed = QRadioButton(_("Show it at once for senders I allowed; ask for everyone else"))
        self.remote_ask = QRadioButton(_("Always ask first, for every sender"))
        column.addWidget(self.remote_allowed)
        column.addWidget(self.remote_ask)
        forget_row = QHBoxLayout()
        self.allowed_count = QLabel()
        self.allowed_count.setWordWrap(True)
        self._allowed = 0
        self.forget_button = QPushButton(_("Forget the senders I allowed"))
        self.forget_button.setAutoDefault(False)
        forget_row.addWidget(self.allowed_count, 1)
        forget_row.addWidget(self.forget_button)
        column.addLayout(forget_row)
        layout.addWidget(remote)

        notify, column = _section(_("New mail"))
        self.notifications = QCheckBox(_("Show a notification when new mail arrives"))
        column.addWidget(self.notifications)
        layout.addWidget(notify)

        # The place for the choices other work adds: "Layout" (wide / list above reader / automatic)
        # and the Undo Send delay. Each comes as its own section through add_section().
        self.more = QVBoxLayout()
        layout.addLayout(self.more)
        layout.addStretch(1)

        self.remote_allowed.toggled.connect(
            lambda on: self._changed(remote_content=REMOTE_ALLOWED_SENDERS) if on else None
        )
        self.remote_ask.toggled.connect(lambda on: self._changed(remote_content=REMOTE_ASK) if on else None)
        self.remote_ask.toggled.connect(lambda _on: self._show_allowed(self._allowed))
        self.notifications.toggled.connect(lambda on: self._changed(notifications=on))
        self.forget_button.clicked.connect(self._forget_senders)
        self._loading = True
        self._show(self.choices, 0)
        self.setEnabled(False)  # until the saved choices are read: a click now would be undone by them
        senders = RemoteContentPrefs(context.paths)
        context.runner.run(
            lambda c, p: (self.prefs.load(), len(senders.load())), name="settings-general", on_finished=self._loaded
        )

    def add_section(self, title: str, content: QWidget) -> QGroupBox:
        """A section of choices below New mail (Layout, Undo Send); it saves and applies its own choice.

        `title` is marked with N_() by the caller and shown translated here."""
        box, column = _section(_(title))
        column.addWidget(content)
        self.more.addWidget(box)
        return box

    def _loaded(self, result: object) -> None:
        if isinstance(result, tuple):
            self._show(*result)
        self.setEnabled(True)

    def _show(self, choices: AppChoices, allowed: int) -> None:
        self._loading = True
        self.choices = choices
        self.remote_ask.setChecked(choices.remote_content == REMOTE_ASK)
        self.remote_allowed.setChecked(choices.remote_content != REMOTE_ASK)
        self.notifications.setChecked(choices.notifications)
        self._show_allowed(allowed)
        self._loading = False

    def _show_allowed(self, count: int) -> None:
        self._allowed = count
        if not count:
            text = _("You have not allowed any sender yet.")
        elif self.remote_ask.isChecked():  # kept for when the person switches back, but not used now
            text = ngettext(
                "Allowed: {n} sender. While Deskmail always asks first, it asks for this one too.",
                "Allowed: {n} senders. While Deskmail always asks first, it asks for these too.",
                count,
            ).format(n=count)
        else:
            text = ngettext("Allowed: {n} sender.", "Allowed: {n} senders.", count).format(n=count)
        self.allowed_count.setText(text)
        self.forget_button.setEnabled(count > 0)

    def _changed(self, **change: Any) -> None:
        if self._loading:
            return
        self.choices = replace(self.choices, **change)
        apply_app_choices(self.view(), self.choices)
        chosen = self.choices
        self.context.runner.run(lambda c, p: self.prefs.save(chosen), key="settings-save", name="save-preferences")

    def _forget_senders(self) -> None:
        senders = RemoteContentPrefs(self.context.paths)
        self.context.runner.run(lambda c, p: senders.forget_all(), key="settings-save", name="forget-senders")
        reading = getattr(self.view(), "reading", None)
        if reading is not None:
            reading.allowed_senders.clear()
        self._show_allowed(0)


class OfflinePage(QWidget):
    """offline.json: what is downloaded ahead so that recent mail can be read without a connection."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.prefs = OfflinePrefs(context.paths)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(_("Reading offline")))
        layout.addWidget(
            paragraph(
                _(
                    "Deskmail can download your recent mail after each check, so that you can read it on a train "
                    "or a plane. This applies to all your accounts."
                )
            )
        )
        self.download = QCheckBox(_("Download recent mail to read offline"))
        layout.addWidget(self.download)
        form = QFormLayout()
        self.days = self._spin("days", lambda n: ngettext("{n} day", "{n} days", n), _("Days of mail to download"))
        self.per_folder = self._spin(
            "messages_per_folder",
            lambda n: ngettext("{n} message", "{n} messages", n),
            _("Messages to download in each folder"),
        )
        self.per_folder.setSingleStep(100)
        # Translators: a size in megabytes after a number, as in "25 MB".
        self.skip_mb = self._spin("skip_larger_than_mb", lambda n: _("{n} MB"), _("Largest message to download, in MB"))
        form.addRow(_("Mail of the last:"), self.days)
        form.addRow(_("At most, in each folder:"), self.per_folder)
        form.addRow(_("Skip messages larger than:"), self.skip_mb)
        self.details = QWidget()
        self.details.setLayout(form)
        layout.addWidget(self.details)
        layout.addWidget(paragraph(_("Larger messages are downloaded when you open them.")))
        self.metered = QCheckBox(_("Also download on mobile data and other metered connections"))
        layout.addWidget(self.metered)
        layout.addStretch(1)
        self._timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._timer.timeout.connect(self._save)
        self._loading = True
        self._show(OfflineReading())
        self.setEnabled(False)  # until offline.json is read
        for box in (self.download, self.metered):
            box.toggled.connect(lambda _on: self._changed())
        for spin in (self.days, self.per_folder, self.skip_mb):
            spin.valueChanged.connect(lambda _v: self._changed())
        context.runner.run(lambda c, p: self.prefs.load(), name="settings-offline", on_finished=self._loaded)

    def _spin(self, name: str, text: Callable[[int], str], accessible: str) -> QSpinBox:
        spin = CountSpin(text)
        low, high = OFFLINE_LIMITS[name]
        spin.setRange(max(low, 1), high)
        spin.setAccessibleName(accessible)
        spin.setMaximumWidth(self.fontMetrics().horizontalAdvance("0" * 18))
        return spin

    def _loaded(self, reading: object) -> None:
        if isinstance(reading, OfflineReading):
            self._show(reading)
        self.setEnabled(True)

    def _show(self, reading: OfflineReading) -> None:
        self._loading = True
        self.download.setChecked(reading.download)
        self.days.setValue(reading.days)
        self.per_folder.setValue(reading.messages_per_folder)
        self.skip_mb.setValue(reading.skip_larger_than_mb)
        self.metered.setChecked(reading.on_metered_networks)
        self._enable()
        self._loading = False

    def _enable(self) -> None:
        on = self.download.isChecked()
        self.details.setEnabled(on)
        self.metered.setEnabled(on)

    def reading(self) -> OfflineReading:
        return OfflineReading(
            download=self.download.isChecked(),
            days=self.days.value(),
            messages_per_folder=self.per_folder.value(),
            skip_larger_than_mb=self.skip_mb.value(),
            on_metered_networks=self.metered.isChecked(),
        )

    def _changed(self) -> None:
        self._enable()
        if not self._loading:
            self._timer.start()

    def _save(self) -> None:
        chosen = self.reading()
        self.context.runner.run(lambda c, p: self.prefs.save(chosen), key="settings-save", name="save-offline")

    def flush(self) -> None:
        """Closing the window: a change still waiting for its delay is saved now."""
        if self._timer.isActive():
            self._timer.stop()
            self._save()
