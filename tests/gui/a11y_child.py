"""The app's windows for a screen-reader walk: run on a real display (xcb), AT-SPI on.

`python -m tests.gui.a11y_child` shows the wizard's first pages, the mail window over the sample
store and a composer, each titled with its scene name so the walker can tell them apart, prints
"ready" and then runs until its stdin closes.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication, QWidget


def scenes() -> dict[str, QWidget]:
    from deskmail.ui.mail import gallery as mail
    from deskmail.ui.wizard import gallery as wizard

    wizards = dict(wizard.scenes())
    shown: dict[str, QWidget] = {name: wizards[name]() for name in ("01-account", "04-found", "06-manual")}
    shown["mail"] = mail.open_message(mail.sample_window(), "Dinner on Friday?")
    shown["mail"].resize(800, 600)  # stacked rows, and the toolbar's » button
    shown["composer"] = mail.composer_new()
    return shown


def main() -> None:
    app = QApplication(sys.argv[:1])
    app.setApplicationName("deskmail-a11y")
    keep = scenes()
    for name, window in keep.items():
        window.setWindowTitle(f"scene {name}")
        window.show()
    QApplication.processEvents()
    stdin = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    stdin.activated.connect(app.quit)  # the test closed our stdin: done
    print("ready", flush=True)
    app.exec()


if __name__ == "__main__":
    main()
