"""Building blocks shared by the wizard pages: headings, wrapped text, error lines, button labels."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from deskmail.core.errors import Field
from deskmail.core.i18n import N_, _
from deskmail.core.serverconfig import Protocol
from deskmail.ui.accessible import mark_heading
from deskmail.wizard.machine import WizardMachine
from deskmail.wizard.steps import Action, Step

# Button words per action; some pages say the same thing more precisely. Marked here, translated where
# shown (action_label): the language is chosen after imports.
ACTION_LABELS = {
    Action.RETYPE_PASSWORD: N_("Type the password again"),
    Action.OPEN_APP_PASSWORD_PAGE: N_("Open the app password page"),
    Action.OPEN_ENABLE_PAGE: N_("Open the settings page"),
    Action.OPEN_HELP: N_("Open your provider's help page"),
    Action.TRUST_CERTIFICATE: N_("Trust this certificate"),
    Action.EDIT_SETTINGS: N_("Change settings"),
    Action.ALLOW_PLAINTEXT: N_("Use without encryption..."),
    Action.TRY_AGAIN: N_("Try again"),
    Action.GO_BACK: N_("Go back"),
    Action.USE_SESSION_PASSWORD: N_("Ask for my password at each start"),
    Action.SIGN_IN_WITH_BROWSER: N_("Sign in in your browser"),
}
PAGE_ACTION_LABELS = {
    (Step.OAUTH_ONLY, Action.RETYPE_PASSWORD): N_("I have an app password"),
    (Step.IMAP_DISABLED, Action.TRY_AGAIN): N_("I have switched it on"),
    (Step.POP3_ONLY, Action.EDIT_SETTINGS): N_("Type the settings myself"),
    (Step.NOT_FOUND, Action.EDIT_SETTINGS): N_("Type the settings myself"),
}


def action_label(step: Step, action: Action) -> str:
    return _(PAGE_ACTION_LABELS.get((step, action), ACTION_LABELS[action]))


def receiving_title(protocol: Protocol) -> str:
    """ "Receiving mail (IMAP)" or "(POP3)": the title of the incoming server's box or group."""
    return _("Receiving mail ({protocol})").format(protocol=str(protocol).upper())


def scaled_font(base: QFont, factor: float, bold: bool = False) -> QFont:
    """`base` made `factor` times larger; works whether the font is sized in points or pixels."""
    font = QFont(base)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * factor)
    elif font.pixelSize() > 0:
        font.setPixelSize(round(font.pixelSize() * factor))
    font.setBold(bold)
    return font


def heading(text: str = "") -> QLabel:
    label = QLabel()
    mark_heading(label)  # before any text: with a screen reader on, Qt fixes the label's role at its first text
    label.setText(text)
    label.setFont(scaled_font(label.font(), 1.5, bold=True))
    label.setWordWrap(True)
    # No fixed accessible name: a screen reader then says the heading's own words, page by page
    # (a fixed "Page title" was all anyone heard).
    return label


def align_with_layout(label: QLabel) -> QLabel:
    """Starts `label` where the layout starts, whatever the text: a host name or fingerprint (left-to-right
    text) in an Arabic page sits on the right like the words around it, not on the left."""
    if QApplication.layoutDirection() is Qt.LayoutDirection.RightToLeft:
        vertical = label.alignment() & Qt.AlignmentFlag.AlignVertical_Mask
        label.setAlignment(Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignRight | vertical)
    return label


def paragraph(text: str = "", selectable: bool = False) -> QLabel:
    label = QLabel(text)
    align_with_layout(label)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def error_line() -> QLabel:
    """A field's error message; hidden while there is none."""
    label = paragraph()
    label.setFont(scaled_font(label.font(), 1.0, bold=True))
    label.setAccessibleName(_("Problem with this field"))
    label.hide()
    return label


def show_error(label: QLabel, text: str | None) -> None:
    label.setText(f"\u26a0 {text}" if text else "")
    label.setVisible(bool(text))


def icon_label(widget: QWidget, pixmap: QStyle.StandardPixmap, size: int = 48) -> QLabel:
    label = QLabel()
    label.setPixmap(widget.style().standardIcon(pixmap).pixmap(size, size))
    label.setAlignment(Qt.AlignmentFlag.AlignTop)
    return label


def button(text: str, accessible: str = "") -> QPushButton:
    push = QPushButton(text)
    push.setAccessibleName(accessible or text.rstrip("."))
    push.setAutoDefault(False)
    return push


class FittingScrollArea(QScrollArea):
    """Scrolls only when the wrapped text really does not fit at the current width.

    Layouts size word-wrapped labels for their narrowest width, which makes the content look taller
    than it is; the height needed at the actual width is set as the minimum instead.
    """

    def resizeEvent(self, event: QResizeEvent) -> None:
        inner = self.widget()
        layout = inner.layout() if inner is not None else None
        if inner is not None and layout is not None:
            width = self.viewport().width()
            needed = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1
            if needed > 0:
                inner.setMinimumHeight(needed)
        super().resizeEvent(event)

    def needed_width(self) -> int:
        """The narrowest this area can be without cutting off what cannot wrap (a long German tick box,
        a host name): it never scrolls sideways."""
        inner = self.widget()
        if inner is None:
            return 0
        layout = inner.layout()
        if layout is not None:
            layout.invalidate()  # its cached size predates the words the page added after building it
        return inner.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()


class Page(QWidget):
    """One page of the wizard: a column of content with a row of buttons at the bottom."""

    def __init__(self, machine: WizardMachine, after: Callable[[], None], open_url: Callable[[str], None]) -> None:
        super().__init__()
        self.machine = machine
        self.after = after  # call after every change to the machine: the dialog re-renders
        self.open_url = open_url
        # The content scrolls instead of being clipped (200% scale, large fonts); the buttons never scroll away.
        inner = QWidget()
        column = QVBoxLayout(inner)
        self.content = QVBoxLayout()
        self.content.setSpacing(12)
        column.addLayout(self.content)
        column.addStretch(1)
        self.area = area = FittingScrollArea()
        area.setWidgetResizable(True)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(inner)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(area, 1)
        outer.addLayout(self.buttons)

    def minimum_width(self) -> int:
        """The narrowest this page can be with every word in sight."""
        return max(self.minimumSizeHint().width(), self.area.needed_width())

    def enter(self) -> None:
        """The page became the current one: fill it from the draft."""
        self.refresh()

    def refresh(self) -> None:
        """Something changed while this page is shown."""

    def default_button(self) -> QPushButton | None:
        return None

    def focus_widget(self, field: Field) -> QWidget | None:
        return None

    def first_focus(self) -> QWidget | None:
        return self.default_button()

    def act(self, action: Action) -> None:
        url = self.machine.perform(action)
        if url:
            self.open_url(url)
        self.after()
