"""Phone exports: Thunderbird's QR format (decoded by a real decoder, zbar) and Apple's .mobileconfig."""

from __future__ import annotations

import json
import plistlib
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import segno

from deskmail.core.serverconfig import AUTH_PASSWORD_ENCRYPTED, Protocol, Provider, Security, ServerConfig
from deskmail.engine.accounts import AUTH_OAUTH2, Account
from deskmail.engine.export import ExportError
from deskmail.engine.export.mobileconfig import mobileconfig
from deskmail.engine.export.thunderbird import ERROR_LEVEL, MAX_QR_VERSION, QrCode, export_codes

PASSWORD = 's3cret pässword "quoted"'


def account(
    name: str = "jane",
    domain: str = "domain.example",
    incoming: Protocol = Protocol.IMAP,
    security: Security = Security.SSL,
    display_name: str = "Jane Doe",
) -> Account:
    email = f"{name}@{domain}"
    port = {Protocol.IMAP: 993, Protocol.POP3: 995}[incoming]
    return Account(
        email=email,
        display_name=display_name,
        incoming=ServerConfig(incoming, f"{incoming.value}.{domain}", port, security, email),
        outgoing=ServerConfig(Protocol.SMTP, f"smtp.{domain}", 587, Security.STARTTLS, email),
        provider=Provider(domain, "Domain Mail"),
    )


# --- a strict reader: every rule of the format, version 1 -----------------------------------------


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_hostname(value: object) -> None:
    assert isinstance(value, str) and value and value.isascii(), f"hostname must be ASCII: {value!r}"
    assert all(label and len(label) <= 63 for label in value.split(".")), value


def check_common(server: list[Any], protocols: set[int]) -> None:
    assert is_int(server[0]) and server[0] in protocols
    check_hostname(server[1])
    assert is_int(server[2]) and 1 <= server[2] <= 65535
    assert is_int(server[3]) and server[3] in {0, 2, 3}, "ConnectionSecurity 1 is reserved"
    assert is_int(server[4]) and server[4] in range(7)
    assert isinstance(server[5], str) and server[5]


def check_payload(text: str) -> list[dict[str, Any]]:
    """Validates one code's payload; returns its accounts as dicts (in order)."""
    assert text.isascii(), "payload is plain ASCII JSON (non-ASCII as \\u escapes)"
    document = json.loads(text)
    assert isinstance(document, list) and document[0] == 1 and is_int(document[0])
    misc = document[1]
    assert isinstance(misc, list) and len(misc) == 2 and all(is_int(v) for v in misc)
    number, end = misc
    assert 1 <= number <= end
    pairs = document[2:]
    assert pairs and len(pairs) % 2 == 0, "IncomingServer and OutgoingServerGroups come in pairs"
    accounts = []
    for incoming, groups in zip(pairs[::2], pairs[1::2], strict=True):
        assert isinstance(incoming, list) and 6 <= len(incoming) <= 8
        check_common(incoming, {0, 1})
        account_name = incoming[6] if len(incoming) > 6 else None
        password = incoming[7] if len(incoming) > 7 else None
        assert account_name is None or isinstance(account_name, str)
        assert password is None or (isinstance(password, str) and password), "an omitted password is left out"
        assert isinstance(groups, list) and groups
        identities = []
        for group in groups:
            assert isinstance(group, list) and len(group) >= 2
            outgoing = group[0]
            assert isinstance(outgoing, list) and 6 <= len(outgoing) <= 7
            check_common(outgoing, {0})
            if len(outgoing) == 7:
                assert isinstance(outgoing[6], str) and outgoing[6]
            for identity in group[1:]:
                assert isinstance(identity, list) and len(identity) == 2
                assert isinstance(identity[0], str) and identity[0].isascii() and "@" in identity[0]
                assert isinstance(identity[1], str)
                identities.append(identity)
        accounts.append(
            {
                "incoming": incoming[:6],
                "name": account_name or identities[0][0],
                "password": password,
                "outgoing": groups[0][0][:6],
                "outgoing_password": groups[0][0][6] if len(groups[0][0]) > 6 else None,
                "identity": identities[0],
            }
        )
    return accounts


def decode_png(path: Path) -> str:
    result = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("utf-8").rstrip("\n")


def smallest(code: QrCode) -> None:
    version = int(code.matrix().version)
    assert version <= MAX_QR_VERSION or len(check_payload(code.payload)) == 1
    if version > 1:
        with pytest.raises(segno.DataOverflowError):
            segno.make_qr(code.payload.encode(), error=ERROR_LEVEL, version=version - 1, mode="byte")


# --- tests ---------------------------------------------------------------------------------------


def test_one_imap_account_is_exactly_the_documented_example_and_decodes(tmp_path: Path) -> None:
    jane = replace(account("user"), outgoing=ServerConfig(Protocol.SMTP, "smtp.domain.example", 465, Security.SSL))
    jane = replace(jane, incoming=replace(jane.incoming, host="imap.domain.example"))
    [code] = export_codes([(jane, None)])
    expected = (
        '[1,[1,1],[0,"imap.domain.example",993,3,1,"user@domain.example"],'
        '[[[0,"smtp.domain.example",465,3,1,"user@domain.example"],["user@domain.example","Jane Doe"]]]]'
    )
    assert code.payload == expected
    png = tmp_path / "code.png"
    png.write_bytes(code.png())
    assert decode_png(png) == expected
    smallest(code)


def test_pop3_starttls_and_plain_map_to_their_numbers(tmp_path: Path) -> None:
    pop = account("pat", "pop.example", Protocol.POP3, Security.STARTTLS)
    pop = replace(pop, outgoing=replace(pop.outgoing, security=Security.PLAIN, port=25))
    [code] = export_codes([(pop, None)])
    png = tmp_path / "pop.png"
    png.write_bytes(code.png())
    [parsed] = check_payload(decode_png(png))
    assert parsed["incoming"] == [1, "pop3.pop.example", 995, 2, 1, "pat@pop.example"]
    assert parsed["outgoing"] == [0, "smtp.pop.example", 25, 0, 1, "pat@pop.example"]


def test_password_only_when_asked_and_then_in_both_servers(tmp_path: Path) -> None:
    jane = account()
    [without] = export_codes([(jane, None)])
    assert "s3cret" not in without.payload and "p\\u00e4ss" not in without.payload
    [parsed] = check_payload(without.payload)
    assert parsed["password"] is None and parsed["outgoing_password"] is None
    [code] = export_codes([(jane, PASSWORD)])
    png = tmp_path / "with.png"
    png.write_bytes(code.png())
    [parsed] = check_payload(decode_png(png))
    assert parsed["password"] == PASSWORD and parsed["outgoing_password"] == PASSWORD
    assert parsed["name"] == jane.email  # AccountName is present (Password follows it) and is the address


def test_international_names_travel_as_ace_and_escapes(tmp_path: Path) -> None:
    jose = account("jose", "bücher.example", display_name="José Müller 山田")
    [code] = export_codes([(jose, None)])
    png = tmp_path / "idn.png"
    png.write_bytes(code.png())
    [parsed] = check_payload(decode_png(png))
    assert parsed["incoming"][1] == "imap.xn--bcher-kva.example"
    assert parsed["outgoing"][1] == "smtp.xn--bcher-kva.example"
    assert parsed["identity"] == ["jose@xn--bcher-kva.example", "José Müller 山田"]


def test_non_ascii_local_part_is_a_plain_refusal() -> None:
    with pytest.raises(ExportError, match="plain Latin letters"):
        export_codes([(account("jürgen"), None)])


def test_oauth_account_says_oauth2() -> None:
    google = replace(account(), auth=AUTH_OAUTH2)
    [parsed] = check_payload(export_codes([(google, None)])[0].payload)
    assert parsed["incoming"][4] == 6 and parsed["outgoing"][4] == 6


def test_many_accounts_round_trip_through_sequence_numbers(tmp_path: Path) -> None:
    accounts = [account(f"p{n}", f"mail{n}.example", Protocol.POP3 if n % 3 == 0 else Protocol.IMAP) for n in range(7)]
    # A long one with its password: too big to share a code, so it gets a (larger) code of its own.
    accounts[2] = account("someone.with.a.long.name", "a-rather-long-provider-name.example")
    codes = export_codes([(a, PASSWORD if n == 2 else None) for n, a in enumerate(accounts)])
    assert len(codes) > 1, "seven accounts do not fit one easily scanned code"
    read: dict[int, list[dict[str, Any]]] = {}
    for code in reversed(codes):  # scanned in any order
        png = tmp_path / f"code-{code.number}.png"
        png.write_bytes(code.png())
        text = decode_png(png)
        document = json.loads(text)
        number, end = document[1]
        assert end == len(codes)
        read[number] = check_payload(text)
        smallest(code)
    assert max(len(entries) for entries in read.values()) >= 2, "small accounts share a code"
    assert sorted(read) == list(range(1, len(codes) + 1))
    got = [entry for number in sorted(read) for entry in read[number]]
    assert [entry["identity"][0] for entry in got] == [a.email for a in accounts]
    assert [entry["incoming"][0] for entry in got] == [1 if n % 3 == 0 else 0 for n in range(7)]
    assert [entry["password"] for entry in got] == [PASSWORD if n == 2 else None for n in range(7)]


def test_encrypted_password_auth_when_that_is_all_the_server_offers() -> None:
    cram = account()
    cram = replace(cram, incoming=replace(cram.incoming, auth=(AUTH_PASSWORD_ENCRYPTED,)))
    [parsed] = check_payload(export_codes([(cram, None)])[0].payload)
    assert parsed["incoming"][4] == 2 and parsed["outgoing"][4] == 1


# --- Apple configuration profile ------------------------------------------------------------------

IPHONE_KEYS = {
    "PayloadType", "PayloadVersion", "PayloadIdentifier", "PayloadUUID", "EmailAccountType", "EmailAddress",
    "EmailAccountName", "EmailAccountDescription", "IncomingMailServerHostName", "IncomingMailServerPortNumber",
    "IncomingMailServerUseSSL", "IncomingMailServerUsername", "IncomingMailServerAuthentication",
    "OutgoingMailServerHostName", "OutgoingMailServerPortNumber", "OutgoingMailServerUseSSL",
    "OutgoingMailServerUsername", "OutgoingMailServerAuthentication", "OutgoingPasswordSameAsIncomingPassword",
}  # fmt: skip


@pytest.mark.parametrize(
    ("protocol", "kind", "port"), [(Protocol.IMAP, "EmailTypeIMAP", 993), (Protocol.POP3, "EmailTypePOP", 995)]
)
def test_mobileconfig_has_every_key_an_iphone_needs(protocol: Protocol, kind: str, port: int) -> None:
    jane = account(incoming=protocol)
    profile = plistlib.loads(mobileconfig([jane]))
    assert profile["PayloadType"] == "Configuration" and profile["PayloadVersion"] == 1
    assert profile["PayloadIdentifier"] and profile["PayloadUUID"] and profile["PayloadDisplayName"]
    [mail] = profile["PayloadContent"]
    assert set(mail) >= IPHONE_KEYS
    assert mail["PayloadType"] == "com.apple.mail.managed"
    assert mail["EmailAccountType"] == kind and mail["EmailAddress"] == jane.email
    assert mail["EmailAccountName"] == "Jane Doe"
    assert (mail["IncomingMailServerHostName"], mail["IncomingMailServerPortNumber"]) == (jane.incoming.host, port)
    assert (mail["OutgoingMailServerHostName"], mail["OutgoingMailServerPortNumber"]) == ("smtp.domain.example", 587)
    assert mail["IncomingMailServerUseSSL"] is True and mail["OutgoingMailServerUseSSL"] is True
    assert mail["IncomingMailServerAuthentication"] == "EmailAuthPassword"
    assert "IncomingPassword" not in mail and "OutgoingPassword" not in mail
    again = plistlib.loads(mobileconfig([jane]))
    assert again["PayloadUUID"] == profile["PayloadUUID"], "a new export replaces the installed profile"


def test_mobileconfig_several_accounts_and_refusals() -> None:
    profile = plistlib.loads(mobileconfig([account("a"), account("b", incoming=Protocol.POP3)]))
    assert [p["EmailAddress"] for p in profile["PayloadContent"]] == ["a@domain.example", "b@domain.example"]
    assert len({p["PayloadUUID"] for p in profile["PayloadContent"]}) == 2
    plain = account()
    plain = replace(plain, incoming=replace(plain.incoming, security=Security.PLAIN, port=143))
    assert plistlib.loads(mobileconfig([plain]))["PayloadContent"][0]["IncomingMailServerUseSSL"] is False
    with pytest.raises(ExportError, match="web page"):
        mobileconfig([replace(account(), auth=AUTH_OAUTH2)])
