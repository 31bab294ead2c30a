"""Pure POP3 logic: status lines and RESP-CODES, the words for each, and the saved choices."""

from __future__ import annotations

import pytest

from deskmail.core.errors import ErrorKind
from deskmail.core.serverconfig import Protocol, Provider, Security, ServerConfig
from deskmail.engine.accounts import Account, DownloadChoices
from deskmail.engine.pop3.client import parse_reply, refusal
from deskmail.engine.pop3.sync import header_end

SERVER = ServerConfig(Protocol.POP3, "pop.example.test", 995, Security.SSL, "anna")


def test_status_lines_and_resp_codes() -> None:
    assert parse_reply(b"+OK 2 messages\r\n").ok
    reply = parse_reply(b"-ERR [IN-USE] Mailbox locked\r\n")
    assert (reply.ok, reply.code, reply.text) == (False, "IN-USE", "[IN-USE] Mailbox locked")
    assert parse_reply(b"-ERR [sys/temp] later\r\n").code == "SYS/TEMP"
    assert parse_reply(b"-ERR wrong\r\n").code == ""
    with pytest.raises(ValueError):
        parse_reply(b"* OK imap\r\n")


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("AUTH", ErrorKind.AUTH_FAILED),
        ("", ErrorKind.AUTH_FAILED),
        ("IN-USE", ErrorKind.SERVER_BUSY),
        ("SYS/TEMP", ErrorKind.SERVER_BUSY),
        ("LOGIN-DELAY", ErrorKind.SERVER_BUSY),
    ],
)
def test_refusals_in_words(code: str, kind: ErrorKind) -> None:
    error = refusal(SERVER, code, f"[{code}] no", "anna")
    assert error.kind is kind
    assert "POP3" in error.message or "pop.example.test" in error.message


def test_in_use_says_another_program_holds_the_mailbox() -> None:
    assert "another program" in refusal(SERVER, "IN-USE", "locked", "anna").message


def test_download_choices_round_trip_and_only_pop3_accounts_write_them() -> None:
    smtp = ServerConfig(Protocol.SMTP, "smtp.example.test", 465, Security.SSL, "anna")
    account = Account("anna@example.test", "Anna", SERVER, smtp, download=DownloadChoices(True, 14))
    data = account.to_json()
    assert data["pop3"] == {"keep_on_server": True, "delete_after_days": 14, "poll_minutes": 5}  # = check_minutes
    assert Account.from_json(data) == account
    imap = Account(
        "anna@example.test", "Anna", ServerConfig(Protocol.IMAP, "imap.example.test", 993, Security.SSL), smtp
    )
    assert "pop3" not in imap.to_json() and not imap.uses_pop3
    assert DownloadChoices.from_json({"delete_after_days": -3}) == DownloadChoices(True, 0)


def test_the_old_pop3_poll_minutes_becomes_the_check_interval() -> None:
    """Files from before Settings polled POP3 every "poll_minutes"; now one interval, check_minutes, serves."""
    smtp = ServerConfig(Protocol.SMTP, "smtp.example.test", 465, Security.SSL, "anna")
    data = Account("anna@example.test", "Anna", SERVER, smtp).to_json()
    del data["check_minutes"]
    data["pop3"]["poll_minutes"] = 25
    assert Account.from_json(data).check_minutes == 25
    data["check_minutes"] = 3  # once saved by this version, the Settings value wins
    assert Account.from_json(data).check_minutes == 3


def test_header_end() -> None:
    assert header_end(b"A: b\r\n\r\nbody") == 8
    assert header_end(b"A: b\n\nbody") == 6
    assert header_end(b"A: b\r\n") == 6


def test_a_pop3_candidate_may_carry_the_choices() -> None:
    from deskmail.core.serverconfig import Candidate

    smtp = ServerConfig(Protocol.SMTP, "smtp.example.test", 465, Security.SSL, "anna")
    document = Candidate("manual", "", True, "", Provider("", ""), SERVER, smtp).to_json()
    document["pop3"] = {"keep_on_server": False}
    account = Account.from_candidate(Candidate.from_json(document), "anna@example.test")
    assert account.uses_pop3 and account.download == DownloadChoices(keep_on_server=False)
    assert account.check_minutes == 10  # POP3: a whole login per check, every 10 minutes unless chosen
    document["pop3"] = {"poll_minutes": 30}
    assert Account.from_candidate(Candidate.from_json(document), "anna@example.test").check_minutes == 30
