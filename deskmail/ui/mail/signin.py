"""Sign in again from the mail window, for an account whose browser sign-in ended or was withdrawn."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import UserFacingError
from deskmail.core.i18n import _
from deskmail.engine.accounts import Account
from deskmail.engine.credentials import KeyringUnavailable
from deskmail.qtbridge.tasks import Task
from deskmail.ui.context import AppContext
from deskmail.wizard.draft import OpenBrowser

log = logging.getLogger(__name__)
Actions = list[tuple[str, Callable[[], None]]]


def open_in_browser(url: str) -> None:
    QDesktopServices.openUrl(QUrl(url))


class SignInAgain:
    """Runs the browser sign-in on a worker; `show(text, actions)` puts words in the window's message bar
    and `done(email)` is called once the new sign-in is kept (the caller then syncs again)."""

    def __init__(
        self,
        context: AppContext,
        show: Callable[[str, Actions], None],
        done: Callable[[str], None],
        open_url: Callable[[str], None] = open_in_browser,
        about: Callable[[str, str], str] = lambda email, text: f"{email}: {text}",
    ) -> None:
        self.context = context
        self.show = show
        self.done = done
        self.open_url = open_url
        self.about = about  # (email, text) -> the bar's words; the window names the account only among several
        self.task: Task | None = None

    def start(self, account: Account) -> None:
        if self.task is not None and not self.task.done:
            self.task.cancel()
        # Imported when needed: the token code is not part of painting the window.
        oauth = importlib.import_module("deskmail.engine.oauth.accounts")
        flow = importlib.import_module("deskmail.engine.oauth.flow")
        settings = self.context.settings
        provider = oauth.account_provider(account, settings)

        def work(cancel: CancelToken, progress: Callable[[object], None]) -> object:
            def open_browser(url: str) -> None:
                progress(OpenBrowser(url))  # opened on the GUI thread

            return flow.sign_in(provider, account.email, settings=settings, cancel=cancel, open_browser=open_browser)

        task = self.context.runner.run(work, name="oauth-sign-in-again")
        task.progress.connect(lambda value: self.open_url(value.url) if isinstance(value, OpenBrowser) else None)
        task.finished.connect(lambda tokens: self._signed_in(account, tokens))
        task.failed.connect(lambda error: self._failed(account, error))
        self.task = task
        name = provider.name or provider.id
        self.show(
            self.about(
                account.email,
                _("Sign in with {provider} in the browser window that opened, then come back here.").format(
                    provider=name
                ),
            ),
            [(_("Cancel"), self.cancel)],
        )

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _signed_in(self, account: Account, tokens: object) -> None:
        oauth = importlib.import_module("deskmail.engine.oauth.accounts")
        refresh_token = str(getattr(tokens, "refresh_token", ""))
        credentials = self.context.credentials
        try:
            if account.remember_password:
                credentials.set(account.email, refresh_token)
            else:
                credentials.set_for_session(account.email, refresh_token)
        except KeyringUnavailable as exc:
            log.warning("keyring refused the new sign-in of %s: %s", account.email, exc.details)
            credentials.set_for_session(account.email, refresh_token)
        login = oauth.login_secret(account, refresh_token, credentials, self.context.settings)
        login.remember(tokens)
        self.done(account.email)

    def _failed(self, account: Account, error: object) -> None:
        if isinstance(error, UserFacingError):
            text = " ".join(part for part in (error.message, error.fix) if part)
            self.show(self.about(account.email, text), [(_("Sign in again…"), lambda: self.start(account))])
        # Cancelled: the person chose to stop; the bar was already replaced by whatever they did next.
