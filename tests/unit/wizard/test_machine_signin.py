"""The wizard's browser sign-in as a pure state machine (stand-in sign-in, no network)."""

from __future__ import annotations

from dataclasses import replace

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.settings import Settings
from deskmail.engine.accounts import AUTH_OAUTH2
from deskmail.engine.oauth.provider import OAuthProvider
from deskmail.engine.oauth.session import OAuthLogin
from deskmail.wizard.canned import CannedDiscovery
from deskmail.wizard.draft import OpenBrowser, Progress
from deskmail.wizard.machine import WizardMachine
from deskmail.wizard.steps import Action, Step

from .helpers import EMAIL, PASSWORD, Bed, candidate, run_job

PROVIDER = OAuthProvider(
    "example", "Example Mail", "https://id.example.test/a", "https://id.example.test/t", "mail", "cid"
)
URL = "https://id.example.test/a?client_id=cid"


def machine_with(
    outcomes: list[OAuthLogin | BaseException], provider: OAuthProvider | None = PROVIDER
) -> tuple[WizardMachine, Bed]:
    bed = Bed(discoveries=[CannedDiscovery("oauth_only", [candidate()], "wants a browser sign-in")])
    machine = bed.machine()

    def sign_in(p: OAuthProvider, email: str, cancel: CancelToken, progress: Progress) -> OAuthLogin:
        progress(OpenBrowser(URL))
        progress("Waiting for you...")
        answer = outcomes.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    machine.services = replace(machine.services, oauth_for=lambda _c: provider, sign_in=sign_in)
    machine.submit_account("Anna", EMAIL, PASSWORD)
    run_job(machine)
    assert machine.step is Step.OAUTH_ONLY
    return machine, bed


def login() -> OAuthLogin:
    return OAuthLogin(PROVIDER, EMAIL, "refresh-123", Settings())


def test_sign_in_then_check_then_save_with_the_refresh_token() -> None:
    signed_in = login()
    machine, bed = machine_with([signed_in])
    assert machine.actions()[0] is Action.SIGN_IN_WITH_BROWSER
    machine.perform(Action.SIGN_IN_WITH_BROWSER)
    assert machine.step is Step.SIGNING_IN
    run_job(machine)
    assert machine.take_browser_url() == URL and machine.take_browser_url() == ""
    assert machine.step is Step.CHECKING  # the progress line went to the Signing-in page, the URL to the UI
    run_job(machine)  # the check: with the sign-in, not the typed password
    assert bed.check_calls[-1][2] is signed_in
    run_job(machine)  # save
    assert machine.step is Step.DONE
    account, secret = bed.saved[0]
    assert account.auth == AUTH_OAUTH2 and dict(account.oauth2)["client_id"] == "cid" and secret == "refresh-123"


def test_without_a_usable_client_id_only_app_passwords_are_offered() -> None:
    machine, _bed = machine_with([], provider=replace(PROVIDER, client_id=""))
    assert Action.SIGN_IN_WITH_BROWSER not in machine.actions()
    machine, _bed = machine_with([], provider=None)
    assert Action.SIGN_IN_WITH_BROWSER not in machine.actions()


def test_cancel_goes_back_to_the_sign_in_page() -> None:
    machine, bed = machine_with([Cancelled()])
    machine.perform(Action.SIGN_IN_WITH_BROWSER)
    machine.cancel()
    assert machine.step is Step.OAUTH_ONLY and not machine.busy and bed.saved == []


def test_a_failed_sign_in_shows_a_problem_and_try_again_signs_in_again() -> None:
    refused = UserFacingError(ErrorKind.PROTOCOL_ERROR, "The answer does not belong to this sign-in.")
    machine, _bed = machine_with([refused, login()])
    machine.perform(Action.SIGN_IN_WITH_BROWSER)
    run_job(machine)
    assert machine.step is Step.PROBLEM
    machine.perform(Action.TRY_AGAIN)
    assert machine.step is Step.SIGNING_IN
    run_job(machine)
    assert machine.step is Step.CHECKING


def test_app_password_route_forgets_a_sign_in() -> None:
    machine, _bed = machine_with([login()])
    machine.perform(Action.RETYPE_PASSWORD)
    assert machine.step is Step.ACCOUNT and machine.draft.oauth is None


def test_an_app_password_provider_with_a_configured_sign_in_offers_it_first() -> None:
    """Gmail-like: discovery says "found, wants an app password"; with a client id the browser is easier."""
    bed = Bed(discoveries=[CannedDiscovery("found", [candidate(login="app_password")], "")])
    machine = bed.machine()
    machine.services = replace(machine.services, oauth_for=lambda _c: PROVIDER, sign_in=lambda *a: login())
    machine.submit_account("Anna", EMAIL, PASSWORD)
    run_job(machine)
    assert machine.step is Step.OAUTH_ONLY and machine.actions()[0] is Action.SIGN_IN_WITH_BROWSER
    machine.perform(Action.RETYPE_PASSWORD)  # "I have an app password"
    machine.submit_account("Anna", EMAIL, "app password")
    assert machine.step is Step.FOUND  # not sent back to the sign-in page


def test_an_app_password_provider_without_a_client_id_goes_to_found_as_before() -> None:
    bed = Bed(discoveries=[CannedDiscovery("found", [candidate(login="app_password")], "")])
    machine = bed.machine()
    machine.submit_account("Anna", EMAIL, PASSWORD)
    run_job(machine)
    assert machine.step is Step.FOUND


def test_a_refused_browser_sign_in_offers_signing_in_again_not_typing_a_password() -> None:
    machine, _bed = machine_with([UserFacingError(ErrorKind.AUTH_FAILED, "Refused.")])
    machine.perform(Action.SIGN_IN_WITH_BROWSER)
    run_job(machine)
    assert machine.step is Step.PROBLEM
    assert machine.actions()[0] is Action.TRY_AGAIN and Action.RETYPE_PASSWORD not in machine.actions()
