"""What the wizard knows so far, the shapes of its collaborators, and the background jobs it asks for."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import Field, UserFacingError
from deskmail.core.i18n import _
from deskmail.core.serverconfig import Candidate, ConnectionPolicy, Security
from deskmail.engine.accounts import Account, DownloadChoices
from deskmail.engine.oauth.provider import OAuthProvider
from deskmail.engine.oauth.session import OAuthLogin
from deskmail.wizard.manual import ManualSettings
from deskmail.wizard.problems import Problem
from deskmail.wizard.steps import Step

Progress = Callable[[object], None]


class DiscoveryLike(Protocol):
    """What the wizard reads from `deskmail.discovery.discover(...)`'s result."""

    @property
    def outcome(self) -> str: ...

    @property
    def candidates(self) -> list[Candidate]: ...

    @property
    def message(self) -> str: ...


class ServerCheckLike(Protocol):
    @property
    def ok(self) -> bool: ...

    @property
    def error(self) -> UserFacingError | None: ...

    @property
    def username(self) -> str: ...


class CheckReportLike(Protocol):
    """What the wizard reads from `deskmail.engine.validate.check_account(...)`'s report."""

    @property
    def ok(self) -> bool: ...

    @property
    def incoming(self) -> ServerCheckLike: ...

    @property
    def outgoing(self) -> ServerCheckLike: ...


DiscoverFn = Callable[[str, CancelToken, Progress], DiscoveryLike]
CheckFn = Callable[[Candidate, str, "str | OAuthLogin", ConnectionPolicy, CancelToken, Progress], CheckReportLike]
# A usable browser sign-in for these settings (a client id is configured), or None: app passwords only.
OAuthForFn = Callable[[Candidate], OAuthProvider | None]
# The browser sign-in; it reports OpenBrowser(url) through `progress` for the UI to open.
SignInFn = Callable[[OAuthProvider, str, CancelToken, Progress], OAuthLogin]


@dataclass(frozen=True)
class OpenBrowser:
    """Progress from the sign-in job: the UI opens `url` in the system browser."""

    url: str


SaveFn = Callable[[Account, str, CancelToken], None]  # raises KeyringUnavailable when no keyring is usable


def simple_address_error(text: str) -> str | None:
    """A minimal check for when no better one is injected: something@something.something."""
    local, at, domain = text.strip().rpartition("@")
    if not at or not local or "." not in domain.strip(".") or any(ch.isspace() for ch in text.strip()):
        return _("Please type your whole e-mail address, for example anna@example.com.")
    return None


@dataclass
class Services:
    """Everything slow or outside the wizard, injected so the state machine runs without Qt or network."""

    discover: DiscoverFn
    check: CheckFn
    save: SaveFn
    address_error: Callable[[str], str | None] = simple_address_error
    typo_hint: Callable[[str], str | None] = lambda _email: None
    account_exists: Callable[[str], bool] = lambda _email: False
    warm_up: Callable[[], None] = lambda: None  # slow first-use loading, run in the background at start
    keyring_available: Callable[[], bool] = lambda: True  # slow (D-Bus): asked in the background at start
    oauth_for: OAuthForFn = lambda _candidate: None
    sign_in: SignInFn | None = None


class JobKind:
    DISCOVER = "discover"
    CHECK = "check"
    SAVE = "save"
    SIGN_IN = "sign_in"


_job_ids = itertools.count(1)


@dataclass
class Job:
    """Work the UI must run in the background (it passes `token` on as the task's cancel token)."""

    kind: str
    work: Callable[[CancelToken, Progress], object]
    token: CancelToken = field(default_factory=CancelToken)
    id: int = field(default_factory=lambda: next(_job_ids))


class JobSlot:
    """The one background job the current page waits for; replacing or cancelling it drops its answer."""

    def __init__(self) -> None:
        self.current: Job | None = None
        self._handed_out = False

    def start(self, kind: str, work: Callable[[CancelToken, Progress], object]) -> Job:
        self.cancel()
        self.current, self._handed_out = Job(kind, work), False
        return self.current

    def take(self) -> Job | None:
        if self.current is None or self._handed_out:
            return None
        self._handed_out = True
        return self.current

    def is_current(self, job: Job) -> bool:
        return self.current is not None and self.current.id == job.id

    def end(self, job: Job) -> bool:
        """Forget `job` once its answer arrives; False if it is no longer the one waited for."""
        if not self.is_current(job):
            return False
        self.current = None
        return True

    def cancel(self) -> None:
        if self.current is not None:
            self.current.token.cancel()
        self.current = None


@dataclass
class Draft:
    """The account being set up; the password lives here only until it is saved."""

    name: str = ""
    email: str = ""
    password: str = ""
    remember_password: bool = True
    keyring_available: bool | None = None  # None until the background look says whether one is usable
    discovery: DiscoveryLike | None = None
    discovered_for: str = ""  # the address `discovery` belongs to
    found_message: str = ""  # discovery's "good to know" for found settings (app password, enable IMAP)
    candidate: Candidate | None = None
    confirmed: bool = False  # ticked "these settings look right" for settings we cannot vouch for
    settings_accepted: bool = False  # the person went on from Found/Manual with these settings
    manual: ManualSettings | None = None
    settings_step: Step = Step.FOUND  # where "Edit settings" / "Go back" return to
    policy: ConnectionPolicy = field(default_factory=ConnectionPolicy)
    plaintext_ticked: bool = False
    download: DownloadChoices = field(default_factory=DownloadChoices)  # a POP3 account's choices
    download_chosen: bool = False  # the person went on from the POP3 page
    problem: Problem | None = None
    report: CheckReportLike | None = None
    account: Account | None = None
    errors: dict[Field, str] = field(default_factory=dict)  # per-field messages on the current page
    notice: str = ""  # a message for the whole current page
    focus: Field = Field.NONE
    progress: list[str] = field(default_factory=list)
    oauth: OAuthLogin | None = None  # after a browser sign-in: used instead of the password
    sign_in_url: str = ""  # the sign-in page, to open again if the browser window was closed
    browser_url: str = ""  # a page the UI must open now (taken once by `take_browser_url`)

    @property
    def needs_confirmation(self) -> bool:
        return self.candidate is not None and not self.candidate.trusted

    @property
    def uses_plaintext(self) -> bool:
        candidate = self.candidate
        if candidate is None:
            return False
        servers = [candidate.incoming] + ([candidate.outgoing] if candidate.outgoing else [])
        return any(server.security is Security.PLAIN for server in servers)

    @property
    def secret(self) -> str | OAuthLogin:
        """What the checks log in with: the browser sign-in if there was one, else the password."""
        return self.oauth if self.oauth is not None else self.password

    def clear_page_messages(self) -> None:
        self.errors = {}
        self.notice = ""
        self.focus = Field.NONE
