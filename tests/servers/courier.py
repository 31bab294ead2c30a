"""A private Courier IMAP beside Dovecot: a second real server with other habits.

Ports: 993 implicit TLS, 143 STARTTLS, and 1143 like 143 but without STARTTLS (fail-closed tests).

Courier keeps folders under the `INBOX.` namespace (delimiter "."), sends no UIDNEXT on SELECT, has
no CONDSTORE/QRESYNC/MOVE/SPECIAL-USE and refuses APPEND to a mailbox selected read-only.

Debian's courier-imap conflicts with dovecot-imapd, so it is never installed: its .debs are
downloaded once (`apt-get download`) and unpacked (`dpkg-deb -x`) into a cache directory, and the
server runs in its own mount and PID namespace (`unshare`) where that tree and private config files
are layered over /usr and /etc. No maintainer script runs, no system service starts, and killing
the `unshare` process ends everything inside it. Needs root (like the rest of the bed).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.servers import procs
from tests.servers.certs import CertFiles
from tests.servers.dovecot import MAIL_UID, put_in_maildir

# courier-imap and what it needs that a Debian base system may lack. gamin: Courier watches Maildirs
# through it and, without it, greets every login with an [ALERT] and a second of delay per command.
PACKAGES = (
    "courier-imap",
    "courier-base",
    "courier-authlib",
    "courier-authdaemon",
    "courier-authlib-userdb",
    "libcourier-unicode4",
    "gamin",
    "libgamin0",
    "libidn12",
    "libpcre3",
    "libgdbm6",
    "libltdl7",
)
DEFAULT_FOLDERS = ("Sent", "Trash")  # what a typical Courier account holds: no Drafts, no Junk, no Archive
CACHE_ENV = "DESKMAIL_TESTBED_CACHE"

# Runs as PID 1 of the new namespaces: lays the unpacked packages and our config over the system's,
# then starts the auth daemon and couriertcpd. $1 = unpacked root, $2 = instance dir, $3 = address,
# $4 = the mail owner's uid, given a passwd entry here (Courier's Maildir watcher wants a user name).
_RUN_SCRIPT = r"""#!/bin/sh
set -e
ROOT=$1; W=$2; IP=$3; UID_=$4
mount --make-rprivate /
mount -t overlay overlay -o lowerdir=$ROOT/usr:/usr /usr
mkdir -p $W/etc-upper $W/etc-work $W/var-upper $W/var-work
mount -t overlay overlay -o lowerdir=$ROOT/etc:/etc,upperdir=$W/etc-upper,workdir=$W/etc-work /etc
mount -t overlay overlay -o lowerdir=/var,upperdir=$W/var-upper,workdir=$W/var-work /var
mount --bind $W/courier /etc/courier
mount -t tmpfs tmpfs /run
mkdir -p /run/courier/authdaemon /var/lib/courier
echo "deskmailbed:x:$UID_:$UID_::/nonexistent:/usr/sbin/nologin" >> /etc/passwd
echo "deskmailbed:x:$UID_:" >> /etc/group
# STARTTLS: imaplogin starts couriertls as the mail user "courier" (so Debian builds it), which needs a
# passwd entry, the certificate and a writable TLS session cache. Without them STARTTLS said OK, then
# "NO STARTTLS failed: 500 Error starting couriertls" in plain text: why the bed once served 993 only.
echo "courier:x:$UID_:$UID_::/var/lib/courier:/usr/sbin/nologin" >> /etc/passwd
echo "courier:x:$UID_:" >> /etc/group
/usr/sbin/authdaemond start
i=0; while [ ! -S /run/courier/authdaemon/socket ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
set -a; . /etc/courier/imapd; . /etc/courier/imapd-ssl; set +a
TLS_CERTFILE=/etc/courier/imapd.pem
if [ -n "$TLS_CACHEFILE" ]; then
  : > "$TLS_CACHEFILE"; chown courier:courier "$TLS_CACHEFILE"; chmod 600 "$TLS_CACHEFILE"
fi
# 143 with STARTTLS, as Debian's imapd script runs it (IMAP_STARTTLS from IMAPDSTARTTLS); 1143 the same
# without STARTTLS: a server that must be refused before any password is sent.
for PORT_STARTTLS in 143:YES 1143:NO; do
  IMAP_STARTTLS=${PORT_STARTTLS#*:} /usr/sbin/couriertcpd -address=$IP -nodnslookup -noidentlookup -maxprocs=100 \
    -maxperip=100 ${PORT_STARTTLS%:*} /usr/lib/courier/courier/imaplogin /usr/bin/imapd Maildir &
done
exec /usr/sbin/couriertcpd -address=$IP -nodnslookup -noidentlookup -maxprocs=100 -maxperip=100 993 \
  /usr/bin/couriertls -server -tcpd /usr/lib/courier/courier/imaplogin /usr/bin/imapd Maildir
"""


def cache_dir() -> Path:
    """Where the unpacked packages live between runs (DESKMAIL_TESTBED_CACHE overrides)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    system = Path("/var/cache/deskmail-testbed")
    with contextlib.suppress(OSError):
        system.mkdir(parents=True, exist_ok=True)
        if os.access(system, os.W_OK):
            return system
    return Path.home() / ".cache" / "deskmail-testbed"


def prepare_root() -> Path:
    """Download and unpack the packages once (idempotent, safe against parallel test runs)."""
    base = cache_dir()
    base.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(" ".join(PACKAGES).encode()).hexdigest()[:12]
    root = base / f"courier-{key}"
    if (root / ".complete").exists():
        return root
    with (base / "courier.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (root / ".complete").exists():
            return root
        work = Path(tempfile.mkdtemp(prefix="courier-", dir=base))
        try:
            debs = work / "debs"
            debs.mkdir()
            _download(debs)
            tree = work / "root"
            for deb in sorted(debs.glob("*.deb")):
                subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True)
            # Merged /usr: libraries a package puts under /lib belong under /usr/lib here.
            if (tree / "lib").is_dir() and not (tree / "lib").is_symlink():
                shutil.copytree(tree / "lib", tree / "usr" / "lib", symlinks=True, dirs_exist_ok=True)
                shutil.rmtree(tree / "lib")
            (tree / ".complete").write_text(" ".join(PACKAGES) + "\n")
            shutil.rmtree(root, ignore_errors=True)
            tree.rename(root)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return root


def _download(into: Path) -> None:
    procs.require_binary("apt-get", "apt")
    procs.require_binary("dpkg-deb", "dpkg")
    command = ["apt-get", "download", "-q", *PACKAGES]
    first = subprocess.run(command, cwd=into, capture_output=True, text=True, check=False)
    if first.returncode != 0:  # a fresh machine may have no package lists yet
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, check=False)
        again = subprocess.run(command, cwd=into, capture_output=True, text=True, check=False)
        if again.returncode != 0:
            raise RuntimeError(f"test bed: could not download Courier's packages:\n{again.stderr[-2000:]}")


class Courier:
    """Courier IMAP with userdb users; `add_user` takes effect at once (userdb.dat is rewritten)."""

    def __init__(self, ip: str, host: str, cert: CertFiles, directory: Path, *, name: str = "courier") -> None:
        self.ip = ip
        self.host = host
        self.cert = cert
        self.directory = directory
        self.name = name
        self.imaps_port: int | None = 993
        self.imap_port = 143  # STARTTLS
        self.no_starttls_port = 1143  # like 143, but offers no STARTTLS (and takes passwords in plain text)
        self.users: dict[str, str] = {}
        self.log = procs.register_log(name, directory / "courier.log")
        self._proc: subprocess.Popen[bytes] | None = None
        self._root: Path | None = None
        (directory / "homes").mkdir(mode=0o755, exist_ok=True)
        (directory / "courier").mkdir(mode=0o755, exist_ok=True)

    # --- users and mailboxes ---------------------------------------------------------------

    def add_user(self, email: str, password: str, folders: tuple[str, ...] = DEFAULT_FOLDERS) -> None:
        """Create (or re-password) a user with these folders (INBOX.Sent etc.), all subscribed."""
        self.users[email] = password
        maildir = self.maildir(email)
        _make_maildir(maildir.parent, maildir)
        for folder in folders:
            _make_maildir(self.maildir(email, folder))
        subscribed = maildir / "courierimapsubscribed"
        subscribed.write_text("".join(f"INBOX.{f}\n" for f in folders))
        shutil.chown(subscribed, MAIL_UID, MAIL_UID)
        if self._root is not None:
            self._write_userdb()

    def home(self, email: str) -> Path:
        return self.directory / "homes" / email

    def maildir(self, email: str, folder: str = "INBOX") -> Path:
        """The Maildir of a folder ("INBOX", "Sent" or "INBOX.Sent")."""
        base = self.home(email) / "Maildir"
        if folder.upper() == "INBOX":
            return base
        return base / ("." + (folder[len("INBOX.") :] if folder.upper().startswith("INBOX.") else folder))

    def put_message(
        self, email: str, message: bytes, folder: str = "INBOX", flags: str = "S", name: str | None = None
    ) -> Path:
        """Write one message straight into a folder's Maildir/cur (Courier reads it on the next look)."""
        directory = self.maildir(email, folder)
        _make_maildir(directory)  # a new folder needs its maildirfolder marker
        return put_in_maildir(directory, message, flags, name)

    def deliver(self, email: str, message: bytes) -> None:
        """New mail as a local delivery agent leaves it: written to tmp/, then renamed into new/."""
        directory = self.maildir(email)
        name = f"{time.time_ns()}.bed{os.getpid()}.deskmail"
        tmp = directory / "tmp" / name
        tmp.write_bytes(message)
        shutil.chown(tmp, MAIL_UID, MAIL_UID)
        tmp.rename(directory / "new" / name)

    def check_password(self, email: str, password: str) -> bool:
        return email in self.users and self.users[email] == password

    def _write_userdb(self) -> None:
        """userdb.dat (home, uid) and userdbshadow.dat (password) for every user, via Courier's makedatprog."""
        assert self._root is not None
        plain, shadow = [], []
        for email, password in self.users.items():
            home = self.home(email)
            plain.append(f"{email}\tuid={MAIL_UID}|gid={MAIL_UID}|home={home}|mail={home / 'Maildir'}\n")
            hashed = subprocess.run(
                ["openssl", "passwd", "-6", "-stdin"], input=password, capture_output=True, text=True, check=True
            ).stdout.strip()
            shadow.append(f"{email}\tsystempw={hashed}\n")
        conf = self.directory / "courier"
        env = {**os.environ, "LD_LIBRARY_PATH": str(self._root / "usr/lib/x86_64-linux-gnu")}
        makedat = self._root / "usr/lib/courier/courier-authlib/makedatprog"
        for lines, name in ((plain, "userdb"), (shadow, "userdbshadow")):
            source = "".join(lines) + ".\n"
            target, tmp = conf / f"{name}.dat", conf / f"{name}.tmp"
            subprocess.run([str(makedat), "-", str(tmp), str(target)], input=source.encode(), env=env, check=True)
            target.chmod(0o600)

    # --- process ---------------------------------------------------------------------------

    def start(self) -> Courier:
        procs.require_binary("unshare", "util-linux")
        procs.require_binary("openssl", "openssl")
        self._root = prepare_root()
        conf = self.directory / "courier"
        for name in ("imapd", "imapd-ssl"):
            shutil.copy(self._root / "etc/courier" / name, conf / name)
        (conf / "authdaemonrc").write_text(
            'authmodulelist="authuserdb"\ndaemons=3\nauthdaemonvar=/run/courier/authdaemon\n'
            'DEBUG_LOGIN=0\nDEFAULTOPTIONS=""\nLOGGEROPTS=""\n'
        )
        with (conf / "imapd").open("a") as imapd:
            # No IMAP_EMPTYTRASH (it expunges old Trash mail at logout behind the tests' back).
            imapd.write('\nIMAP_EMPTYTRASH=""\nIMAP_IDLE_TIMEOUT=60\n')
        pem = conf / "imapd.pem"
        pem.write_bytes(self.cert.key_path.read_bytes() + self.cert.cert_path.read_bytes())
        pem.chmod(0o600)
        shutil.chown(pem, MAIL_UID, MAIL_UID)  # the "courier" user of the run script reads it for STARTTLS
        self._write_userdb()
        script = self.directory / "run.sh"
        script.write_text(_RUN_SCRIPT)
        script.chmod(0o755)
        for sub in ("etc-upper", "etc-work", "var-upper", "var-work"):
            shutil.rmtree(self.directory / sub, ignore_errors=True)
        argv = [
            "unshare", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc", "--propagation", "private",
            str(script), str(self._root), str(self.directory), self.ip, str(MAIL_UID),
        ]  # fmt: skip
        self._proc = procs.start(self.name, argv, self.log)
        procs.wait_until(self._ready, f"Courier IMAP on {self.ip}", proc=self._proc, log=self.log)
        return self

    def stop(self) -> None:
        if self._proc is not None:
            procs.stop(self._proc)  # SIGKILL to unshare: --kill-child ends the namespace's init, and so all
            self._proc = None
            procs.wait_until(self._port_closed, f"Courier on {self.ip} to close its port")

    def _ports(self) -> tuple[int, ...]:
        return (993, self.imap_port, self.no_starttls_port)

    def _port_closed(self) -> bool:
        for port in self._ports():
            with contextlib.suppress(OSError), socket.create_connection((self.ip, port), timeout=0.2):
                return False
        return True

    def _ready(self) -> bool:
        try:
            for port in self._ports():
                with socket.create_connection((self.ip, port), timeout=0.2):
                    pass
            return (self.directory / "var-upper").exists()
        except OSError:
            return False


def _make_maildir(*directories: Path) -> None:
    for directory in directories:
        for sub in ("", "cur", "new", "tmp"):
            (directory / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.chown(directory / sub, MAIL_UID, MAIL_UID)
    for directory in directories:
        if directory.name.startswith("."):
            marker = directory / "maildirfolder"
            marker.touch()
            shutil.chown(marker, MAIL_UID, MAIL_UID)


if __name__ == "__main__":  # `python -m tests.servers.courier`: fetch and unpack ahead of a test run
    print(prepare_root())
