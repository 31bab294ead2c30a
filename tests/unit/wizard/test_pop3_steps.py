"""The wizard's POP3 page and the manual page's IMAP/POP3 choice, without Qt or network."""

from __future__ import annotations

from dataclasses import replace

from deskmail.core.errors import ErrorKind
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import DownloadChoices
from deskmail.wizard.manual import ManualSettings
from deskmail.wizard.steps import Step

from .helpers import EMAIL, Bed, candidate, failing, found, run_job


def pop3_candidate() -> object:
    return replace(candidate(), incoming=ServerConfig(Protocol.POP3, "pop.example.test", 995, Security.SSL, EMAIL))


def test_a_pop3_candidate_asks_about_the_server_copy_before_checking() -> None:
    bed = Bed(discoveries=[found(pop3_candidate())])  # type: ignore[arg-type]
    machine = bed.machine()
    machine.submit_account("Anna", EMAIL, "pw")
    run_job(machine)
    machine.accept_found()
    assert machine.step is Step.POP3 and not bed.check_calls  # nothing is checked before the choice
    machine.back()
    assert machine.step is Step.FOUND
    machine.accept_found()
    machine.choose_download(keep_on_server=True, remove_after_days=30)
    assert machine.step is Step.CHECKING
    run_job(machine)
    run_job(machine)
    assert machine.step is Step.DONE
    account, _password = bed.saved[0]
    assert account.uses_pop3 and account.download == DownloadChoices(True, 30)
    assert account.to_json()["pop3"] == {"keep_on_server": True, "delete_after_days": 30, "poll_minutes": 10}


def test_no_copy_on_the_server_ignores_the_days_and_a_retry_does_not_ask_again() -> None:
    bed = Bed(discoveries=[found(pop3_candidate())], reports=[failing(ErrorKind.SERVER_BUSY), *Bed().reports])  # type: ignore[arg-type]
    machine = bed.machine()
    machine.submit_account("Anna", EMAIL, "pw")
    run_job(machine)
    machine.accept_found()
    machine.choose_download(keep_on_server=False, remove_after_days=14)
    run_job(machine)
    assert machine.step is Step.PROBLEM
    machine._try_again()
    assert machine.step is Step.CHECKING  # the choice is remembered
    run_job(machine)
    run_job(machine)
    assert bed.saved[0][0].download == DownloadChoices(keep_on_server=False, delete_after_days=0)


def test_imap_accounts_never_see_the_pop3_page_and_keep_their_json() -> None:
    bed = Bed()
    machine = bed.machine()
    machine.submit_account("Anna", EMAIL, "pw")
    run_job(machine)
    machine.accept_found()
    assert machine.step is Step.CHECKING
    run_job(machine)
    run_job(machine)
    assert "pop3" not in bed.saved[0][0].to_json()


def test_manual_settings_switch_between_imap_and_pop3() -> None:
    manual = ManualSettings.for_address(EMAIL)
    assert (manual.incoming.host, manual.incoming.port) == ("imap.example.test", "993")
    manual.choose_incoming_protocol(Protocol.POP3)
    assert (manual.incoming.protocol, manual.incoming.host, manual.incoming.port) == (
        Protocol.POP3,
        "pop.example.test",
        "995",
    )
    manual.incoming.choose_security(Security.STARTTLS)
    assert manual.incoming.port == "110"
    manual.incoming.port = "1995"  # a custom port stays when the protocol changes
    manual.choose_incoming_protocol(Protocol.IMAP)
    assert (manual.incoming.host, manual.incoming.port) == ("imap.example.test", "1995")
    assert manual.to_candidate().incoming.protocol is Protocol.IMAP


def test_pop3_only_without_smtp_prefills_the_pop3_server_in_manual() -> None:
    from deskmail.core.serverconfig import Candidate
    from deskmail.wizard.canned import CannedDiscovery
    from deskmail.wizard.steps import Action

    pop = replace(pop3_candidate(), outgoing=None)
    assert isinstance(pop, Candidate)
    machine = Bed(discoveries=[CannedDiscovery("pop3_only", [pop], "Only POP3.")]).machine()
    machine.submit_account("Anna", EMAIL, "pw")
    run_job(machine)
    assert machine.step is Step.POP3_ONLY
    machine.perform(Action.EDIT_SETTINGS)
    manual = machine.draft.manual
    assert manual is not None and manual.incoming.protocol is Protocol.POP3
    assert (manual.incoming.host, manual.incoming.port) == ("pop.example.test", "995")
    assert manual.outgoing.host == "smtp.example.test"  # the usual guess, for the person to confirm
