"""The real test bed for wizard GUI tests: scenario domains, a wizard on the real services, click helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from deskmail.core.settings import Settings
from deskmail.engine.accounts import Account, AccountStore
from deskmail.engine.credentials import Credentials
from deskmail.engine.paths import Paths
from deskmail.ui.wizard import AccountWizard
from deskmail.ui.wizard.first_pages import FoundPage
from deskmail.wizard.services import real_services
from deskmail.wizard.steps import Step
from tests.integration.discovery_bed import config_xml, install, own_mx
from tests.servers.zone import A, Record

WAIT_MS = 30_000
_scenarios: set[int] = set()

OAUTH_XML = (
    b"<?xml version='1.0'?><clientConfig version='1.1'><emailProvider id='wz-oauth.test'>"
    b"<domain>wz-oauth.test</domain><displayName>OAuth Mail</displayName>"
    b"<incomingServer type='imap'><hostname>imap.example.test</hostname><port>993</port>"
    b"<socketType>SSL</socketType><username>%EMAILADDRESS%</username>"
    b"<authentication>OAuth2</authentication></incomingServer>"
    b"<outgoingServer type='smtp'><hostname>smtp.example.test</hostname><port>465</port>"
    b"<socketType>SSL</socketType><username>%EMAILADDRESS%</username>"
    b"<authentication>OAuth2</authentication></outgoingServer>"
    b"<documentation url='https://wz-oauth.test/app-passwords'><descr>App passwords</descr></documentation>"
    b"</emailProvider></clientConfig>"
)


def install_scenarios(bed: Any) -> None:
    """Wizard domains: http-only autoconfig, OAuth2-only autoconfig, a domain whose lookups hang."""
    if id(bed) in _scenarios:
        return
    _scenarios.add(id(bed))
    install(bed)  # discovery's scenarios (dm-pop3.test: POP3 only)
    web, mail = bed.web_ips[0], bed.mail_ip
    records: list[Record] = [
        A("autoconfig.wz-http.example.test", web),
        *own_mx("wz-http.example.test", mail),
        A("autoconfig.wz-oauth.test", web),
        *own_mx("wz-oauth.test", mail),
        A("autoconfig.wz-slow.test", bed.blackhole_ip),
        A("wz-slow.test", bed.blackhole_ip),
    ]
    http_xml = config_xml("wz-http.example.test", "imap.example.test", "smtp.example.test")
    bed.web.add("autoconfig.wz-http.example.test", "/mail/config-v1.1.xml", http_xml, scheme="http")
    bed.web.add("autoconfig.wz-oauth.test", "/mail/config-v1.1.xml", OAUTH_XML)
    bed.dns.add(*records)


@dataclass
class Run:
    """One wizard on the real services, and what it reported."""

    wizard: AccountWizard
    store: AccountStore
    home: Path
    credentials: Credentials
    opened: list[str] = field(default_factory=list)
    added: list[Account] = field(default_factory=list)

    @property
    def step(self) -> Step:
        return self.wizard.machine.step


@pytest.fixture
def run(
    qtbot: QtBot, testbed: Any, keyring_env: dict[str, str], deskmail_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Run]:
    install_scenarios(testbed)
    testbed.apply_env(monkeypatch)
    settings = Settings.from_env()
    store = AccountStore(Paths.from_settings(settings).ensure())
    opened: list[str] = []
    credentials = Credentials()
    credentials.delete(testbed.user)  # the keyring lives for the session: each test proves its own save
    wizard = AccountWizard(real_services(settings, store, credentials), open_url=opened.append)
    qtbot.addWidget(wizard)
    wizard.show()
    result = Run(wizard, store, deskmail_home, credentials, opened)
    wizard.account_added.connect(result.added.append)
    yield result
    wizard.reject()
    wizard.runner.shutdown(wait=True)


def click(qtbot: QtBot, push: QPushButton | None) -> None:
    assert push is not None and push.isVisible() and push.isEnabled(), push
    qtbot.mouseClick(push, Qt.MouseButton.LeftButton)


def wait_for(qtbot: QtBot, run: Run, step: Step) -> None:
    qtbot.waitUntil(lambda: run.step is step, timeout=WAIT_MS)


def type_account(qtbot: QtBot, run: Run, email: str, password: str, name: str = "Alice Example") -> None:
    page = run.wizard.account_page
    page.name_edit.setText("")
    qtbot.keyClicks(page.name_edit, name)
    page.email_edit.setText("")
    qtbot.keyClicks(page.email_edit, email)
    page.password_edit.setText("")
    qtbot.keyClicks(page.password_edit, password)
    qtbot.keyClick(page.password_edit, Qt.Key.Key_Return)  # Enter continues


def found_page(run: Run) -> FoundPage:
    return found_page_of(run.wizard)


def found_page_of(wizard: AccountWizard) -> FoundPage:
    page = wizard.page()
    assert isinstance(page, FoundPage)
    return page


def accept_found(qtbot: QtBot, wizard: AccountWizard) -> None:
    """Continue on the Found page, ticking "these settings look right" first if the page asks for it."""
    # Which source answers first depends on the machine's load: a slow DNS answer leaves a guess,
    # which needs the tick. Ticking the box (not the machine's flag) also enables Continue.
    page = found_page_of(wizard)
    if wizard.machine.draft.needs_confirmation:
        page.confirm_box.setChecked(True)
    click(qtbot, page.continue_button)


def action(run: Run, label: str) -> QPushButton:
    buttons = [b for b in run.wizard.page().findChildren(QPushButton) if b.text() == label and b.isVisible()]
    assert buttons, f"no button {label!r} on {run.step}"
    return buttons[0]


def assert_saved_safely(run: Run, email: str, password: str) -> Account:
    account = run.store.get(email)
    assert account is not None and run.added == [account]
    assert Credentials().get(email) == password
    leaks = [p for p in run.home.rglob("*") if p.is_file() and password.encode() in p.read_bytes()]
    assert leaks == []
    return account
