"""The command line answers --version and --help without loading Qt."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_a_command_is_imported_without_collections_and_main_leaves_the_collector_as_it_was(tmp_path: Path) -> None:
    """What importing a command makes lives as long as the process: the collector does not walk it
    meanwhile (a no-change `deskmail sync` spent 5 ms so), nor during the command (frozen); a caller
    of main() that lives on (tests) gets its collector back unfrozen."""
    code = """
import gc, json, sys
from deskmail import cli
runs = []
gc.callbacks.append(lambda phase, info: runs.append(phase))
cli._import_command("sync")  # the IMAP stack and the store: ~20 passes of the collector before
frozen = gc.get_freeze_count()
gc.unfreeze()
rc = cli.main(["settings", "--json"])
print(json.dumps([runs, frozen, gc.get_freeze_count(), gc.isenabled(), rc]))
"""
    env = {"PATH": "/usr/bin:/bin", "DESKMAIL_HOME": str(tmp_path), "DESKMAIL_LANG": "en"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    runs, frozen, frozen_after, enabled, status = json.loads(done.stdout.splitlines()[-1])
    assert runs == [] and frozen > 10_000
    assert (frozen_after, enabled, status) == (0, True, 0)
