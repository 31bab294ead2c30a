"""One Deskmail per user: later starts hand their mailto: URL (or just "show yourself") to the running one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from deskmail.core.settings import Settings
from deskmail.engine.paths import Paths
from deskmail.ui.gallery import scene_context
from deskmail.ui.launch import LaunchRequests, mailto_urls
from deskmail.ui.mail.composer import ComposerWindow
from deskmail.ui.mail.gallery import QuietRuntime, runtimes
from deskmail.ui.mail.samples import sample_account, seed_store
from deskmail.ui.mail.view import make_mail_view
from deskmail.ui.main_window import MainWindow
from deskmail.ui.single_instance import SingleInstance, parse_request, send_request, server_name

pytestmark = pytest.mark.gui
REPO = Path(__file__).resolve().parents[2]
MAILTO = "mailto:bob@example.com?subject=Hi%20Bob&body=See%20you%20soon"


def unique_name() -> str:
    return f"deskmail-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def first(tmp_path: Path, qapp: QApplication) -> Iterator[SingleInstance]:
    instance = SingleInstance(unique_name(), tmp_path / "instance.lock")
    assert instance.hand_over([]) is False  # nobody there yet: this one listens
    yield instance
    instance.close()


def test_a_later_start_hands_its_arguments_to_the_first(
    qtbot: QtBot, first: SingleInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The later start is its own process (QLocalSocket's blocking calls want a Qt-owned thread).
    code = (
        "import sys; from PySide6.QtCore import QCoreApplication; app = QCoreApplication([]); "
        "from deskmail.ui.single_instance import send_request; print(send_request(sys.argv[1], sys.argv[2:]))"
    )
    monkeypatch.setenv("XDG_ACTIVATION_TOKEN", "")  # restored afterwards: the request sets it here
    env = dict(os.environ, PYTHONPATH=str(REPO), XDG_ACTIVATION_TOKEN="launcher-token-7")
    with qtbot.waitSignal(first.requested, timeout=20000) as got:
        later = subprocess.Popen([sys.executable, "-c", code, first.name, MAILTO], env=env, stdout=subprocess.PIPE)
    qtbot.waitUntil(lambda: later.poll() is not None, timeout=20000)
    assert got.args == [[MAILTO]]
    out, _ = later.communicate()
    assert out.strip() == b"handed"
    assert os.environ["XDG_ACTIVATION_TOKEN"] == "launcher-token-7"  # Wayland lets the window come forward


def test_nobody_listening_means_first(tmp_path: Path, qapp: QApplication) -> None:
    assert send_request(unique_name(), []) == "nobody"


@pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets only")
def test_a_socket_left_by_a_crash_is_replaced(tmp_path: Path, qapp: QApplication) -> None:
    path = tmp_path / "s"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()  # the file stays, nobody listens: what a killed Deskmail leaves behind
    instance = SingleInstance(str(path), tmp_path / "instance.lock")
    try:
        assert instance.hand_over([]) is False
        assert instance.server is not None and instance.server.isListening()
    finally:
        instance.close()


def test_requests_that_are_not_a_command_line_are_refused() -> None:
    assert parse_request(b'{"args": ["mailto:a@b.test"]}') == (["mailto:a@b.test"], "")
    assert parse_request(b'{"args": [], "activation_token": "kwin-42"}') == ([], "kwin-42")
    assert parse_request(b'{"args": [], "activation_token": "a\\nb"}') == ([], "")
    for bad in (b"", b"\xff", b"[1]", b'{"args": "x"}', b'{"args": [1]}'):
        assert parse_request(bad) is None


def test_server_name_is_per_data_folder_and_short(tmp_path: Path) -> None:
    a = server_name(Paths.from_settings(Settings(home=tmp_path / "a")))
    b = server_name(Paths.from_settings(Settings(home=tmp_path / "b")))
    assert a != b
    assert len(a.encode()) <= 100 and "deskmail-" in a


def test_mailto_urls_are_picked_from_the_command_line() -> None:
    assert mailto_urls(["-style", "x", "MAILTO:a@b.test", "mailto:c@d.test"]) == ["MAILTO:a@b.test", "mailto:c@d.test"]


def window_with(accounts: bool) -> tuple[MainWindow, LaunchRequests]:
    """A main window with LaunchRequests attached before the account list arrives (as in run_app)."""
    context = scene_context()
    if accounts:
        account = sample_account()
        seed_store(context.paths, account).close()
        context.accounts.save(account)
    window = MainWindow(context, lambda ctx, parent: make_mail_view(ctx, parent, runtimes(ctx, QuietRuntime)))
    return window, LaunchRequests(window)


def composers() -> list[ComposerWindow]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, ComposerWindow) and w.isVisible()]


def close_composers() -> None:
    for composer in composers():
        composer.dirty = False
        composer.close()


def settle_account(qtbot: QtBot, window: MainWindow, email: str) -> None:
    """Let the store open and the first sync end, so nothing arrives after the window is gone."""
    controller = window.mail_view.controller  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: controller.reader(email) is not None and not controller.syncing, timeout=10000)


def test_mailto_opens_a_filled_composer(qtbot: QtBot) -> None:
    window, launch = window_with(accounts=True)
    qtbot.addWidget(window)
    launch.handle([MAILTO])  # arrives before the account list: it waits for it
    qtbot.waitUntil(lambda: len(composers()) == 1, timeout=10000)
    composer = composers()[0]
    assert "bob@example.com" in composer.to.text()
    assert composer.subject.text() == "Hi Bob"
    assert composer.body.toPlainText().startswith("See you soon")
    assert window.isVisible()
    close_composers()
    settle_account(qtbot, window, "anna@example.test")


def test_mailto_without_an_account_offers_to_add_one(qtbot: QtBot) -> None:
    window, launch = window_with(accounts=False)
    qtbot.addWidget(window)
    launch.handle([MAILTO])
    qtbot.waitUntil(lambda: launch.prompt is not None and launch.prompt.isVisible(), timeout=10000)
    prompt = launch.prompt
    assert isinstance(prompt, QMessageBox)
    assert "needs your e-mail account" in prompt.text() and "bob@example.com" in prompt.informativeText()
    opened: list[object] = []
    window.context.make_wizard = lambda parent: opened.append(parent) or QMessageBox(parent)  # type: ignore[func-returns-value]
    launch.add_button.click()
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    assert launch.pending == [MAILTO]  # kept until the account exists
    account = sample_account()
    window.context.accounts.save(account)
    window.reload_accounts()  # what the wizard's account_added does
    qtbot.waitUntil(lambda: len(composers()) == 1, timeout=10000)
    assert "bob@example.com" in composers()[0].to.text()
    close_composers()
    settle_account(qtbot, window, account.email)


def test_not_now_forgets_the_message(qtbot: QtBot) -> None:
    window, launch = window_with(accounts=False)
    qtbot.addWidget(window)
    launch.handle([MAILTO])
    qtbot.waitUntil(lambda: launch.prompt is not None and launch.prompt.isVisible(), timeout=10000)
    assert launch.prompt is not None
    launch.prompt.reject()
    assert launch.pending == [] and launch.prompt is None


# -- two real processes -----------------------------------------------------------------------------


def deskmail_env(home: Path) -> dict[str, str]:
    env = dict(os.environ, DESKMAIL_HOME=str(home), QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    env.pop("DISPLAY", None)
    return env


def wait_for_log(log: Path, text: str, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if log.exists() and text in log.read_text(encoding="utf-8", errors="replace"):
            return
        time.sleep(0.05)
    content = log.read_text(encoding="utf-8", errors="replace") if log.exists() else "(no log)"
    raise AssertionError(f"{text!r} not in the log:\n{content}")


def test_a_second_process_hands_the_url_to_the_first_and_exits(tmp_path: Path) -> None:
    env = deskmail_env(tmp_path)
    log = tmp_path / "logs" / "deskmail.log"
    first = subprocess.Popen([sys.executable, "-m", "deskmail"], cwd=REPO, env=env)
    try:
        wait_for_log(log, "single instance: listening")
        second = subprocess.run([sys.executable, "-m", "deskmail", MAILTO], cwd=REPO, env=env, timeout=60)
        assert second.returncode == 0
        wait_for_log(log, "handed over 1 argument(s)")
        wait_for_log(log, "a mailto: request waits for a first account")  # no account here: the first asks
        third = subprocess.run([sys.executable, "-m", "deskmail"], cwd=REPO, env=env, timeout=60)
        assert third.returncode == 0
        wait_for_log(log, "handed over 0 argument(s)")
        assert first.poll() is None  # still the one running Deskmail
    finally:
        first.terminate()
        first.wait(20)


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to make another user's file")
def test_a_socket_of_another_user_gets_nothing(tmp_path: Path, qapp: QApplication) -> None:
    path = tmp_path / "planted"
    planted = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    planted.bind(str(path))
    planted.listen(1)
    os.chown(path, 12345, 12345)  # someone else's socket where ours would be
    try:
        assert send_request(str(path), [MAILTO]) == "no answer"
        planted.setblocking(False)
        with pytest.raises(BlockingIOError):
            planted.accept()  # never even connected
    finally:
        planted.close()


@pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets only")
def test_a_caller_that_never_finishes_is_cut_off(
    qtbot: QtBot, first: SingleInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deskmail.ui import single_instance

    monkeypatch.setattr(single_instance, "REPLY_MS", 1000)  # the app's 5 s are what it waits, not what we test
    assert first.server is not None
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.connect(first.server.fullServerName())
    silent.sendall(b'{"args": [')  # and nothing more
    try:
        qtbot.waitUntil(lambda: bool(first._buffers), timeout=5000)  # accepted, waiting for the rest
        qtbot.waitUntil(lambda: not first._buffers, timeout=single_instance.REPLY_MS + 5000)
        silent.settimeout(5)
        assert silent.recv(10) == b""  # closed by the running app
    finally:
        silent.close()
