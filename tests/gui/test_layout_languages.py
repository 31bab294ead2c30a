"""Layout in German (long words), Japanese and Arabic (right to left): nothing clipped, arrows mirrored."""

from __future__ import annotations

from PySide6.QtGui import QImage, QTransform
from PySide6.QtWidgets import QApplication

from deskmail.core import i18n
from deskmail.ui.icons import ui_icon
from deskmail.ui.language import apply_to_qt


def _image(name: str) -> QImage:
    return ui_icon(name).pixmap(16, 16).toImage()


def test_arrow_icons_point_the_other_way_in_arabic_and_the_rest_stay(qapp: QApplication) -> None:
    """Reply, forward and send arrows follow the reading direction; a star or a paper clip does not mirror."""
    english = {name: _image(name) for name in ("sent", "replied", "forwarded", "star", "attachment")}
    try:
        apply_to_qt(qapp, i18n.use("ar"))
        for name in ("sent", "replied", "forwarded"):
            mirrored = english[name].transformed(QTransform().scale(-1, 1))
            assert _image(name) == mirrored, name
            assert _image(name) != english[name], name
        assert _image("star") == english["star"]
        assert _image("attachment") == english["attachment"]
    finally:
        apply_to_qt(qapp, i18n.use("en"))
    assert _image("sent") == english["sent"]
