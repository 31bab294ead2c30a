"""The system trust store read lazily (hashed directory) still verifies: real Dovecot over TLS."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
from pathlib import Path
from typing import Any

import pytest
import trustme

from deskmail.net.tls import client_context, lazy_ca_directory


def hashed_store(directory: Path, ca_pem: bytes) -> Path:
    """A directory laid out as update-ca-certificates does: one bundle and the same CA by subject hash."""
    directory.mkdir()
    bundle = directory / "ca-certificates.crt"
    bundle.write_bytes(ca_pem)
    digest = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", str(bundle)], capture_output=True, text=True, check=True
    ).stdout.strip()
    (directory / f"{digest}.0").write_bytes(ca_pem)
    return bundle


def handshake(testbed: Any) -> None:
    with (
        socket.create_connection((testbed.mail.ip, 993), timeout=10) as plain,
        client_context().wrap_socket(plain, server_hostname="imap.example.test") as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_a_hashed_store_is_read_lazily_and_still_verifies(
    testbed: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trusted = hashed_store(tmp_path / "trusted", testbed.ca.cert_pem.bytes())
    monkeypatch.setenv("SSL_CERT_FILE", str(trusted))
    monkeypatch.setenv("SSL_CERT_DIR", str(trusted.parent))
    assert lazy_ca_directory() == trusted.parent.resolve()
    assert client_context().cert_store_stats()["x509_ca"] == 0  # nothing parsed before a handshake
    handshake(testbed)

    stranger = hashed_store(tmp_path / "stranger", trustme.CA().cert_pem.bytes())
    monkeypatch.setenv("SSL_CERT_FILE", str(stranger))
    monkeypatch.setenv("SSL_CERT_DIR", str(stranger.parent))
    assert lazy_ca_directory() == stranger.parent.resolve()
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(testbed)


def test_the_bundle_is_read_whole_when_the_directory_may_not_hold_the_same(
    testbed: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = hashed_store(tmp_path / "store", testbed.ca.cert_pem.bytes())
    elsewhere = tmp_path / "elsewhere.pem"
    elsewhere.write_bytes(bundle.read_bytes())
    monkeypatch.setenv("SSL_CERT_DIR", str(bundle.parent))

    monkeypatch.setenv("SSL_CERT_FILE", str(elsewhere))  # a bundle outside the directory (Fedora, Arch)
    assert lazy_ca_directory() is None
    handshake(testbed)

    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    later = bundle.parent.stat().st_mtime + 60  # the bundle edited by hand after the directory
    os.utime(bundle, (later, later))
    assert lazy_ca_directory() is None
    handshake(testbed)

    os.utime(bundle, (later - 120, later - 120))
    for hashed in bundle.parent.glob("*.0"):
        hashed.unlink()  # no hashed names: nothing to look up one by one
    assert lazy_ca_directory() is None
    handshake(testbed)
