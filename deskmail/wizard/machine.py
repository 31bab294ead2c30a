"""The setup wizard as a Qt-free state machine: pages, transitions, background jobs, errors -> pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.errors import Field, UserFacingError
from deskmail.core.i18n import N_, _
from deskmail.core.redact import register_secret
from deskmail.core.serverconfig import Protocol, ServerConfig
from deskmail.engine.accounts import Account, AccountError, DownloadChoices, account_key
from deskmail.engine.credentials import KeyringUnavailable
from deskmail.engine.oauth.accounts import with_oauth
from deskmail.wizard.draft import CheckReportLike, DiscoveryLike, Draft, Job, JobKind, JobSlot, Progress, Services
from deskmail.wizard.manual import ManualSettings
from deskmail.wizard.problems import (
    Problem,
    check_problem,
    offline_problem,
    problem_for,
    save_problem,
    trusting,
    unexpected_problem,
)
from deskmail.wizard.signin import SignInSteps
from deskmail.wizard.steps import LINK_ACTIONS, OUTCOME_STEPS, SPECIAL_PAGE_ACTIONS, Action, Step

# Page notices, marked here and translated where they are set (the language is chosen after imports).
CONFIRM_NEEDED = N_("Please tick the box to confirm that these settings look right.")
PLAINTEXT_NEEDED = N_("Please tick the box to confirm that you understand the risk.")
# Under an unticked, greyed "Remember my password" when there is no keyring: the same promise as the
# no-keyring page (memory only, never a file) and the Done page ("each time it starts").
NO_KEYRING_NOTE = N_(
    "This computer has no safe place to keep passwords, so Deskmail cannot remember yours. "
    "It is kept only in memory while Deskmail runs, never written to a file: "
    "you will type it each time you start Deskmail."
)


class WizardMachine(SignInSteps):
    """Drives the wizard: the UI calls the methods for what the person did and renders `step` and `draft`."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.step = Step.ACCOUNT
        self.draft = Draft()
        self._jobs = JobSlot()
        self._retry_discovery = False
        self._retry_sign_in = False  # "Try again" on a Problem page repeats the browser sign-in

    # -- background jobs -------------------------------------------------------------------

    def take_job(self) -> Job | None:
        """The job the current page is waiting for, handed out once (the UI runs it in the background)."""
        return self._jobs.take()

    @property
    def busy(self) -> bool:
        return self._jobs.current is not None

    def job_progress(self, job: Job, value: object) -> None:
        if self._jobs.is_current(job) and not self._sign_in_progress(value):
            self.draft.progress.append(str(value))

    def job_finished(self, job: Job, result: object) -> None:
        if not self._jobs.end(job):
            return  # a cancelled or replaced job: its late answer is dropped
        if job.kind == JobKind.DISCOVER:
            self._discovered(result)  # type: ignore[arg-type]
        elif job.kind == JobKind.CHECK:
            self._checked(result)  # type: ignore[arg-type]
        elif job.kind == JobKind.SIGN_IN:
            self._signed_in(result)  # type: ignore[arg-type]
        else:
            self._saved()

    def job_failed(self, job: Job, error: BaseException) -> None:
        if not self._jobs.end(job):
            return
        if job.kind == JobKind.SIGN_IN:
            self._sign_in_failed(error)
        elif isinstance(error, Cancelled):
            self._go(Step.ACCOUNT if job.kind == JobKind.DISCOVER else self.draft.settings_step)
        elif job.kind == JobKind.SAVE:
            self._save_failed(error)
        elif isinstance(error, UserFacingError):
            self._show_problem(
                problem_for(error, "", self.draft.candidate), from_discovery=job.kind == JobKind.DISCOVER
            )
        elif job.kind == JobKind.DISCOVER:
            self._go(Step.NOT_FOUND, notice=_("Something went wrong while looking for your settings."))
        else:
            self._show_problem(unexpected_problem(error), from_discovery=False)

    def _start(self, step: Step, kind: str, work: Callable[[CancelToken, Progress], object]) -> None:
        self._jobs.cancel()
        self._go(step)
        self.draft.progress = []
        self._jobs.start(kind, work)

    def _cancel_job(self) -> None:
        self._jobs.cancel()

    def _go(self, step: Step, notice: str = "", focus: Field = Field.NONE) -> None:
        self.step = step
        self.draft.clear_page_messages()
        self.draft.notice = notice
        self.draft.focus = focus

    # -- Account page -------------------------------------------------------------------------

    def typo_hint(self, email: str) -> str | None:
        """A domain the person probably meant ("gmail.com"), shown under the address."""
        return self.services.typo_hint(email.strip())

    def address_error(self, email: str) -> str | None:
        return self.services.address_error(email)

    def keyring_checked(self, available: bool) -> None:
        """The background look at the keyring answered: without one, "Remember my password" is not offered."""
        refused_before = self.draft.keyring_available is False
        self.draft.keyring_available = available
        if not available:
            self.draft.remember_password = False
        elif refused_before:
            self.draft.remember_password = True  # we unticked it, not the person: tick it again

    @property
    def can_remember(self) -> bool:
        """False once we know there is no usable keyring (unknown yet counts as usable)."""
        return self.draft.keyring_available is not False

    @property
    def remember_note(self) -> str:
        """Why "Remember my password" is unticked and greyed ("" while it can be offered)."""
        return "" if self.can_remember else _(NO_KEYRING_NOTE)

    def submit_account(self, name: str, email: str, password: str, remember: bool = True) -> None:
        """Continue from the Account page: check the fields, then find (or reuse) the settings."""
        email = email.strip()
        errors: dict[Field, str] = {}
        address_problem = self.services.address_error(email)
        if address_problem:
            errors[Field.EMAIL] = address_problem
        elif self.services.account_exists(email):
            errors[Field.EMAIL] = _("This account is already set up in Deskmail.")
        if not password:
            errors[Field.PASSWORD] = _("Please type your password.")
        if errors:
            self._go(Step.ACCOUNT)
            self.draft.errors = errors
            self.draft.focus = Field.EMAIL if Field.EMAIL in errors else Field.PASSWORD
            return
        register_secret(password)
        same_address = account_key(email) == account_key(self.draft.discovered_for)
        self.draft.name, self.draft.email, self.draft.password = name.strip(), email, password
        self.draft.remember_password = remember and self.can_remember
        if not same_address:
            self._forget_settings()
            self._start_discovery()
        elif self.draft.settings_accepted:
            self._start_check()  # retyped password: the settings were already confirmed
        else:
            self._show_discovery(self.draft.discovery)

    def _forget_settings(self) -> None:
        self.draft.discovery, self.draft.discovered_for, self.draft.candidate = None, "", None
        self.draft.manual, self.draft.policy = None, replace(self.draft.policy, pins=(), allow_plaintext=False)
        self.draft.confirmed = self.draft.settings_accepted = self.draft.plaintext_ticked = False
        self.draft.oauth, self._retry_sign_in = None, False
        self.draft.download, self.draft.download_chosen = DownloadChoices(), False

    # -- Finding ---------------------------------------------------------------------------------

    def _start_discovery(self) -> None:
        email, discover = self.draft.email, self.services.discover

        def work(cancel: CancelToken, progress: Progress) -> object:
            return discover(email, cancel, progress)

        self._start(Step.FINDING, JobKind.DISCOVER, work)

    def cancel(self) -> None:
        """Cancel on Finding goes back to the address; on Checking, back to the settings."""
        if self.step is Step.FINDING:
            self._cancel_job()
            self._go(Step.ACCOUNT)
        elif self.step is Step.CHECKING:
            self._cancel_job()
            self._go(self.draft.settings_step)
        elif self.step is Step.SIGNING_IN:
            self._cancel_job()
            self._go(Step.OAUTH_ONLY)

    def _discovered(self, result: DiscoveryLike) -> None:
        self.draft.discovery, self.draft.discovered_for = result, self.draft.email
        self._show_discovery(result)

    def _show_discovery(self, result: DiscoveryLike | None) -> None:
        if result is None:
            self._start_discovery()
            return
        usable = [c for c in result.candidates if c.outgoing is not None]
        self.draft.candidate = usable[0] if usable else None
        self.draft.confirmed = self.draft.candidate is not None and self.draft.candidate.trusted
        self.draft.settings_step = Step.FOUND
        if result.outcome == "no_such_domain":
            self._go(Step.ACCOUNT, focus=Field.EMAIL)
            self.draft.errors = {Field.EMAIL: result.message or _("This e-mail domain does not exist.")}
        elif result.outcome == "offline":
            self._show_problem(offline_problem(result.message), from_discovery=True)
        elif result.outcome in OUTCOME_STEPS:
            self._go(OUTCOME_STEPS[result.outcome], notice=result.message)
        elif self._browser_sign_in_is_easier(result):
            self._go(Step.OAUTH_ONLY)  # e.g. Gmail: the browser sign-in instead of making an app password
        elif self.draft.candidate is not None:
            self.draft.found_message = result.message
            self._go(Step.FOUND)
        else:
            self.draft.manual = ManualSettings.for_address(self.draft.email)
            self._go(Step.NOT_FOUND, notice=result.message)

    def _browser_sign_in_is_easier(self, result: DiscoveryLike) -> bool:
        """A provider that wants an app password but also offers a browser sign-in Deskmail can do,
        unless the person already chose the app password (then the result was re-read as found)."""
        candidate = self.draft.candidate
        if candidate is None or isinstance(result, _AsFound) or candidate.extra.get("login") != "app_password":
            return False
        return self.oauth_provider() is not None

    def enter_settings_myself(self) -> None:
        """ "Enter settings myself": from Finding, Found or a special page straight to the editor."""
        self._cancel_job()
        self._open_manual()

    # -- Found ------------------------------------------------------------------------------------

    def set_confirmed(self, ticked: bool) -> None:
        self.draft.confirmed = ticked
        if ticked and self.draft.notice == _(CONFIRM_NEEDED):
            self.draft.notice = ""

    def accept_found(self) -> None:
        """Continue with the settings we found (untrusted ones only after the box is ticked)."""
        if self.draft.candidate is None:
            return
        if self.draft.needs_confirmation and not self.draft.confirmed:
            self.draft.notice = _(CONFIRM_NEEDED)
            return
        self.draft.settings_accepted = True
        self.draft.settings_step = Step.FOUND
        self._start_check()

    def change_settings(self) -> None:
        self._open_manual()

    # -- Manual settings -----------------------------------------------------------------------

    def _open_manual(self, focus: Field = Field.NONE) -> None:
        if self.draft.manual is None:
            # Without a complete candidate, what was found still helps (a POP3 server without SMTP).
            found = self.draft.discovery.candidates if self.draft.discovery is not None else []
            candidate = self.draft.candidate or next(iter(found), None)
            email = self.draft.email
            self.draft.manual = (
                ManualSettings.from_candidate(candidate, email) if candidate else ManualSettings.for_address(email)
            )
        self.draft.settings_step = Step.MANUAL
        self._go(Step.MANUAL, focus=focus)

    def apply_manual(self) -> None:
        """ "Test these settings" on the Manual page."""
        manual = self.draft.manual
        if manual is None:
            return
        errors = manual.errors()
        if errors:
            self._go(Step.MANUAL, focus=next(iter(errors)))
            self.draft.errors = errors
            return
        previous = self.draft.candidate
        self.draft.candidate = manual.to_candidate(previous.provider if previous else None)
        if previous is not None:
            self.draft.candidate.help_urls = list(previous.help_urls)
            self.draft.candidate.enable_url = previous.enable_url
        self.draft.settings_accepted = True
        self.draft.settings_step = Step.MANUAL
        self._start_check()

    # -- Plaintext confirmation ----------------------------------------------------------------

    def set_plaintext_ticked(self, ticked: bool) -> None:
        self.draft.plaintext_ticked = ticked

    def accept_plaintext(self) -> None:
        if not self.draft.plaintext_ticked:
            self.draft.notice = _(PLAINTEXT_NEEDED)
            return
        self.draft.policy = replace(self.draft.policy, allow_plaintext=True)
        self._start_check()

    # -- POP3: what happens to the mail on the server ------------------------------------------

    def choose_download(self, keep_on_server: bool, remove_after_days: int | None) -> None:
        """ "Continue" on the POP3 page: keep a copy (and maybe remove it after N days), then check."""
        days = remove_after_days if keep_on_server and remove_after_days else 0
        self.draft.download = DownloadChoices(keep_on_server=keep_on_server, delete_after_days=max(0, days))
        self.draft.download_chosen = True
        self._start_check()

    # -- Checking ---------------------------------------------------------------------------------

    def _start_check(self) -> None:
        candidate = self.draft.candidate
        if candidate is None:
            self._open_manual()
            return
        if candidate.incoming.protocol is Protocol.POP3 and not self.draft.download_chosen:
            self._go(Step.POP3)  # first say plainly what POP3 means and ask about the server copy
            return
        if self.draft.uses_plaintext and not self.draft.policy.allow_plaintext:
            self._go(Step.PLAINTEXT)
            return
        draft, check = self.draft, self.services.check
        email, password, policy = draft.email, draft.secret, draft.policy

        def work(cancel: CancelToken, progress: Progress) -> object:
            return check(candidate, email, password, policy, cancel, progress)

        self._start(Step.CHECKING, JobKind.CHECK, work)

    def _checked(self, report: CheckReportLike) -> None:
        self.draft.report = report
        if report.ok:
            self._start_save(report)
            return
        problem = check_problem(report.incoming.error, report.outgoing.error, self.draft.candidate)
        self._show_problem(problem, from_discovery=False)

    # -- Problem ------------------------------------------------------------------------------------

    def _show_problem(self, problem: Problem, from_discovery: bool) -> None:
        if self._retry_sign_in and Action.RETYPE_PASSWORD in problem.actions:
            # signed in through the browser: there is no password to type, signing in again is the fix
            actions = tuple(Action.TRY_AGAIN if a is Action.RETYPE_PASSWORD else a for a in problem.actions)
            problem = replace(problem, actions=actions)
        self.draft.problem = problem
        self._retry_discovery = from_discovery
        self._go(Step.PROBLEM)

    def actions(self) -> tuple[Action, ...]:
        """The buttons of the current Problem or special page, default first."""
        if self.step is Step.PROBLEM and self.draft.problem is not None:
            return self.draft.problem.actions
        actions = SPECIAL_PAGE_ACTIONS.get(self.step, ())
        if self.oauth_provider() is None:
            actions = tuple(a for a in actions if a is not Action.SIGN_IN_WITH_BROWSER)
        return tuple(a for a in actions if a not in LINK_ACTIONS or self.url_for(a))

    def url_for(self, action: Action) -> str:
        """The web page an "open ..." action shows ("" if there is none)."""
        if self.step is Step.PROBLEM and self.draft.problem is not None:
            return self.draft.problem.url_for(action)
        candidate = self.draft.candidate
        if candidate is None:
            return ""
        help_url = next(iter(candidate.help_urls), "")
        if action is Action.OPEN_ENABLE_PAGE:
            return candidate.enable_url or help_url
        if action is Action.OPEN_APP_PASSWORD_PAGE:
            return str(candidate.extra.get("app_password_url", "")) or help_url
        return help_url if action is Action.OPEN_HELP else ""

    def perform(self, action: Action) -> str:
        """Do what the person chose; returns a URL to open for the "open ..." actions, else ""."""
        if action in LINK_ACTIONS:
            return self.url_for(action)
        handler = {
            Action.RETYPE_PASSWORD: self._retype_password,
            Action.TRUST_CERTIFICATE: self._trust_certificates,
            Action.EDIT_SETTINGS: self._edit_settings,
            Action.ALLOW_PLAINTEXT: lambda: self._go(Step.PLAINTEXT),
            Action.TRY_AGAIN: self._try_again,
            Action.GO_BACK: self.back,
            Action.USE_SESSION_PASSWORD: self._use_session_password,
            Action.SIGN_IN_WITH_BROWSER: self._start_sign_in,
        }[action]
        handler()
        return ""

    def _retype_password(self) -> None:
        if self.step is Step.OAUTH_ONLY:
            self.draft.settings_accepted = False  # after the app password, show the settings first
            self.draft.discovery = _AsFound(self.draft.discovery) if self.draft.discovery else None
        self.draft.password, self.draft.oauth, self._retry_sign_in = "", None, False
        self._go(Step.ACCOUNT, focus=Field.PASSWORD)

    def _trust_certificates(self) -> None:
        problem = self.draft.problem
        if problem is None or not problem.certificates:
            return
        self.draft.policy = trusting(self.draft.policy, problem)
        self._start_check()

    def _edit_settings(self) -> None:
        focus = self.draft.problem.focus if self.step is Step.PROBLEM and self.draft.problem else Field.NONE
        if focus in (Field.PASSWORD, Field.EMAIL):
            focus = Field.NONE
        self._open_manual(focus)

    def _try_again(self) -> None:
        if self.step is Step.PROBLEM and self._retry_sign_in and self.draft.oauth is None:
            self._start_sign_in()
        elif self.step is Step.IMAP_DISABLED:
            self._after_special_page()
        elif self.step is Step.NOT_FOUND or (self.step is Step.PROBLEM and self._retry_discovery):
            self._start_discovery()
        else:
            self._start_check()

    def _after_special_page(self) -> None:
        if self.draft.candidate is not None:
            self._go(Step.FOUND)
        else:
            self._open_manual()

    def back(self) -> None:
        """ "Go back": one page towards the start (from Problem: to the settings that failed)."""
        if self.step is Step.POP3:
            self._go(self.draft.settings_step)
        elif self.step in (Step.PROBLEM, Step.PLAINTEXT):
            self._go(Step.ACCOUNT if self._retry_discovery else self.draft.settings_step)
            self._retry_discovery = False
        elif self.step is Step.MANUAL and self.draft.discovery is not None and self.draft.discovery.candidates:
            self._show_discovery(self.draft.discovery)  # back to what was found, not what was typed
        elif self.step in (Step.FINDING, Step.CHECKING, Step.SIGNING_IN):
            self.cancel()
        elif self.step is not Step.DONE:
            self._go(Step.ACCOUNT)

    # -- Saving -------------------------------------------------------------------------------------

    def _start_save(self, report: CheckReportLike | None) -> None:
        candidate = self.draft.candidate
        assert candidate is not None
        if report is not None:  # keep the user names that actually worked
            incoming = _with_username(candidate.incoming, report.incoming.username)
            outgoing = _with_username(candidate.outgoing, report.outgoing.username) if candidate.outgoing else None
            candidate = replace(candidate, incoming=incoming, outgoing=outgoing)
            self.draft.candidate = candidate
        try:
            account = Account.from_candidate(candidate, self.draft.email, self.draft.name, self.draft.policy)
        except AccountError as exc:
            self._show_problem(save_problem(str(exc)), from_discovery=False)
            return
        account = replace(account, remember_password=self.draft.remember_password)
        if account.uses_pop3:
            account = replace(account, download=self.draft.download)
        save, password = self.services.save, self.draft.password
        if self.draft.oauth is not None:  # the keyring keeps the refresh token in the password's place
            account = with_oauth(account, self.draft.oauth.provider)
            password = self.draft.oauth.refresh_token

        def work(cancel: CancelToken, progress: Progress) -> object:
            save(account, password, cancel)
            return account

        self.draft.account = account
        self._start(Step.SAVING, JobKind.SAVE, work)

    def _saved(self) -> None:
        self.draft.password, self.draft.oauth = "", None  # in the keyring (or the session store) now
        self._go(Step.DONE)

    def _save_failed(self, error: BaseException) -> None:
        if isinstance(error, KeyringUnavailable):
            if not error.locked:  # a locked keyring can be unlocked: keep offering it
                self.keyring_checked(False)  # back on the Account page, the box no longer promises it
            self._go(Step.NO_KEYRING, notice=error.message)
        else:
            self._show_problem(save_problem(str(error)), from_discovery=False)

    def _use_session_password(self) -> None:
        self.draft.remember_password = False
        self._start_save(None)


class _AsFound:
    """A discovery result re-read as "found", after the person said they have an app password."""

    def __init__(self, result: DiscoveryLike) -> None:
        self.candidates = result.candidates
        self.message = ""
        self.outcome = "found"


def _with_username(server: ServerConfig, username: str) -> ServerConfig:
    return replace(server, username=username) if username else server
