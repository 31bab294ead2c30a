"""Every transition of the setup wizard's state machine, without Qt or network."""

from __future__ import annotations

import pytest

from deskmail.core.cancel import Cancelled
from deskmail.core.errors import ErrorKind, Field, UserFacingError
from deskmail.core.serverconfig import Security
from deskmail.engine.credentials import LOCKED_MESSAGE, KeyringUnavailable
from deskmail.wizard.canned import CannedDiscovery, CannedReport, CannedServerCheck
from deskmail.wizard.steps import Action, Step

from .helpers import (
    EMAIL,
    PASSWORD,
    Bed,
    candidate,
    failing,
    found,
    run_all,
    run_job,
)


def to_found(bed: Bed) -> object:
    machine = bed.machine()
    machine.submit_account("Anna", EMAIL, PASSWORD)
    run_job(machine)
    return machine


def test_happy_path_saves_account_with_password() -> None:
    bed = Bed()
    machine = bed.machine()
    machine.submit_account(" Anna ", f" {EMAIL} ", PASSWORD)
    assert machine.step is Step.FINDING
    run_job(machine)
    assert machine.step is Step.FOUND and machine.draft.candidate is not None
    assert machine.draft.progress == ["Asking example.test for its settings…"]
    machine.accept_found()
    assert machine.step is Step.CHECKING
    run_job(machine)
    assert machine.step is Step.SAVING
    run_job(machine)
    assert machine.step is Step.DONE
    account, password = bed.saved[0]
    assert (account.email, account.display_name, account.remember_password, password) == (EMAIL, "Anna", True, PASSWORD)
    assert machine.draft.account == account and machine.draft.password == ""
    assert bed.check_calls[0][1:3] == (EMAIL, PASSWORD)


def test_account_page_validation() -> None:
    bed = Bed(existing={"taken@example.test"})
    machine = bed.machine()
    machine.submit_account("", "not an address", "")
    assert machine.step is Step.ACCOUNT
    assert set(machine.draft.errors) == {Field.EMAIL, Field.PASSWORD} and machine.draft.focus is Field.EMAIL
    machine.submit_account("", EMAIL, "")
    assert machine.draft.errors == {Field.PASSWORD: "Please type your password."}
    assert machine.draft.focus is Field.PASSWORD
    machine.submit_account("", "taken@example.test", PASSWORD)
    assert "already set up" in machine.draft.errors[Field.EMAIL]
    assert bed.discover_calls == []


def test_typo_hint_is_passed_through() -> None:
    machine = Bed().machine(typo=lambda email: "gmail.com" if email.endswith("gmial.com") else None)
    assert machine.typo_hint(" anna@gmial.com ") == "gmail.com"
    assert machine.typo_hint(EMAIL) is None
    assert machine.address_error("x") and machine.address_error(EMAIL) is None


def test_cancel_during_discovery_drops_late_result() -> None:
    bed = Bed()
    machine = bed.machine()
    machine.submit_account("", EMAIL, PASSWORD)
    job = machine.take_job()
    assert job is not None and machine.take_job() is None  # handed out once
    machine.cancel()
    assert machine.step is Step.ACCOUNT and job.token.cancelled and not machine.busy
    machine.job_finished(job, found())  # arrives late: ignored
    assert machine.step is Step.ACCOUNT


def test_cancelled_exception_from_discovery_returns_to_account() -> None:
    machine = Bed(discoveries=[Cancelled()]).machine()
    machine.submit_account("", EMAIL, PASSWORD)
    run_job(machine)
    assert machine.step is Step.ACCOUNT


def test_cancel_during_check_returns_to_settings() -> None:
    bed = Bed()
    machine = to_found(bed)
    machine.accept_found()
    job = machine.take_job()
    machine.cancel()
    assert machine.step is Step.FOUND
    assert job is not None
    machine.job_finished(job, CannedReport())
    assert machine.step is Step.FOUND and bed.saved == []


@pytest.mark.parametrize(
    ("outcome", "step"),
    [
        ("pop3_only", Step.POP3_ONLY),
        ("oauth_only", Step.OAUTH_ONLY),
        ("imap_disabled", Step.IMAP_DISABLED),
        ("not_found", Step.NOT_FOUND),
        ("something_new", Step.NOT_FOUND),
    ],
)
def test_discovery_outcomes_have_their_pages(outcome: str, step: Step) -> None:
    candidates = [] if outcome in ("pop3_only", "not_found", "something_new") else [candidate()]
    machine = to_found(Bed(discoveries=[CannedDiscovery(outcome, candidates, "plain words")]))
    assert machine.step is step
    assert machine.draft.notice == "plain words"


def test_found_without_complete_candidate_is_not_found() -> None:
    incomplete = candidate()
    incomplete.outgoing = None
    machine = to_found(Bed(discoveries=[CannedDiscovery("found", [incomplete])]))
    assert machine.step is Step.NOT_FOUND
    assert machine.draft.manual is not None and machine.draft.manual.incoming.host == "imap.example.test"


def test_no_such_domain_goes_back_to_address() -> None:
    machine = to_found(Bed(discoveries=[CannedDiscovery("no_such_domain", [], "example.test does not exist")]))
    assert machine.step is Step.ACCOUNT and machine.draft.focus is Field.EMAIL
    assert machine.draft.errors[Field.EMAIL] == "example.test does not exist"


def test_offline_discovery_offers_try_again_which_rediscovers() -> None:
    bed = Bed(discoveries=[CannedDiscovery("offline", [], "You are offline."), found()])
    machine = to_found(bed)
    assert machine.step is Step.PROBLEM and machine.draft.problem is not None
    assert machine.draft.problem.kind is ErrorKind.OFFLINE and Action.TRY_AGAIN in machine.actions()
    machine.perform(Action.TRY_AGAIN)
    assert machine.step is Step.FINDING
    run_job(machine)
    assert machine.step is Step.FOUND and len(bed.discover_calls) == 2


def test_offline_go_back_returns_to_address() -> None:
    machine = to_found(Bed(discoveries=[CannedDiscovery("offline", [], "")]))
    machine.perform(Action.GO_BACK)
    assert machine.step is Step.ACCOUNT


def test_discovery_crash_is_not_found_and_user_facing_error_is_problem() -> None:
    machine = to_found(Bed(discoveries=[RuntimeError("bug")]))
    assert machine.step is Step.NOT_FOUND and "went wrong" in machine.draft.notice
    machine = to_found(Bed(discoveries=[UserFacingError(ErrorKind.OFFLINE, "No network.")]))
    assert machine.step is Step.PROBLEM and machine.draft.problem is not None
    assert machine.draft.problem.message == "No network."


def test_untrusted_settings_need_confirmation() -> None:
    bed = Bed(discoveries=[CannedDiscovery("found", [candidate("autoconfig", False, url="http://x.example.test/")])])
    machine = to_found(bed)
    assert machine.draft.needs_confirmation and not machine.draft.confirmed
    machine.accept_found()
    assert machine.step is Step.FOUND and "tick the box" in machine.draft.notice and bed.check_calls == []
    machine.set_confirmed(True)
    assert machine.draft.notice == ""
    machine.accept_found()
    assert machine.step is Step.CHECKING


def test_trusted_settings_need_no_confirmation() -> None:
    machine = to_found(Bed())
    assert not machine.draft.needs_confirmation
    machine.accept_found()
    assert machine.step is Step.CHECKING


def test_plaintext_needs_the_scary_box_ticked() -> None:
    bed = Bed(discoveries=[CannedDiscovery("found", [candidate(security=Security.PLAIN)])])
    machine = to_found(bed)
    machine.accept_found()
    assert machine.step is Step.PLAINTEXT
    machine.accept_plaintext()
    assert machine.step is Step.PLAINTEXT and "risk" in machine.draft.notice
    machine.set_plaintext_ticked(True)
    machine.accept_plaintext()
    assert machine.step is Step.CHECKING
    run_all(machine)
    assert machine.step is Step.DONE and bed.saved[0][0].policy.allow_plaintext
    assert bed.check_calls[0][3].allow_plaintext


def test_plaintext_back_returns_to_settings() -> None:
    machine = to_found(Bed(discoveries=[CannedDiscovery("found", [candidate(security=Security.PLAIN)])]))
    machine.accept_found()
    machine.back()
    assert machine.step is Step.FOUND


def test_wrong_password_retype_goes_straight_to_check() -> None:
    bed = Bed(reports=[failing(ErrorKind.AUTH_FAILED, field_=Field.PASSWORD), CannedReport()])
    machine = to_found(bed)
    machine.accept_found()
    run_job(machine)
    assert machine.step is Step.PROBLEM and machine.actions()[0] is Action.RETYPE_PASSWORD
    assert Action.TRY_AGAIN not in machine.actions()  # one way to retry: typing the password again
    machine.perform(Action.RETYPE_PASSWORD)
    assert machine.step is Step.ACCOUNT and machine.draft.focus is Field.PASSWORD and machine.draft.password == ""
    machine.submit_account("Anna", EMAIL, "the right one")
    assert machine.step is Step.CHECKING and len(bed.discover_calls) == 1
    run_all(machine)
    assert machine.step is Step.DONE and bed.saved[0][1] == "the right one"


def test_changing_the_address_forgets_settings_and_rediscovers() -> None:
    bed = Bed()
    machine = to_found(bed)
    machine.back()
    assert machine.step is Step.ACCOUNT
    machine.submit_account("", EMAIL.upper(), PASSWORD)  # same account: found settings shown again
    assert machine.step is Step.FOUND and len(bed.discover_calls) == 1
    machine.back()
    machine.submit_account("", "bob@example.test", PASSWORD)
    assert machine.step is Step.FINDING and machine.draft.candidate is None


def test_trust_certificate_pins_both_servers_then_succeeds() -> None:
    cert = {"host": "imap.example.test", "port": 993, "sha256": "AA" * 32, "issuer": "Test CA"}
    smtp_cert = {**cert, "host": "smtp.example.test", "port": 465}
    report = CannedReport(
        CannedServerCheck(False, UserFacingError(ErrorKind.CERT_UNTRUSTED, "unknown", data=cert)),
        CannedServerCheck(False, UserFacingError(ErrorKind.CERT_UNTRUSTED, "unknown", data=smtp_cert)),
    )
    bed = Bed(reports=[report, CannedReport()])
    machine = to_found(bed)
    machine.accept_found()
    run_job(machine)
    problem = machine.draft.problem
    assert problem is not None and problem.default_action is Action.GO_BACK
    assert [c.host for c in problem.certificates] == ["imap.example.test", "smtp.example.test"]
    machine.perform(Action.TRUST_CERTIFICATE)
    assert machine.step is Step.CHECKING
    run_all(machine)
    pins = bed.saved[0][0].policy.pins
    assert {(p.host, p.port, p.sha256) for p in pins} == {
        ("imap.example.test", 993, "aa" * 32),
        ("smtp.example.test", 465, "aa" * 32),
    }
    assert bed.check_calls[1][3].pins == pins


def test_certificate_go_back_is_default_and_returns_to_settings() -> None:
    bed = Bed(reports=[failing(ErrorKind.CERT_UNTRUSTED, host="imap.example.test", port=993, sha256="ab")])
    machine = to_found(bed)
    machine.accept_found()
    run_job(machine)
    machine.perform(machine.actions()[0])
    assert machine.step is Step.FOUND and machine.draft.policy.pins == ()


def test_edit_settings_focuses_the_failing_field_then_retest() -> None:
    bed = Bed(reports=[failing(ErrorKind.CONNECT_REFUSED, side="outgoing"), CannedReport()])
    machine = to_found(bed)
    machine.accept_found()
    run_job(machine)
    assert machine.draft.problem is not None and machine.draft.problem.focus is Field.OUTGOING_PORT
    machine.perform(Action.EDIT_SETTINGS)
    assert machine.step is Step.MANUAL and machine.draft.focus is Field.OUTGOING_PORT
    manual = machine.draft.manual
    assert manual is not None
    manual.outgoing.choose_security(Security.STARTTLS)
    machine.apply_manual()
    assert machine.step is Step.CHECKING
    run_all(machine)
    tested = bed.check_calls[-1][0]
    assert tested.outgoing is not None and (tested.outgoing.port, tested.source) == (587, "manual")
    assert tested.provider.name == "Example Mail" and tested.help_urls == ["https://example.test/help"]
    assert machine.step is Step.DONE and bed.saved[0][0].source == "manual"


def test_manual_errors_keep_page_and_focus_first_bad_field() -> None:
    machine = to_found(Bed())
    machine.change_settings()
    assert machine.step is Step.MANUAL
    manual = machine.draft.manual
    assert manual is not None
    manual.incoming.host = "https://imap.example.test"
    manual.outgoing.port = "99999"
    machine.apply_manual()
    assert machine.step is Step.MANUAL and machine.draft.focus is Field.INCOMING_HOST
    assert set(machine.draft.errors) == {Field.INCOMING_HOST, Field.OUTGOING_PORT}


def test_manual_back_returns_to_found_settings() -> None:
    machine = to_found(Bed())
    machine.change_settings()
    machine.back()
    assert machine.step is Step.FOUND and machine.draft.candidate is not None


def test_enter_settings_myself_from_finding() -> None:
    bed = Bed()
    machine = bed.machine()
    machine.submit_account("", EMAIL, PASSWORD)
    job = machine.take_job()
    machine.enter_settings_myself()
    assert machine.step is Step.MANUAL and job is not None and job.token.cancelled
    assert machine.draft.manual is not None and machine.draft.manual.incoming.host == "imap.example.test"
    machine.apply_manual()
    run_all(machine)
    assert machine.step is Step.DONE


def test_try_again_after_failed_check_checks_again() -> None:
    bed = Bed(reports=[failing(ErrorKind.TIMEOUT), CannedReport()])
    machine = to_found(bed)
    machine.accept_found()
    run_job(machine)
    machine.perform(Action.TRY_AGAIN)
    assert machine.step is Step.CHECKING
    run_all(machine)
    assert machine.step is Step.DONE and len(bed.check_calls) == 2


def test_failed_report_without_error_is_never_saved() -> None:
    bed = Bed(reports=[CannedReport(CannedServerCheck(ok=False))])
    machine = to_found(bed)
    machine.accept_found()
    run_job(machine)
    assert machine.step is Step.PROBLEM and bed.saved == []


def test_check_crash_is_a_problem_without_the_password() -> None:
    machine = to_found(Bed(reports=[RuntimeError(f"boom {PASSWORD}")]))
    machine.accept_found()
    run_job(machine)
    problem = machine.draft.problem
    assert machine.step is Step.PROBLEM and problem is not None
    assert "RuntimeError" in problem.details and PASSWORD not in problem.details


def test_usernames_that_worked_are_saved() -> None:
    report = CannedReport(CannedServerCheck(username="anna"), CannedServerCheck(username="anna"))
    bed = Bed(reports=[report])
    machine = to_found(bed)
    machine.accept_found()
    run_all(machine)
    account = bed.saved[0][0]
    assert (account.incoming.username, account.outgoing.username) == ("anna", "anna")


def test_pop3_only_offers_manual_imap() -> None:
    machine = to_found(Bed(discoveries=[CannedDiscovery("pop3_only", [], "Only POP3.")]))
    assert machine.actions() == (Action.EDIT_SETTINGS, Action.GO_BACK)
    machine.perform(Action.EDIT_SETTINGS)
    assert machine.step is Step.MANUAL and machine.draft.manual is not None
    assert machine.draft.manual.incoming.host == "imap.example.test"


def test_oauth_only_app_password_path() -> None:
    oauth = candidate(app_password_url="https://example.test/app-passwords")
    bed = Bed(discoveries=[CannedDiscovery("oauth_only", [oauth], "Sign in on the website.")])
    machine = to_found(bed)
    assert machine.actions() == (Action.OPEN_APP_PASSWORD_PAGE, Action.RETYPE_PASSWORD, Action.GO_BACK)
    assert machine.perform(Action.OPEN_APP_PASSWORD_PAGE) == "https://example.test/app-passwords"
    assert machine.step is Step.OAUTH_ONLY
    machine.perform(Action.RETYPE_PASSWORD)
    assert machine.step is Step.ACCOUNT and machine.draft.focus is Field.PASSWORD
    machine.submit_account("", EMAIL, "app-password-1234")
    assert machine.step is Step.FOUND and len(bed.discover_calls) == 1
    machine.accept_found()
    run_all(machine)
    assert bed.saved[0][1] == "app-password-1234"


def test_oauth_only_without_link_hides_open_button() -> None:
    bare = candidate()
    bare.help_urls = []
    machine = to_found(Bed(discoveries=[CannedDiscovery("oauth_only", [bare])]))
    assert machine.actions() == (Action.RETYPE_PASSWORD, Action.GO_BACK)


def test_imap_disabled_enable_link_then_continue() -> None:
    disabled = candidate(enable_url="https://example.test/settings/imap")
    machine = to_found(Bed(discoveries=[CannedDiscovery("imap_disabled", [disabled])]))
    assert machine.perform(Action.OPEN_ENABLE_PAGE) == "https://example.test/settings/imap"
    machine.perform(Action.TRY_AGAIN)
    assert machine.step is Step.FOUND


def test_not_found_try_again_and_back() -> None:
    bed = Bed(discoveries=[CannedDiscovery("not_found", []), found()])
    machine = to_found(bed)
    machine.perform(Action.TRY_AGAIN)
    run_job(machine)
    assert machine.step is Step.FOUND
    machine.back()
    assert machine.step is Step.ACCOUNT


def test_not_remembering_password_still_saves_for_session() -> None:
    bed = Bed()
    machine = bed.machine()
    machine.submit_account("", EMAIL, PASSWORD, remember=False)
    run_job(machine)
    machine.accept_found()
    run_all(machine)
    assert bed.saved[0][0].remember_password is False and bed.saved[0][1] == PASSWORD


def test_no_keyring_offers_session_password() -> None:
    bed = Bed(save_errors=[KeyringUnavailable()])
    machine = to_found(bed)
    machine.accept_found()
    run_job(machine)
    run_job(machine)
    assert machine.step is Step.NO_KEYRING and "safe place" in machine.draft.notice
    assert machine.actions() == (Action.USE_SESSION_PASSWORD, Action.GO_BACK)
    machine.perform(Action.USE_SESSION_PASSWORD)
    run_all(machine)
    assert machine.step is Step.DONE and bed.saved[0][0].remember_password is False


def test_no_keyring_known_early_saves_for_session_without_a_detour() -> None:
    bed = Bed()
    machine = bed.machine()
    assert machine.can_remember and machine.remember_note == ""  # not known yet: offered
    machine.keyring_checked(False)
    assert not machine.draft.remember_password and "memory" in machine.remember_note
    machine.submit_account("Anna", EMAIL, PASSWORD, remember=True)  # a stale tick cannot promise it
    run_job(machine)
    machine.accept_found()
    run_all(machine)
    assert machine.step is Step.DONE and bed.saved[0][0].remember_password is False


def test_keyring_failing_at_save_stops_promising_on_the_account_page() -> None:
    machine = to_found(Bed(save_errors=[KeyringUnavailable()]))
    machine.accept_found()
    run_all(machine)
    assert machine.step is Step.NO_KEYRING
    machine.perform(Action.GO_BACK)
    assert machine.step is Step.ACCOUNT and not machine.can_remember and machine.remember_note


def test_a_locked_keyring_is_still_offered_after_going_back() -> None:
    machine = to_found(Bed(save_errors=[KeyringUnavailable(LOCKED_MESSAGE)]))
    machine.accept_found()
    run_all(machine)
    assert machine.step is Step.NO_KEYRING and "locked" in machine.draft.notice
    machine.perform(Action.GO_BACK)
    assert machine.can_remember and machine.remember_note == ""  # unlock it, then try again


def test_save_failure_is_a_problem() -> None:
    bed = Bed(save_errors=[OSError("disk full")])
    machine = to_found(bed)
    machine.accept_found()
    run_all(machine)
    assert machine.step is Step.PROBLEM and machine.draft.problem is not None
    assert machine.draft.problem.title == "Your account could not be saved"
    assert "disk full" in machine.draft.problem.details


def test_back_from_every_page() -> None:
    machine = to_found(Bed())
    machine.back()
    assert machine.step is Step.ACCOUNT
    machine.back()
    assert machine.step is Step.ACCOUNT
