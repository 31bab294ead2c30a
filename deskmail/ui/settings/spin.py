"""A spin box whose unit follows the number in the person's language ("1 day", "2 days", "3 日")."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QSpinBox, QWidget


class CountSpin(QSpinBox):
    """`text(n)` is the whole counted text with `{n}` (from ngettext): the words around `{n}` become
    the prefix and the suffix, so they fit the number shown.

    A fixed suffix (" days") reads wrong for 1, and in languages with more plural forms (Polish,
    Arabic) or with the unit before the number.
    """

    def __init__(self, text: Callable[[int], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counted = text
        self.valueChanged.connect(self._unit)
        self._unit(self.value())

    def _unit(self, value: int) -> None:
        before, _n, after = self.counted(value).partition("{n}")
        self.setPrefix(before)
        self.setSuffix(after)
