"""The wizard's browser sign-in (OAuth2): offered on the "sign in on the website" page when Deskmail
has a client id for the provider; the sign-in job waits for the browser, then the usual check and save."""

from __future__ import annotations

from collections.abc import Callable

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import UserFacingError
from deskmail.engine.oauth.provider import OAuthProvider
from deskmail.engine.oauth.session import OAuthLogin
from deskmail.wizard.draft import Draft, JobKind, JobSlot, OpenBrowser, Progress, Services
from deskmail.wizard.problems import Problem, problem_for
from deskmail.wizard.steps import Step


class SignInSteps:
    """Mixed into WizardMachine: the Signing-in page and what leads to it and away from it."""

    services: Services
    draft: Draft
    step: Step
    _jobs: JobSlot
    _retry_sign_in: bool
    # Provided by WizardMachine.
    _start: Callable[[Step, str, Callable[[CancelToken, Progress], object]], None]
    _start_check: Callable[[], None]
    _show_problem: Callable[[Problem, bool], None]
    _go: Callable[..., None]

    def oauth_provider(self) -> OAuthProvider | None:
        """The provider's usable browser sign-in for the settings found, or None."""
        candidate = self.draft.candidate
        if candidate is None or self.services.sign_in is None:
            return None
        provider = self.services.oauth_for(candidate)
        return provider if provider is not None and provider.usable else None

    def take_browser_url(self) -> str:
        """A page the UI must open in the browser now ("" if none); handed out once."""
        url, self.draft.browser_url = self.draft.browser_url, ""
        return url

    def open_sign_in_again(self) -> None:
        """ "Open the sign-in page again", for a browser window the person closed by mistake."""
        if self.step is Step.SIGNING_IN and self.draft.sign_in_url:
            self.draft.browser_url = self.draft.sign_in_url

    def _start_sign_in(self) -> None:
        provider, sign_in = self.oauth_provider(), self.services.sign_in
        if provider is None or sign_in is None:
            return
        email = self.draft.email
        self.draft.oauth, self.draft.sign_in_url = None, ""
        self.draft.settings_step = Step.OAUTH_ONLY  # where Back and Edit lead from a failed check
        self._retry_sign_in = True

        def work(cancel: CancelToken, progress: Progress) -> object:
            return sign_in(provider, email, cancel, progress)

        self._start(Step.SIGNING_IN, JobKind.SIGN_IN, work)

    def _sign_in_progress(self, value: object) -> bool:
        """Take the sign-in job's OpenBrowser progress; False for ordinary progress lines."""
        if not isinstance(value, OpenBrowser):
            return False
        self.draft.browser_url = self.draft.sign_in_url = value.url
        return True

    def _signed_in(self, login: OAuthLogin) -> None:
        self.draft.oauth = login
        self.draft.settings_accepted = True
        self._start_check()

    def _sign_in_failed(self, error: BaseException) -> None:
        if isinstance(error, UserFacingError):
            self._show_problem(problem_for(error, "", self.draft.candidate), False)
        else:
            self._go(Step.OAUTH_ONLY)
