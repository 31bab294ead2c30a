"""The test CA and certificates for the servers, including deliberately broken ones."""

from __future__ import annotations

import datetime as dt
import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme

MAIL_NAMES = ("imap.example.test", "mail.example.test", "smtp.example.test", "mx.example.test", "example.test")


@dataclass(frozen=True)
class CertFiles:
    """A certificate chain and key on disk, plus the trustme object that made them."""

    cert_path: Path  # leaf + chain PEM
    key_path: Path
    leaf: trustme.LeafCert

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(str(self.cert_path), str(self.key_path))
        return context

    @property
    def pem(self) -> bytes:
        return self.leaf.cert_chain_pems[0].bytes()


class Certs:
    """Issues certificates from the session's test CA (or from an untrusted one) into `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.ca = trustme.CA(organization_name="Deskmail Test CA")
        self.ca_path = directory / "test-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_path))
        self._count = 0
        self._untrusted: trustme.CA | None = None

    def issue(
        self,
        *names: str,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        ca: trustme.CA | None = None,
    ) -> CertFiles:
        """A certificate for `names` (wildcards such as *.example.test allowed) signed by the test CA."""
        leaf = (ca or self.ca).issue_cert(*names, not_before=not_before, not_after=not_after)
        return self._save(leaf)

    def expired(self, *names: str) -> CertFiles:
        """Valid names, trusted CA, but expired yesterday."""
        now = dt.datetime.now(dt.UTC)
        return self.issue(*names, not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=1))

    def not_yet_valid(self, *names: str) -> CertFiles:
        now = dt.datetime.now(dt.UTC)
        return self.issue(*names, not_before=now + dt.timedelta(days=1), not_after=now + dt.timedelta(days=30))

    def wrong_host(self, name: str = "wrong.invalid") -> CertFiles:
        """Trusted CA, current, but for a host name the client did not ask for."""
        return self.issue(name)

    def untrusted(self, *names: str) -> CertFiles:
        """Correct names, current, but signed by a CA nobody trusts (a self-made one)."""
        if self._untrusted is None:
            self._untrusted = trustme.CA(organization_name="Untrusted Test CA")
        return self.issue(*names, ca=self._untrusted)

    def _save(self, leaf: trustme.LeafCert) -> CertFiles:
        self._count += 1
        cert_path = self.directory / f"cert-{self._count}.pem"
        key_path = self.directory / f"key-{self._count}.pem"
        cert_path.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
        leaf.private_key_pem.write_to_path(str(key_path))
        key_path.chmod(0o644)  # Dovecot's config process reads it after dropping privileges
        return CertFiles(cert_path, key_path, leaf)
