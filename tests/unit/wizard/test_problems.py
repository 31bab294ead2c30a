"""Every error kind has a Problem page: plain words, fitting actions, the field to fix."""

from __future__ import annotations

import pytest

from deskmail.core.errors import ErrorKind, Field, UserFacingError
from deskmail.core.serverconfig import CertificatePin, ConnectionPolicy
from deskmail.wizard.canned import CannedDiscovery
from deskmail.wizard.problems import RULES, CertificateInfo, Variant, problem_for, trusting
from deskmail.wizard.steps import Action, Step

from .helpers import Bed, candidate, failing, run_job

CERT = {
    "host": "imap.example.test",
    "port": 993,
    "sha256": "0123456789abcdef" * 4,
    "issuer": "CN=Example CA",
    "subject": "CN=imap.example.test",
    "not_before": "2026-01-01",
    "not_after": "2027-01-01",
}

# kind -> (variant, actions with every link available, field to focus when the failure is on "incoming")
EXPECTED = {
    ErrorKind.AUTH_FAILED: (
        Variant.PASSWORD,
        (Action.RETYPE_PASSWORD, Action.EDIT_SETTINGS),
        Field.PASSWORD,
    ),
    ErrorKind.APP_PASSWORD_REQUIRED: (
        Variant.APP_PASSWORD,
        (Action.OPEN_APP_PASSWORD_PAGE, Action.RETYPE_PASSWORD, Action.GO_BACK),
        Field.PASSWORD,
    ),
    ErrorKind.OAUTH_REQUIRED: (
        Variant.APP_PASSWORD,
        (Action.OPEN_APP_PASSWORD_PAGE, Action.RETYPE_PASSWORD, Action.GO_BACK),
        Field.PASSWORD,
    ),
    ErrorKind.IMAP_DISABLED: (
        Variant.IMAP_DISABLED,
        (Action.OPEN_ENABLE_PAGE, Action.TRY_AGAIN, Action.GO_BACK),
        Field.NONE,
    ),
    ErrorKind.CERT_UNTRUSTED: (
        Variant.CERTIFICATE,
        (Action.GO_BACK, Action.TRUST_CERTIFICATE, Action.EDIT_SETTINGS),
        Field.INCOMING_HOST,
    ),
    ErrorKind.CERT_EXPIRED: (
        Variant.CERTIFICATE,
        (Action.GO_BACK, Action.TRUST_CERTIFICATE, Action.EDIT_SETTINGS),
        Field.INCOMING_HOST,
    ),
    ErrorKind.CERT_HOSTNAME: (Variant.DANGER, (Action.EDIT_SETTINGS, Action.GO_BACK), Field.INCOMING_HOST),
    ErrorKind.CERT_CHANGED: (Variant.DANGER, (Action.GO_BACK, Action.EDIT_SETTINGS), Field.INCOMING_HOST),
    ErrorKind.STARTTLS_MISSING: (Variant.DANGER, (Action.EDIT_SETTINGS, Action.GO_BACK), Field.INCOMING_SECURITY),
    ErrorKind.CONNECT_REFUSED: (Variant.NO_CONNECTION, (Action.EDIT_SETTINGS, Action.TRY_AGAIN), Field.INCOMING_PORT),
    ErrorKind.TIMEOUT: (Variant.NO_CONNECTION, (Action.TRY_AGAIN, Action.EDIT_SETTINGS), Field.INCOMING_PORT),
    ErrorKind.CONNECTION_LOST: (Variant.NO_CONNECTION, (Action.TRY_AGAIN, Action.EDIT_SETTINGS), Field.INCOMING_PORT),
    ErrorKind.HOST_NOT_FOUND: (
        Variant.SERVER_NOT_FOUND,
        (Action.EDIT_SETTINGS, Action.TRY_AGAIN),
        Field.INCOMING_HOST,
    ),
    ErrorKind.TLS_FAILED: (Variant.NO_CONNECTION, (Action.EDIT_SETTINGS, Action.TRY_AGAIN), Field.INCOMING_SECURITY),
    ErrorKind.PLAINTEXT_REFUSED: (
        Variant.PLAINTEXT,
        (Action.EDIT_SETTINGS, Action.ALLOW_PLAINTEXT, Action.GO_BACK),
        Field.INCOMING_SECURITY,
    ),
    ErrorKind.SERVER_BUSY: (Variant.BUSY, (Action.TRY_AGAIN, Action.GO_BACK), Field.NONE),
    ErrorKind.ACCOUNT_LOCKED: (Variant.LOCKED, (Action.OPEN_HELP, Action.TRY_AGAIN, Action.GO_BACK), Field.NONE),
    ErrorKind.OFFLINE: (Variant.OFFLINE, (Action.TRY_AGAIN, Action.GO_BACK), Field.NETWORK),
    ErrorKind.PROTOCOL_ERROR: (Variant.OTHER, (Action.EDIT_SETTINGS, Action.TRY_AGAIN), Field.INCOMING_PORT),
    ErrorKind.CANCELLED: (Variant.OTHER, (Action.TRY_AGAIN, Action.GO_BACK), Field.NONE),
}


def test_every_error_kind_is_mapped() -> None:
    assert set(RULES) == set(ErrorKind) == set(EXPECTED)


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_mapping(kind: ErrorKind) -> None:
    variant, actions, focus = EXPECTED[kind]
    rich = candidate(enable_url="https://example.test/enable", app_password_url="https://example.test/app")
    problem = problem_for(UserFacingError(kind, "", data=CERT), "incoming", rich)
    assert (problem.variant, problem.actions, problem.focus) == (variant, actions, focus)
    assert problem.default_action is actions[0]
    assert problem.title and problem.message and problem.fix  # the rule's words fill in for an empty error
    assert problem.server_words == "Receiving mail"
    assert all(problem.url_for(a).startswith("https://") for a in actions if a.name.startswith("OPEN_"))


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_mapping_in_the_running_machine(kind: ErrorKind) -> None:
    """Each kind, raised by the (stand-in) check on the outgoing side, lands on its page and field."""
    machine = Bed(reports=[failing(kind, side="outgoing", **CERT)]).machine()
    machine.submit_account("", "anna@example.test", "pw1")
    run_job(machine)
    machine.accept_found()
    run_job(machine)
    assert machine.step is Step.PROBLEM and machine.draft.problem is not None
    assert machine.draft.problem.kind is kind and machine.draft.problem.side == "outgoing"
    expected_focus = EXPECTED[kind][2]
    expected_focus = Field(str(expected_focus).replace("incoming", "outgoing"))
    assert machine.draft.problem.focus is expected_focus
    assert machine.draft.problem.server_words == "Sending mail"
    assert machine.draft.problem.message == f"server says {kind}"


def test_links_missing_hide_open_actions() -> None:
    bare = candidate()
    bare.help_urls = []
    problem = problem_for(UserFacingError(ErrorKind.APP_PASSWORD_REQUIRED, "x"), "incoming", bare)
    assert problem.actions == (Action.RETYPE_PASSWORD, Action.GO_BACK)
    problem = problem_for(UserFacingError(ErrorKind.ACCOUNT_LOCKED, "x"), "incoming", None)
    assert problem.actions == (Action.TRY_AGAIN, Action.GO_BACK)


def test_error_link_wins_and_javascript_urls_are_dropped() -> None:
    error = UserFacingError(ErrorKind.APP_PASSWORD_REQUIRED, "x", data={"url": "https://provider.test/apppw"})
    assert problem_for(error, "incoming", candidate()).url_for(Action.OPEN_APP_PASSWORD_PAGE) == (
        "https://provider.test/apppw"
    )
    evil = candidate()
    evil.help_urls = ["javascript:alert(1)"]
    problem = problem_for(UserFacingError(ErrorKind.ACCOUNT_LOCKED, "x"), "incoming", evil)
    assert Action.OPEN_HELP not in problem.actions


def test_error_field_wins_over_rule_focus() -> None:
    error = UserFacingError(ErrorKind.AUTH_FAILED, "x", field=Field.USERNAME)
    assert problem_for(error, "incoming", candidate()).focus is Field.USERNAME


def test_certificate_without_fingerprint_cannot_be_trusted() -> None:
    problem = problem_for(UserFacingError(ErrorKind.CERT_UNTRUSTED, "x"), "incoming", candidate())
    assert Action.TRUST_CERTIFICATE not in problem.actions and problem.default_action is Action.GO_BACK


def test_certificate_info_and_fingerprint() -> None:
    info = CertificateInfo.from_data({**CERT, "sha256": "AB:CD:EF"})
    assert info is not None and info.sha256 == "abcdef" and info.fingerprint == "AB:CD:EF"
    assert CertificateInfo.from_data({"host": "x"}) is None


def test_same_certificate_on_both_sides_listed_once() -> None:
    error = UserFacingError(ErrorKind.CERT_UNTRUSTED, "x", data=CERT)
    problem = problem_for(error, "incoming", candidate(), (("outgoing", error),))
    assert len(problem.certificates) == 1
    assert "Receiving mail: cert_untrusted" in problem.details and "Sending mail: cert_untrusted" in problem.details


def test_danger_kinds_never_offer_trust() -> None:
    for kind in (ErrorKind.CERT_HOSTNAME, ErrorKind.CERT_CHANGED, ErrorKind.STARTTLS_MISSING):
        problem = problem_for(UserFacingError(kind, "x", data=CERT), "incoming", candidate())
        assert Action.TRUST_CERTIFICATE not in problem.actions


def test_trusting_pins_by_sha256_and_replaces_an_older_pin_for_that_server() -> None:
    problem = problem_for(UserFacingError(ErrorKind.CERT_UNTRUSTED, "x", data=CERT), "incoming", candidate())
    old = ConnectionPolicy(pins=(CertificatePin("IMAP.example.test", 993, "ff" * 32), CertificatePin("o", 1, "ee")))
    policy = trusting(old, problem)
    assert policy.pins == (CertificatePin("o", 1, "ee"), CertificatePin("imap.example.test", 993, CERT["sha256"]))


def test_a_wrong_name_next_to_an_unknown_certificate_is_never_pinned_by_the_same_click() -> None:
    """A pin skips the name check: trusting one server's unknown certificate must not also pin the other
    server's certificate made for another name; that one comes up as its own problem after."""
    untrusted = UserFacingError(ErrorKind.CERT_UNTRUSTED, "x", data=CERT)
    wrong_name = UserFacingError(ErrorKind.CERT_HOSTNAME, "x", data={**CERT, "host": "smtp.example.test"})
    problem = problem_for(untrusted, "incoming", candidate(), (("outgoing", wrong_name),))
    assert [c.host for c in problem.certificates] == ["imap.example.test"]
    assert [p.host for p in trusting(ConnectionPolicy(), problem).pins] == ["imap.example.test"]


def test_trusting_a_danger_problem_changes_nothing() -> None:
    for kind in (ErrorKind.CERT_HOSTNAME, ErrorKind.CERT_CHANGED):
        problem = problem_for(UserFacingError(kind, "x", data=CERT), "incoming", candidate())
        assert trusting(ConnectionPolicy(), problem) == ConnectionPolicy()


def test_plaintext_refused_leads_to_the_scary_page() -> None:
    machine = Bed(reports=[failing(ErrorKind.PLAINTEXT_REFUSED)]).machine()
    machine.submit_account("", "anna@example.test", "pw1")
    run_job(machine)
    machine.accept_found()
    run_job(machine)
    machine.perform(Action.ALLOW_PLAINTEXT)
    assert machine.step is Step.PLAINTEXT


def test_discovery_offline_problem_has_no_server_side() -> None:
    machine = Bed(discoveries=[CannedDiscovery("offline", [])]).machine()
    machine.submit_account("", "anna@example.test", "pw1")
    run_job(machine)
    assert machine.draft.problem is not None and machine.draft.problem.server_words == ""
