"""The phone window in set states, and the printed card, for screenshots. No network, no keyring."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QWidget

from deskmail.core.serverconfig import Protocol, Provider, Security, ServerConfig
from deskmail.engine.accounts import Account
from deskmail.ui.phone.card import card_pdf_bytes
from deskmail.ui.phone.window import PhoneWindow


def sample_account() -> Account:
    return Account(
        email="anna.berg@example.com",
        display_name="Anna Berg",
        incoming=ServerConfig(Protocol.IMAP, "imap.mail.example.com", 993, Security.SSL, "anna.berg@example.com"),
        outgoing=ServerConfig(Protocol.SMTP, "smtp.mail.example.com", 587, Security.STARTTLS, "anna.berg@example.com"),
        provider=Provider("example.com", "Example Mail"),
    )


def pop_account() -> Account:
    account = sample_account()
    return replace(account, incoming=ServerConfig(Protocol.POP3, "pop.mail.example.com", 995, Security.SSL, "anna"))


def _with_password() -> QWidget:
    window = PhoneWindow(sample_account())
    window.include_password.blockSignals(True)
    window.include_password.setChecked(True)
    window.include_password.blockSignals(False)
    window._password_read("correct horse battery staple")
    return window


def scenes() -> Iterator[tuple[str, Callable[[], QWidget]]]:
    yield "01-phone-window", lambda: PhoneWindow(sample_account())
    yield "02-phone-window-with-password", _with_password
    yield "03-phone-window-pop", lambda: PhoneWindow(pop_account())


def extras(folder: Path) -> Iterator[Path]:
    """The card as printed: the PDF, and page 1 as a PNG (pdftoppm, poppler-utils) to look at."""
    pdf = folder / "04-card.pdf"
    pdf.write_bytes(card_pdf_bytes([sample_account()]))
    yield pdf
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(folder / "04-card")], check=True)
        yield folder / "04-card.png"
