"""The command line answers --version and --help without loading Qt."""

from __future__ import annotations

import subprocess
import sys

from deskmail import __version__


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys; from deskmail.cli import main; rc = main(sys.argv[1:]); "
        "assert 'PySide6' not in sys.modules, 'CLI loaded Qt'; sys.exit(rc)"
    )
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_help_lists_subcommands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("discover", "check", "account", "sync"):
        assert command in result.stdout


def test_usage_error_exits_2() -> None:
    assert run_cli("discover").returncode == 2
