"""The Qt binding itself: PySide6 6.12.0 on Python 3.11 released None on every void call (the app aborted)."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QApplication, QLabel

pytestmark = pytest.mark.gui


def test_void_calls_keep_none_alive(qapp: QApplication) -> None:
    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")  # a void method: returns None
    # A few references come and go elsewhere; the broken binding lost exactly one per call.
    assert sys.getrefcount(None) - before > -100
