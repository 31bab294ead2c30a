"""Composition root: builds the services, injects them, starts Qt."""

from __future__ import annotations


def run_app(args: list[str]) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(["deskmail"])
    label = QLabel("Deskmail")
    label.show()
    return int(app.exec())
