"""A private Dovecot instance (IMAP 993/143, POP3 995/110 with STLS, LMTP 24) on one bed address."""

from __future__ import annotations

import contextlib
import shutil
import smtplib
import socket
import ssl
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from tests.servers import procs
from tests.servers.certs import CertFiles

MAIL_UID = 5000  # Dovecot refuses to run mail processes as root; no passwd entry is needed
FOLDERS = {"Drafts": "\\Drafts", "Sent": "\\Sent", "Trash": "\\Trash", "Junk": "\\Junk", "Archive": "\\Archive"}
# Dovecot 2.3's default post-login capability list; variants remove names from it.
DEFAULT_CAPABILITIES = (
    "IMAP4rev1",
    "SASL-IR",
    "LOGIN-REFERRALS",
    "ID",
    "ENABLE",
    "IDLE",
    "SORT",
    "SORT=DISPLAY",
    "THREAD=REFERENCES",
    "THREAD=REFS",
    "THREAD=ORDEREDSUBJECT",
    "MULTIAPPEND",
    "URL-PARTIAL",
    "CATENATE",
    "UNSELECT",
    "CHILDREN",
    "NAMESPACE",
    "UIDPLUS",
    "LIST-EXTENDED",
    "I18NLEVEL=1",
    "CONDSTORE",
    "QRESYNC",
    "ESEARCH",
    "ESORT",
    "SEARCHRES",
    "WITHIN",
    "CONTEXT=SEARCH",
    "LIST-STATUS",
    "BINARY",
    "MOVE",
    "SNIPPET=FUZZY",
    "PREVIEW=FUZZY",
    "PREVIEW",
    "STATUS=SIZE",
    "SAVEDATE",
    "LITERAL+",
    "NOTIFY",
    "SPECIAL-USE",
)


class Dovecot:
    """Dovecot with passwd-file users; `add_user` takes effect at once (the file is read per login)."""

    def __init__(
        self,
        ip: str,
        host: str,
        cert: CertFiles | None,
        directory: Path,
        *,
        name: str = "dovecot",
        implicit_tls: bool = True,
        starttls: bool = True,
        remove_capabilities: Iterable[str] = (),
        extra_config: str = "",
        oauth_introspection: tuple[str, Path] | None = None,
    ) -> None:
        self.ip = ip
        # (introspection URL, CA file): also accept OAUTHBEARER / XOAUTH2 tokens, checked by Dovecot's
        # oauth2 passdb against that URL (RFC 7662 POST), next to the passwd-file passwords.
        self.oauth_introspection = oauth_introspection
        self.host = host
        # Dovecot offers STARTTLS whenever ssl != no, for every listener of an address: a variant
        # without STARTTLS therefore runs without TLS at all (ssl = no, port 143 only).
        self.cert = cert if starttls else None
        self.name = name
        self.directory = directory
        self.imaps_port: int | None = 993 if implicit_tls and self.cert else None
        self.imap_port = 143
        self.lmtp_port = 24
        # POP3 reads the same Maildir as IMAP: mail delivered over LMTP is there for both.
        self.pop3s_port: int | None = 995 if implicit_tls and self.cert else None
        self.pop3_port = 110
        self.starttls = self.cert is not None
        self.remove_capabilities = {c.upper() for c in remove_capabilities}
        self.extra_config = extra_config
        self.users: dict[str, str] = {}
        self.log = procs.register_log(name, directory / "dovecot.log")
        self._proc: subprocess.Popen[bytes] | None = None
        (directory / "homes").mkdir(mode=0o755, exist_ok=True)

    # --- users and mailboxes ---------------------------------------------------------------

    def add_user(self, email: str, password: str) -> None:
        """Create (or re-password) a user; their Maildir exists at once with the standard folders."""
        changed = email in self.users and self.users[email] != password
        self.users[email] = password
        home = self.home(email)
        for sub in ("", "Maildir", "Maildir/cur", "Maildir/new", "Maildir/tmp"):
            (home / sub).mkdir(exist_ok=True, mode=0o700)
            shutil.chown(home / sub, MAIL_UID, MAIL_UID)
        if changed:
            time.sleep(1.05)  # let Dovecot's once-a-second passwd-file check see the new password
        self._write_passwd(email)

    def home(self, email: str) -> Path:
        return self.directory / "homes" / email

    def maildir(self, email: str, folder: str = "INBOX") -> Path:
        """The Maildir of a folder (INBOX or e.g. "Sent"); write files into its cur/ or new/."""
        base = self.home(email) / "Maildir"
        return base if folder.upper() == "INBOX" else base / f".{folder}"

    def deliver(self, email: str, message: bytes) -> None:
        """Deliver one message to the Inbox over LMTP, as new mail arrives: clients in IDLE are told."""
        # put_message writes behind Dovecot's back: right for mail that is there before a client looks,
        # but a client already watching may not hear of it (Dovecot rescans cur/ by its mtime, which
        # changes once a second), so a test waiting for pushed mail would wait in vain now and then.
        with smtplib.LMTP(self.ip, self.lmtp_port, timeout=10) as lmtp:
            lmtp.sendmail("sender@example.test", [email], message)

    def put_message(
        self, email: str, message: bytes, folder: str = "INBOX", flags: str = "S", name: str | None = None
    ) -> Path:
        """Write one message straight into a folder's Maildir/cur (fastest way to fill a mailbox)."""
        return put_in_maildir(self.maildir(email, folder), message, flags, name)

    def check_password(self, email: str, password: str) -> bool:
        return email in self.users and self.users[email] == password

    def _write_passwd(self, email: str) -> None:
        # One passwd-file per user: Dovecot stats a passwd-file at most once a second, so a shared
        # file would hide a user added right after a login; a never-seen file is always read fresh.
        users = self.directory / "users"
        users.mkdir(mode=0o755, exist_ok=True)
        line = f"{email}:{{PLAIN}}{self.users[email]}:{MAIL_UID}:{MAIL_UID}::{self.home(email)}::\n"
        tmp = users / f".{email}.tmp"
        tmp.write_text(line)
        tmp.chmod(0o644)  # the auth process runs as user dovecot
        tmp.replace(users / email.lower())

    # --- process ---------------------------------------------------------------------------

    def start(self) -> Dovecot:
        binary = procs.require_binary("dovecot", "dovecot-imapd dovecot-lmtpd dovecot-pop3d")
        for email in self.users:
            self._write_passwd(email)
        run = self.directory / "run"
        shutil.rmtree(run, ignore_errors=True)  # a stale socket makes the first login hang for seconds
        run.mkdir(mode=0o755)
        (self.directory / "state").mkdir(exist_ok=True, mode=0o755)
        conf = self.directory / "dovecot.conf"
        if self.oauth_introspection is not None:
            url, ca = self.oauth_introspection
            oauth_conf = self.directory / "oauth2.conf.ext"
            oauth_conf.write_text(
                f"introspection_mode = post\nintrospection_url = {url}\nforce_introspection = yes\n"
                f"username_attribute = username\nactive_attribute = active\nactive_value = true\n"
                f"tls_ca_cert_file = {ca}\ntimeout_msecs = 5000\n"
            )
            oauth_conf.chmod(0o644)
        conf.write_text(self._config())
        self._proc = procs.start(self.name, [binary, "-F", "-c", str(conf)], self.directory / "stdout.log")
        procs.register_log(self.name, self.log)
        procs.register_log(f"{self.name}-stdout", self.directory / "stdout.log")
        procs.wait_until(self._ready, f"Dovecot on {self.ip}", proc=self._proc, log=self.log)
        return self

    def stop(self) -> None:
        if self._proc is not None:
            procs.stop(self._proc)
            self._proc = None
            # Killed children let go of their ports a moment after the master is reaped: a server
            # started right away on this address (a restart, or the next test) found 24 in use.
            procs.wait_until(self._ports_closed, f"Dovecot on {self.ip} to close its ports")

    def _ports_closed(self) -> bool:
        for port in self._ports():
            with contextlib.suppress(OSError), socket.create_connection((self.ip, port), timeout=0.2):
                return False
        return True

    def _ports(self) -> list[int]:
        optional = [port for port in (self.imaps_port, self.pop3s_port) if port]
        return [self.imap_port, self.pop3_port, self.lmtp_port, *optional]

    def _ready(self) -> bool:
        for port in self._ports():
            try:
                with socket.create_connection((self.ip, port), timeout=0.2) as sock:
                    if port == self.imap_port and not sock.recv(100).startswith(b"* OK"):
                        return False
            except OSError:
                return False
        return True

    def _config(self) -> str:
        d = self.directory
        ssl_block = "ssl = no\n"
        if self.cert is not None:
            ssl_block = (
                f"ssl = yes\nssl_cert = <{self.cert.cert_path}\nssl_key = <{self.cert.key_path}\n"
                "ssl_min_protocol = TLSv1.2\n"
            )
            if Path("/usr/share/dovecot/dh.pem").exists():
                ssl_block += "ssl_dh = </usr/share/dovecot/dh.pem\n"
        # Dovecot's built-in imap-login service listens on 993 unless told otherwise: port 0 turns it off.
        imaps_port, imaps_ssl = (self.imaps_port, "\n    ssl = yes") if self.imaps_port else (0, "")
        imaps = f"  inet_listener imaps {{\n    port = {imaps_port}{imaps_ssl}\n  }}\n"
        pop3s_port, pop3s_ssl = (self.pop3s_port, "\n    ssl = yes") if self.pop3s_port else (0, "")
        pop3s = f"  inet_listener pop3s {{\n    port = {pop3s_port}{pop3s_ssl}\n  }}\n"
        capabilities = ""
        if self.remove_capabilities:
            kept = [c for c in DEFAULT_CAPABILITIES if c not in self.remove_capabilities]
            capabilities = f"imap_capability = {' '.join(kept)}\n"
        oauth_mechanisms = oauth_passdb = password_mechanisms = ""
        if self.oauth_introspection is not None:
            oauth_mechanisms = " oauthbearer xoauth2"
            oauth_passdb = (
                f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {d}/oauth2.conf.ext\n}}\n"
            )
            password_mechanisms = "\n  mechanisms = plain login"
        folders = "".join(
            f'  mailbox "{name}" {{\n    special_use = {use}\n    auto = subscribe\n  }}\n'
            for name, use in FOLDERS.items()
        )
        return f"""# generated by tests/servers/dovecot.py
instance_name = deskmail-{self.ip}
base_dir = {d}/run
state_dir = {d}/state
log_path = {self.log}
info_log_path = {self.log}
protocols = imap pop3 lmtp
pop3_uidl_format = %08Xu%08Xv
listen = {self.ip}
{ssl_block}
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth_mechanisms}
auth_failure_delay = 0
auth_verbose = yes
{oauth_passdb}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu {d}/users/%Lu{password_mechanisms}
}}
userdb {{
  driver = passwd-file
  args = username_format=%Lu {d}/users/%Lu
}}
mail_location = maildir:~/Maildir
mail_uid = {MAIL_UID}
mail_gid = {MAIL_UID}
first_valid_uid = {MAIL_UID}
last_valid_uid = 0
mail_fsync = never
lmtp_save_to_detail_mailbox = no
namespace inbox {{
  inbox = yes
  separator = /
{folders}}}
{capabilities}
service imap-login {{
  inet_listener imap {{
    port = {self.imap_port}
  }}
{imaps}}}
service pop3-login {{
  inet_listener pop3 {{
    port = {self.pop3_port}
  }}
{pop3s}}}
service lmtp {{
  inet_listener lmtp {{
    address = {self.ip}
    port = {self.lmtp_port}
  }}
  unix_listener lmtp {{
    mode = 0
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{self.extra_config}
"""


def put_in_maildir(directory: Path, message: bytes, flags: str = "S", name: str | None = None) -> Path:
    """Write one message into a Maildir folder's cur/ (made if missing), owned by the mail user."""
    for sub in ("", "cur", "new", "tmp"):
        (directory / sub).mkdir(exist_ok=True, mode=0o700)
        shutil.chown(directory / sub, MAIL_UID, MAIL_UID)
    name = name or f"{time.time_ns()}.bed{id(message)}.deskmail"
    path = directory / "cur" / f"{name}:2,{''.join(sorted(flags))}"
    path.write_bytes(message)
    shutil.chown(path, MAIL_UID, MAIL_UID)
    return path


def imaps_context(ca_path: Path) -> ssl.SSLContext:
    """A client context trusting only the test CA (for tests that talk to the bed directly)."""
    return ssl.create_default_context(cafile=str(ca_path))
