"""A failing test that used the bed shows what the servers said, and leaves no daemon behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

FAILING_TEST = """
import imapclient

def test_wrong_password(testbed):
    client = imapclient.IMAPClient(testbed.mail.ip, 143, ssl=False, timeout=10)
    try:
        client.login(testbed.user, "wrong password")
    finally:
        client.shutdown()
"""


def test_failing_test_gets_the_server_logs(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(FAILING_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.servers.plugin", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "server log: dovecot" in run.stdout
    assert "alice@example.test" in run.stdout and "Password mismatch" in run.stdout, run.stdout[-3000:]
