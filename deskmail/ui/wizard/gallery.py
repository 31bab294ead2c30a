"""Every wizard page (and each Problem variant) with canned answers, for screenshots and reviews. No network."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from PySide6.QtWidgets import QApplication

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import ErrorKind, Field, UserFacingError
from deskmail.core.serverconfig import Candidate, ConnectionPolicy, Protocol, Provider, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine import failures
from deskmail.engine.accounts import Account
from deskmail.engine.credentials import KeyringUnavailable
from deskmail.engine.oauth.provider import OAuthProvider
from deskmail.engine.oauth.session import OAuthLogin
from deskmail.ui.wizard.dialog import AccountWizard
from deskmail.wizard.canned import CannedDiscovery, CannedReport, CannedServerCheck
from deskmail.wizard.draft import OpenBrowser, Progress, Services
from deskmail.wizard.problems import RULES, Variant
from deskmail.wizard.steps import Action, Step

EMAIL = "anna.schmidt@example.com"
# How long a "held" job keeps its progress page up: long enough for a screenshot, short enough that a
# worker never outlives the process by much (Saving cannot be cancelled).
HOLD_SECONDS = 3.0
CERT = {
    "host": "mail.example.com",
    "port": 993,
    "sha256": "3f9a0c1e5b7d2a4c6e8f0b1d3a5c7e9f1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a",
    "issuer": "CN=example.com self-signed",
    "subject": "CN=mail.example.com",
    "not_before": "2026-01-10T00:00:00+00:00",
    "not_after": "2027-01-10T00:00:00+00:00",
    "names": ["mail.example.com", "example.com"],
}


def sample_candidate(source: str = "ispdb", trusted: bool = True, security: Security = Security.SSL) -> Candidate:
    plain = security is Security.PLAIN
    return Candidate(
        source=source,
        url="http://example.com/mail/config-v1.1.xml" if not trusted else "https://autoconfig.thunderbird.net/",
        trusted=trusted,
        trust_reason="",
        provider=Provider("example.com", "Example Mail"),
        incoming=ServerConfig(Protocol.IMAP, "imap.mail.example.com", 143 if plain else 993, security, EMAIL),
        outgoing=ServerConfig(Protocol.SMTP, "smtp.mail.example.com", 587 if plain else 465, security, EMAIL),
        help_urls=["https://help.example.com/mail-apps"],
        enable_url="https://mail.example.com/settings/imap",
    )


def sample_pop3_candidate() -> Candidate:
    """A POP3-only provider: downloads mail to this computer."""
    candidate = sample_candidate()
    return replace(candidate, incoming=ServerConfig(Protocol.POP3, "pop.mail.example.com", 995, Security.SSL, EMAIL))


def canned_discovery(outcome: str = "found", candidates: list[Candidate] | None = None) -> CannedDiscovery:
    return CannedDiscovery(outcome, [sample_candidate()] if candidates is None else candidates)


@dataclass
class Canned:
    """Answers for one scene; `hold` keeps discovery or the check running (for the progress pages)."""

    discovery: CannedDiscovery = field(default_factory=canned_discovery)
    report: CannedReport = field(default_factory=CannedReport)
    save_error: BaseException | None = None
    hold: str = ""
    keyring: bool = True  # a usable keyring on this computer
    oauth: OAuthProvider | None = None  # a configured browser sign-in (client id set)

    def services(self) -> Services:
        def discover(email: str, cancel: CancelToken, progress: Progress) -> CannedDiscovery:
            progress("Checking Deskmail's list of providers…")
            progress("Asking example.com for its settings...")
            self._hold("discover", cancel)
            return self.discovery

        def check(
            c: Candidate,
            e: str,
            p: str | OAuthLogin,
            policy: ConnectionPolicy,
            cancel: CancelToken,
            progress: Progress,
        ) -> CannedReport:
            progress("Connecting to imap.mail.example.com...")
            self._hold("check", cancel)
            return self.report

        def save(account: Account, password: str, cancel: CancelToken) -> None:
            self._hold("save", cancel)
            if self.save_error is not None:
                raise self.save_error

        def sign_in(provider: OAuthProvider, email: str, cancel: CancelToken, progress: Progress) -> OAuthLogin:
            progress(OpenBrowser(provider.auth_url))
            progress(f"Waiting for you to sign in to {provider.name} in your browser...")
            self._hold("sign_in", cancel)
            return OAuthLogin(provider, email, "canned-refresh-token", settings=_NO_SETTINGS)

        return Services(
            discover,
            check,
            save,
            typo_hint=lambda e: "gmail.com" if "gmial" in e else None,
            keyring_available=lambda: self.keyring,
            oauth_for=lambda _candidate: self.oauth,
            sign_in=sign_in,
        )

    def _hold(self, what: str, cancel: CancelToken) -> None:
        if self.hold == what:
            cancel.wait(HOLD_SECONDS)


_NO_SETTINGS = Settings()
SAMPLE_OAUTH = OAuthProvider(
    "example.com",
    "Example Mail",
    "https://login.example.com/authorize",
    "https://login.example.com/token",
    "mail",
    client_id="sample-client-id",
)


def failed(kind: ErrorKind, side: str = "incoming", **data: object) -> CannedReport:
    rule = RULES[kind]
    error = UserFacingError(kind, rule.message, rule.fix, Field.NONE, f"{kind}: server said no", dict(data))
    server = CannedServerCheck(False, error)
    return CannedReport(incoming=server) if side == "incoming" else CannedReport(outgoing=server)


def settle(wizard: AccountWizard, until: Callable[[], bool], seconds: float = 5.0) -> None:
    """Let background jobs report back until `until()` holds."""
    end = time.monotonic() + seconds
    while not until() and time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)
    QApplication.processEvents()


def start(canned: Canned, email: str = EMAIL) -> AccountWizard:
    wizard = AccountWizard(canned.services(), open_url=lambda url: None)
    page = wizard.account_page
    page.name_edit.setText("Anna Schmidt")
    page.email_edit.setText(email)
    page.password_edit.setText("secret")
    return wizard


def go(wizard: AccountWizard, step: Step) -> AccountWizard:
    settle(wizard, lambda: wizard.machine.step is step)
    return wizard


def scenes() -> Iterator[tuple[str, Callable[[], AccountWizard]]]:
    """(name, build) for every page; build() returns a shown-ready wizard on that page."""
    yield "01-account", lambda: start(Canned(), "")
    yield "02-account-typo", lambda: start(Canned(), "anna@gmial.com")
    yield "02-account-no-keyring", lambda: _no_keyring_account()
    yield "03-finding", lambda: _submitted(Canned(hold="discover"), Step.FINDING)
    yield "04-found", lambda: _submitted(Canned(), Step.FOUND)
    untrusted = Canned(canned_discovery("found", [sample_candidate("autoconfig", trusted=False)]))
    yield "05-found-please-confirm", lambda: _submitted(untrusted, Step.FOUND)
    yield "06-manual", lambda: _manual()
    pop3 = Canned(canned_discovery("found", [sample_pop3_candidate()]))
    yield "04-found-pop3", lambda: _submitted(pop3, Step.FOUND)
    yield "04-pop3", lambda: _checking(pop3, Step.POP3)
    yield "06-manual-pop3", lambda: _manual(pop3)
    plain = Canned(canned_discovery("found", [sample_candidate("guess", False, Security.PLAIN)]))
    yield "07-plaintext", lambda: _plaintext(plain)
    yield "08-checking", lambda: _checking(Canned(hold="check"))
    yield "08-saving", lambda: _checking(Canned(hold="save"), Step.SAVING)
    yield "09-done", lambda: _checking(Canned(), Step.DONE)
    for outcome, step in (
        ("pop3_only", Step.POP3_ONLY),
        ("oauth_only", Step.OAUTH_ONLY),
        ("imap_disabled", Step.IMAP_DISABLED),
        ("not_found", Step.NOT_FOUND),
    ):
        candidates = [sample_candidate()] if outcome in ("oauth_only", "imap_disabled") else []
        canned = Canned(canned_discovery(outcome, candidates))
        yield f"10-{outcome.replace('_', '-')}", functools.partial(_submitted, canned, step)
    oauth = Canned(CannedDiscovery("oauth_only", [sample_candidate()], ""), oauth=SAMPLE_OAUTH)
    yield "10-oauth-only-sign-in", functools.partial(_submitted, oauth, Step.OAUTH_ONLY)
    yield "10-oauth-signing-in", lambda: _signing_in(replace(oauth, hold="sign_in"))
    yield "11-no-keyring", lambda: _checking(Canned(save_error=KeyringUnavailable()), Step.NO_KEYRING)
    seen: set[Variant] = set()
    for kind, rule in RULES.items():
        if rule.variant in seen and kind not in (ErrorKind.CERT_HOSTNAME,):
            continue
        seen.add(rule.variant)
        report = failed(kind, "outgoing" if kind is ErrorKind.CONNECT_REFUSED else "incoming", **CERT)
        name = f"20-problem-{kind.value.replace('_', '-')}"
        yield name, functools.partial(_checking, Canned(report=report), Step.PROBLEM)
    # The engine's own words (not the page's defaults) for a network that broke during a first check.
    incoming = sample_candidate().incoming
    broke = failures.unproven(incoming, failures.connection_lost(incoming, "while setting up encryption", "EOF"))
    lost = Canned(report=CannedReport(incoming=CannedServerCheck(False, broke)))
    yield "20-problem-connection-lost", functools.partial(_checking, lost, Step.PROBLEM)


def _no_keyring_account() -> AccountWizard:
    wizard = start(Canned(keyring=False))
    settle(wizard, lambda: wizard.machine.draft.keyring_available is False)
    return wizard


def _submitted(canned: Canned, step: Step) -> AccountWizard:
    wizard = start(canned)
    wizard.account_page._continue()
    return go(wizard, step)


def _signing_in(canned: Canned) -> AccountWizard:
    wizard = _submitted(canned, Step.OAUTH_ONLY)
    wizard.machine.perform(Action.SIGN_IN_WITH_BROWSER)
    wizard._render()
    return go(wizard, Step.SIGNING_IN)


def _manual(canned: Canned | None = None) -> AccountWizard:
    wizard = _submitted(canned or Canned(), Step.FOUND)
    wizard.machine.change_settings()
    wizard._render()
    return wizard


def _plaintext(canned: Canned) -> AccountWizard:
    wizard = _submitted(canned, Step.FOUND)
    wizard.machine.set_confirmed(True)
    wizard.machine.accept_found()
    wizard._render()
    return wizard


def _checking(canned: Canned, step: Step = Step.CHECKING) -> AccountWizard:
    wizard = _submitted(canned, Step.FOUND)
    wizard.machine.accept_found()
    wizard._render()
    return go(wizard, step)
