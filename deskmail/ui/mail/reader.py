"""The reading pane: headers, the sanitised body, the remote-content bar, attachments."""

from __future__ import annotations

import base64
import html
import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QCursor, QDesktopServices, QFocusEvent, QImage, QMouseEvent, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMessageBox,
    QStackedWidget,
    QTextBrowser,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from deskmail.core.i18n import _
from deskmail.engine.store.models import MessageSummary
from deskmail.qtbridge.message_model import full_date, isolate
from deskmail.ui.accessible import mark_heading
from deskmail.ui.mail.attachments import AttachmentStrip, human_size
from deskmail.ui.mail.bars import MessageBar

__all__ = ["ReadingPane", "SafeBrowser", "human_size", "remote_image_urls"]

if TYPE_CHECKING:  # the MIME stack loads with the first message shown, not at the app's start
    from deskmail.engine.mime.parse import Attachment
    from deskmail.engine.mime.render import RenderedMessage

REMOTE_IMG = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["'](https?://[^"']+)["']""", re.IGNORECASE)
MAX_REMOTE_IMAGES = 40
HTML_PAGE_LINKS = "a { color: #0b57d0; }"  # readable on the white page; a sender's own colours still win


def remote_image_urls(body_html: str) -> list[str]:
    """The http(s) images a message shows once remote content is allowed (at most a few dozen)."""
    return list(dict.fromkeys(REMOTE_IMG.findall(body_html)))[:MAX_REMOTE_IMAGES]


class SafeBrowser(QTextBrowser):
    """Shows the sanitised body; loads nothing by itself: only data: images and images fetched for it."""

    link_clicked = Signal(QUrl, str)  # the link and its visible text (to catch text naming another site)
    link_hovered = Signal(str)  # the real address under the pointer or the keyboard focus, "" when none

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self._pressed_at: QPoint | None = None
        self.anchorClicked.connect(self._clicked)
        self.highlighted.connect(self._hovered)
        self.fetched: dict[str, QImage] = {}
        self.setAccessibleName(_("Message text"))
        self.setFrameShape(QFrame.Shape.NoFrame)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pressed_at = event.position().toPoint()
        super().mousePressEvent(event)

    def _hovered(self, url: QUrl, where: QPoint | None = None) -> None:
        address = url.toString() if isinstance(url, QUrl) else str(url or "")
        if address.lower().startswith("mailto:"):
            address = address[len("mailto:") :]
        self.viewport().setToolTip(address)
        if address:
            QToolTip.showText(where or QCursor.pos(), address, self.viewport())
        else:
            QToolTip.hideText()
        self.link_hovered.emit(address)

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab onto a link says where it goes too, as hovering does (keyboard users check links like that)."""
        moved = super().focusNextPrevChild(next)
        self._announce_focused_link()
        return moved

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)  # Tab into the text focuses its first link
        self._announce_focused_link()

    def _announce_focused_link(self) -> None:
        cursor = self.textCursor()
        href = cursor.charFormat().anchorHref() if cursor.hasSelection() else ""
        where = self.viewport().mapToGlobal(self.cursorRect(cursor).bottomLeft())
        self._hovered(QUrl(href), where if href else None)

    def _clicked(self, url: QUrl) -> None:
        cursor = self.textCursor()
        if self._pressed_at is not None:  # a click: the link under the pointer
            position = self.cursorForPosition(self._pressed_at).position()
            self._pressed_at = None
        else:  # Tab to the link and Enter: the keyboard's selection is the link
            position = cursor.selectionStart()
        self.link_clicked.emit(url, self.anchor_text(url.toString(), position))

    def anchor_text(self, href: str, position: int) -> str:
        """The visible text of the link `href` around `position` (the whole run of that anchor)."""
        runs: list[tuple[int, int, str]] = []  # start, end, text of each run of this href
        block = self.document().begin()
        while block.isValid():
            iterator = block.begin()
            while not iterator.atEnd():
                fragment = iterator.fragment()
                if fragment.isValid() and fragment.charFormat().anchorHref() == href:
                    start, end = fragment.position(), fragment.position() + fragment.length()
                    if runs and runs[-1][1] == start:
                        runs[-1] = (runs[-1][0], end, runs[-1][2] + fragment.text())
                    else:
                        runs.append((start, end, fragment.text()))
                iterator += 1
            block = block.next()
        for start, end, text in runs:
            if start <= position <= end:
                return text
        return runs[0][2] if len(runs) == 1 else ""

    def use_page_colours(self, html_mail: bool) -> None:
        """HTML mail on a white page with dark text, as its sender designed it; plain text follows the desktop."""
        # Qt takes link colours from the application palette when it parses HTML, not from ours
        self.document().setDefaultStyleSheet(HTML_PAGE_LINKS if html_mail else "")
        if not html_mail:
            self.setPalette(QPalette())  # back to the desktop palette (light or dark)
            return
        palette = QPalette(self.palette())
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled):
            palette.setColor(group, QPalette.ColorRole.Base, QColor("#ffffff"))
            palette.setColor(group, QPalette.ColorRole.Text, QColor("#1a1a1a"))
        self.setPalette(palette)

    def loadResource(self, kind: int, url: QUrl | str) -> object:
        """Never touches files or the network: QTextBrowser would otherwise read local files."""
        text = url.toString() if isinstance(url, QUrl) else str(url)
        if kind != QTextDocument.ResourceType.ImageResource.value:
            return None
        if text.startswith("data:"):
            return _data_image(text)
        return self.fetched.get(text)


def _data_image(url: str) -> QImage | None:
    header, _comma, payload = url.partition(",")
    if ";base64" not in header:
        return None
    try:
        data = base64.b64decode(payload, validate=False)
    except ValueError:
        return None
    image = QImage()
    return image if image.loadFromData(QByteArray(data)) else None


class ReadingPane(QWidget):
    """One message at a time. Signals ask the window to do the slow work (fetch, save, open)."""

    show_remote = Signal(bool)  # True: also remember it for this sender
    save_attachment = Signal(object)  # Attachment
    open_attachment = Signal(object)  # Attachment
    save_all = Signal(list)  # [Attachment]
    compose_to = Signal(str)  # a mailto: link was clicked
    link_hovered = Signal(str)  # the real address of the link under the pointer ("" when none)

    def __init__(self, parent: QWidget | None = None, browser: SafeBrowser | None = None) -> None:
        super().__init__(parent)
        self.body = browser or SafeBrowser()
        self.summary: MessageSummary | None = None
        self.rendered: RenderedMessage | None = None
        self.stack = QStackedWidget()
        self.placeholder = QLabel(_("Select a message to read it."))
        self.placeholder.setStyleSheet("color: palette(placeholder-text);")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.content = QWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.content)
        self._build_content()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.clear()

    def _build_content(self) -> None:
        self.subject = QLabel()
        mark_heading(self.subject)  # "next heading" in a screen reader jumps to the message
        font = self.subject.font()
        font.setPointSizeF(max(font.pointSizeF(), 9.0) * 1.35)
        font.setBold(True)
        self.subject.setFont(font)
        self.subject.setWordWrap(True)
        self.subject.setTextFormat(Qt.TextFormat.PlainText)
        self.people = QLabel()
        self.people.setWordWrap(True)
        self.people.setTextFormat(Qt.TextFormat.RichText)
        self.people.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.date = QLabel()
        self.date.setStyleSheet("color: palette(placeholder-text);")
        self.remote_bar = MessageBar("info", "remote", closable=False)
        # "Always for this sender" only while allowed senders are used: when the person chose to be asked
        # for every sender, a per-sender choice would silently do nothing (or override their choice).
        self.offer_allow_sender = True
        self.body.link_clicked.connect(self._link)
        self.body.link_hovered.connect(self.link_hovered)
        self.attachments = AttachmentStrip()
        self.attachments.open_attachment.connect(self.open_attachment)
        self.attachments.save_attachment.connect(self.save_attachment)
        self.attachments.save_all.connect(self.save_all)
        header = QVBoxLayout()
        header.setSpacing(2)
        header.addWidget(self.subject)
        header.addWidget(self.people)
        header.addWidget(self.date)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(header)
        layout.addWidget(self.attachments)
        layout.addWidget(self.remote_bar)
        layout.addWidget(_line())
        layout.addWidget(self.body, 1)

    # -- states ------------------------------------------------------------------------

    def clear(self, text: str | None = None) -> None:
        self.summary, self.rendered = None, None
        self.placeholder.setText(_("Select a message to read it.") if text is None else text)
        self.stack.setCurrentWidget(self.placeholder)

    def show_loading(self, summary: MessageSummary) -> None:
        self.summary, self.rendered = summary, None
        self._show_headers(summary)
        self.remote_bar.hide()
        self._set_attachments([])
        self.body.use_page_colours(False)
        self.body.setPlainText(_("Loading the message…"))
        self.stack.setCurrentWidget(self.content)

    def show_error(self, summary: MessageSummary, text: str) -> None:
        self.show_loading(summary)
        self.body.setPlainText(text)

    def show_message(self, summary: MessageSummary, rendered: RenderedMessage, sender_trusted: bool = False) -> None:
        self.summary, self.rendered = summary, rendered
        self._show_headers(summary, rendered)
        self.body.fetched.clear()
        self.body.use_page_colours(rendered.is_html)
        self.body.setHtml(rendered.body_html)
        self._set_attachments(rendered.attachments)
        self._show_remote_bar()
        self.stack.setCurrentWidget(self.content)

    def set_offer_allow_sender(self, offer: bool) -> None:
        """Settings › General changed how remote content is asked for: the bar on screen follows at once."""
        self.offer_allow_sender = offer
        if not self.remote_bar.isHidden():
            self._show_remote_bar()

    def _show_remote_bar(self) -> None:
        if self.rendered is None or not self.rendered.remote_blocked:
            self.remote_bar.hide()
            return
        choices = [(_("Show images"), lambda: self.show_remote.emit(False))]
        if self.offer_allow_sender:
            choices.append((_("Always for this sender"), lambda: self.show_remote.emit(True)))
        self.remote_bar.show_message(_("Remote images are hidden to protect your privacy."), choices)

    def add_remote_images(self, images: dict[str, QImage]) -> None:
        """Images fetched after the person allowed remote content: lay the body out again with them."""
        if self.rendered is None or not images:
            return
        self.body.fetched.update(images)
        self.body.setHtml(self.rendered.body_html)

    def _show_headers(self, summary: MessageSummary, rendered: RenderedMessage | None = None) -> None:
        self.subject.setText(summary.subject or _("(no subject)"))
        # In a mirrored (right-to-left) window names and addresses keep their own direction.
        own = isolate if self.isRightToLeft() else str
        sender = f"<b>{html.escape(own(summary.from_name or summary.from_addr))}</b>"
        if summary.from_name and summary.from_addr:
            sender += " " + html.escape(own(f"<{summary.from_addr}>"))
        # Translators: the reader's header lines; {people} is already marked up (names in bold).
        lines = [_("From: {people}").format(people=sender)]
        if summary.to_addrs:
            lines.append(_("To: {people}").format(people=html.escape(own(summary.to_addrs))))
        if summary.cc_addrs:
            lines.append(_("Cc: {people}").format(people=html.escape(own(summary.cc_addrs))))
        self.people.setText("<br>".join(lines))
        self.date.setText(full_date(summary.date))

    def _set_attachments(self, attachments: list[Attachment]) -> None:
        self.attachments.set_attachments(attachments)

    def _link(self, url: QUrl, text: str = "") -> None:
        scheme = url.scheme().lower()
        if scheme == "mailto":
            self.compose_to.emit(url.toString())
        elif scheme in ("http", "https"):
            from deskmail.engine.mime.links import deceptive_link

            found = deceptive_link(text, url.toString())
            if found is None or self.confirm_link(found.question()):
                self.open_url(url)

    def confirm_link(self, question: str) -> bool:
        """Asks before following a link whose text names another site; Cancel is the default."""
        box = link_question(self, question)
        box.exec()
        clicked = box.clickedButton()
        return clicked is not None and box.buttonRole(clicked) == QMessageBox.ButtonRole.AcceptRole

    def open_url(self, url: QUrl) -> None:
        QDesktopServices.openUrl(url)


def link_question(parent: QWidget | None, question: str) -> QMessageBox:
    """ "This link says paypal.com but goes to …. Open anyway?" with Open Anyway first and Cancel the default."""
    box = QMessageBox(QMessageBox.Icon.Warning, _("Open this link?"), question, parent=parent)
    box.setInformativeText(_("Fake messages often show the name of a bank or shop you know on a link to another site."))
    box.addButton(_("Open Anyway"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box


def _line() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line
