"""Mail window speed with a big store: start to usable window, folder switch, open a cached message, search.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/ui.py [--messages 100000]

Prints numbers (medians of a few runs where that makes sense) and the peak RSS; never asserts.
Targets from issue 7: start < 1.5 s, folder switch < 200 ms, open cached message < 100 ms,
local search < 200 ms.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def wait_until(done: Callable[[], bool], limit: float = 30.0) -> None:
    from PySide6.QtCore import QCoreApplication

    end = time.perf_counter() + limit
    while not done() and time.perf_counter() < end:
        QCoreApplication.processEvents()
        time.sleep(0.0005)


def seed(home: Path, count: int) -> float:
    from deskmail.core.settings import Settings
    from deskmail.engine.accounts import AccountStore
    from deskmail.engine.paths import Paths
    from deskmail.ui.mail.samples import sample_account, seed_store

    started = time.perf_counter()
    paths = Paths.from_settings(Settings(home=home)).ensure()
    account = sample_account()
    seed_store(paths, account, extra=count).close()
    AccountStore(paths).save(account)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="deskmail-bench-ui-"))
    print(f"seeding {args.messages:,} messages: {seed(home, args.messages):.1f} s")

    none_refs = sys.getrefcount(None)
    t0 = time.perf_counter()
    from deskmail.app import build_context, create_application
    from deskmail.core.settings import Settings
    from deskmail.engine.paths import Paths
    from deskmail.qtbridge.tasks import TaskRunner
    from deskmail.ui.mail.gallery import QuietRuntime, runtimes
    from deskmail.ui.mail.view import MailView, make_mail_view
    from deskmail.ui.main_window import MainWindow

    app = create_application(["deskmail-bench"])
    settings = Settings(home=home)
    runner = TaskRunner()
    context = build_context(settings, Paths.from_settings(settings).ensure(), runner)
    window = MainWindow(context, lambda ctx, parent: make_mail_view(ctx, parent, runtimes(ctx, QuietRuntime)))
    window.show()

    def view() -> MailView | None:
        return window.mail_view if isinstance(window.mail_view, MailView) else None

    wait_until(lambda: view() is not None and view().model.rowCount() > 0)  # type: ignore[union-attr]
    app.processEvents()
    started = time.perf_counter() - t0
    mail = view()
    assert mail is not None
    print(f"start to usable window (imports included): {started * 1000:.0f} ms, {mail.model.rowCount():,} rows")

    email = context.accounts.list()[0].email
    folders = {f.name: f for f in mail.folders.folders_of(email)}
    switches = []
    for name in ["Family", "INBOX", "Sent", "INBOX", "Projects/Garden", "INBOX"]:
        t = time.perf_counter()
        mail.folders.select(email, name)
        mail.list.viewport().repaint()
        app.processEvents()
        switches.append(time.perf_counter() - t)
    print(f"folder switch: median {statistics.median(switches) * 1000:.1f} ms, max {max(switches) * 1000:.1f} ms")

    scroll = []
    for row in (50_000, 99_000, 10, 75_000):
        if row < mail.model.rowCount():
            t = time.perf_counter()
            mail.list.scrollTo(mail.list.model().index(row, 2))
            mail.list.viewport().repaint()
            scroll.append(time.perf_counter() - t)
    if scroll:
        print(f"jump-scroll in the big Inbox: median {statistics.median(scroll) * 1000:.1f} ms")

    opens = []
    for subject in ("Dinner on Friday?", "Spring workshop: raised beds", "Photos from the lake") * 3:
        mail.folders.select(email, "INBOX")
        app.processEvents()
        row = next(r for r in range(30) if (s := mail.model.summary(r)) and s.subject == subject)
        mail.list.select_row(-1)
        t = time.perf_counter()
        mail.list.select_row(row)
        wait_until(lambda s=subject: mail.reading_pane.rendered is not None and mail.reading_pane.summary.subject == s)
        app.processEvents()
        opens.append(time.perf_counter() - t)
    print(f"open a cached message: median {statistics.median(opens) * 1000:.1f} ms, max {max(opens) * 1000:.1f} ms")

    searches = []
    for words in ("garden", "weekly note 99", "lasagne", "invoice march", "nothing-matches-this"):
        t = time.perf_counter()
        mail.search.setText(words)
        mail.run_search()
        app.processEvents()
        searches.append(time.perf_counter() - t)
    print(f"local search: median {statistics.median(searches) * 1000:.1f} ms, max {max(searches) * 1000:.1f} ms")
    del folders

    print(f"references to None at start: {none_refs:,}")
    print(f"references to None (must not shrink; PySide6 6.12 + Python 3.11 leak): {sys.getrefcount(None):,}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")
    window.close()
    runner.shutdown(wait=True)


if __name__ == "__main__":
    main()
