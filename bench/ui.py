"""Benchmark: the mail window over a 100k-message account (offscreen Qt, no network).

Writes a store straight through the store's writer (INBOX 80k, Archive 15k, Sent 5k; the newest
Inbox messages with cached bodies), then starts the real app (`deskmail.app.run_app`) in a child
process per run and measures:
  start      process start -> main window shown with its message list populated   (target < 1.5 s)
  switch     folder switch, Inbox <-> Archive, until the list has painted           (target < 200 ms)
  scroll     jump far down the 80k Inbox (End, middle) until painted
  open       open a cached message until the reading pane shows it                  (target < 100 ms)
  search     local full-text search until the results have painted                  (target < 200 ms)
  CPU        beside each: the CPU time the process used for it (all threads; independent of machine load)
  rss        the child's peak RSS
The account's servers are 127.0.0.1 port 1 (refused at once): the app goes offline, never to the network.

    python bench/ui.py                     # 100k messages, 3 runs
    python bench/ui.py --messages 20000 --runs 1
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

EMAIL = "bench@example.test"
SEARCHES = ["budget", "invoice meeting", "Farah", "zola report"]
CACHED_BODIES = 300
TARGETS_MS = {"start": 1500.0, "switch": 200.0, "open": 100.0, "search": 200.0}


# -- the store -----------------------------------------------------------------------------------


def make_store(home: Path, total: int) -> dict[str, Any]:
    """A 100k-message account written through Store (what a finished sync leaves behind)."""
    from mailgen import NAMES, WORDS, message

    from deskmail.core.serverconfig import Protocol, Security, ServerConfig
    from deskmail.core.settings import Settings
    from deskmail.engine.accounts import Account, AccountStore
    from deskmail.engine.paths import Paths
    from deskmail.engine.store.models import FolderInfo, MessageHeaders, SpecialUse
    from deskmail.engine.store.writer import Store

    started = time.perf_counter()
    paths = Paths.from_settings(Settings(home=home)).ensure()
    refused = "127.0.0.1"  # port 1: nothing listens, the connection is refused at once (offline bar)
    AccountStore(paths).save(
        Account(
            email=EMAIL,
            display_name="Bench User",
            incoming=ServerConfig(Protocol.IMAP, refused, 1, Security.SSL, EMAIL),
            outgoing=ServerConfig(Protocol.SMTP, refused, 1, Security.SSL, EMAIL),
        )
    )
    store = Store.open_for(paths, EMAIL)
    split = {"INBOX": (SpecialUse.INBOX, 0.80), "Archive": (SpecialUse.ARCHIVE, 0.15), "Sent": (SpecialUse.SENT, 0.05)}
    rng = random.Random(7)
    base = 1_600_000_000
    for name, (use, share) in split.items():
        folder = store.upsert_folder(FolderInfo(name, "/", use, subscribed=True))
        count = int(total * share)
        batch: list[MessageHeaders] = []
        for uid in range(1, count + 1):
            sender = rng.choice(NAMES)
            batch.append(
                MessageHeaders(
                    uid=uid, flags=() if uid % 5 == 0 else ("\\Seen",),
                    subject=" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 7))),
                    from_name=sender, from_addr=f"{sender.split()[0].lower()}@example.test",
                    to_addrs="Bench User <bench@example.test>", date=base + uid * 60, internaldate=base + uid * 60,
                    size=rng.randint(2_000, 40_000), message_id=f"<{name}-{uid}@gen.test>",
                    has_attachments=uid % 17 == 0, people=[(sender, f"{sender.split()[0].lower()}@example.test")],
                )
            )  # fmt: skip
            if len(batch) == 5000:
                store.add_messages(folder.id, batch)
                batch = []
        store.add_messages(folder.id, batch)
        store.set_sync_state(folder.id, uidvalidity=1, uidnext=count + 1, highestmodseq=0, exists=count)
        store.refresh_unread(folder.id)
        if use is SpecialUse.INBOX:
            for uid in range(count, max(0, count - CACHED_BODIES), -1):
                summary = store.message_by_uid(folder.id, uid)
                if summary is not None:
                    store.save_body(summary.id, raw=message(uid, rng))
    while store.index_backlog():  # as the window leaves a store after its idle time: search from the index
        pass
    store.close()
    size = sum(p.stat().st_size for p in (home / "data").rglob("*") if p.is_file())
    return {"seconds": time.perf_counter() - started, "bytes": size}


# -- the child: the real app, measured from inside -------------------------------------------------


def child() -> None:
    """Run deskmail.app.run_app; once the window is usable, time the actions and print one JSON line."""
    t0 = float(os.environ["BENCH_T0"])
    from PySide6.QtCore import QEvent, QObject, QTimer

    from deskmail.app import create_application, run_app

    app = create_application([sys.argv[0]])
    results: dict[str, Any] = {}

    def usable_view() -> Any:
        from deskmail.ui.main_window import MainWindow

        for widget in app.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                view = widget.mail_view
                model = getattr(view, "model", None)
                if model is not None and model.rowCount() > 0 and model.summary(0) is not None:
                    return view
        return None

    class FirstPaint(QObject):
        """Notes the list's first paint with rows in it: the moment the window is usable."""

        def __init__(self, view: Any) -> None:
            super().__init__()
            self.view = view

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and "start" not in results:
                results["start"] = (time.time() - t0) * 1000
                results["start_cpu"] = time.process_time() * 1000  # every thread of the child
                results["start_gui_cpu"] = time.thread_time() * 1000  # the GUI thread alone: the critical path
                QTimer.singleShot(0, lambda: finish(self.view))
            return False

    def check() -> None:
        view = usable_view()
        if view is None:
            return
        poll.stop()
        viewport = view.list.viewport()
        viewport.installEventFilter(watcher := FirstPaint(view))
        results["_watcher"] = watcher
        viewport.update()  # rows just arrived: their paint is next (or the one already queued)

    def finish(view: Any) -> None:
        del results["_watcher"]
        try:
            results.update(measure(view))
        except Exception as exc:  # report, do not hang the parent
            results["error"] = repr(exc)
        import resource

        results["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print("BENCH " + json.dumps(results), flush=True)
        app.quit()

    poll = QTimer()
    poll.setInterval(2)
    poll.timeout.connect(check)
    poll.start()
    run_app([])


def wait(until: Any, seconds: float = 10.0) -> None:
    from PySide6.QtCore import QCoreApplication

    end = time.perf_counter() + seconds
    while not until():
        if time.perf_counter() > end:
            raise TimeoutError("gave up waiting")
        QCoreApplication.processEvents()


class Stopwatch:
    """Wall and CPU time (all threads of the process) of each timed step, in ms."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}

    def __call__(self, name: str, step: Any) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        self.times.setdefault(name, []).append((time.perf_counter() - wall) * 1000)
        self.times.setdefault(f"{name}_cpu", []).append((time.process_time() - cpu) * 1000)


def measure(view: Any) -> dict[str, list[float]]:
    """Folder switches, jumps in the list, opening cached messages and searches, each timed until painted."""
    timed = Stopwatch()

    def switch(name: str) -> None:
        view.folders.select(EMAIL, name)
        wait(lambda: view.current is not None and view.current.folder.name == name and view.model.rowCount() > 0)
        view.list.viewport().repaint()

    def scroll(row: int) -> None:
        view.list.scrollTo(view.list.model().index(row, 2))
        view.list.viewport().repaint()

    def open_row(row: int) -> None:
        summary = view.model.summary(row)
        view.list.select_row(row)
        wait(lambda: view.reading_pane.summary == summary and view.reading_pane.rendered is not None)
        view.reading_pane.repaint()

    def search(text: str) -> None:
        view.search.blockSignals(True)  # run the search itself, without the typing delay
        view.search.setText(text)
        view.search.blockSignals(False)
        view.run_search()
        wait(lambda: not view.local_search.running)  # the search runs on a worker; its results replace the list
        view.list.viewport().repaint()

    for name in ["Archive", "INBOX"] * 3:
        timed("switch", lambda n=name: switch(n))
    for row in (view.model.rowCount() - 1, view.model.rowCount() // 2, 0):
        timed("scroll", lambda r=row: scroll(r))
    for row in range(1, 11):
        timed("open", lambda r=row: open_row(r))
    for text in SEARCHES:
        timed("search", lambda t=text: search(t))
    return timed.times


# -- the parent ----------------------------------------------------------------------------------------


def run_child(home: Path) -> dict[str, Any]:
    env = dict(os.environ, DESKMAIL_HOME=str(home), QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    env["DESKMAIL_DNS_SERVER"] = "127.0.0.1"  # belt and braces: no name is ever looked up outside
    env.pop("DISPLAY", None)
    env["BENCH_T0"] = repr(time.time())
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            result: dict[str, Any] = json.loads(line[6:])
            return result
    raise RuntimeError(f"child failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def cpu(values: list[float]) -> str:
    return f"  {statistics.median(values):>8.1f} ms"


def row(name: str, values: list[float], unit: str = "ms") -> str:
    target = TARGETS_MS.get(name)
    worst = max(values)
    verdict = "" if target is None else ("ok" if statistics.median(values) < target else "MISSED")
    target_text = f"< {target:.0f}" if target is not None else ""
    return (
        f"{name:<8} {statistics.median(values):>9.1f} {min(values):>9.1f} {worst:>9.1f} {unit:<4} "
        f"{target_text:>7} {verdict:<6}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="app starts (each measures everything)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
        return 0
    # Installed Deskmail has its bytecode compiled (pip, the bundle); a checkout run with
    # PYTHONDONTWRITEBYTECODE would compile ~100 modules on every start (+0.4 s) and measure that instead.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "deskmail")], check=True)
    with tempfile.TemporaryDirectory(prefix="deskmail-bench-ui-") as tmp:
        home = Path(tmp)
        made = make_store(home, args.messages)
        print(f"store: {args.messages:,} messages written in {made['seconds']:.1f} s ({made['bytes'] / 1e6:.0f} MB)")
        runs = [run_child(home) for _ in range(args.runs)]
    errors = [r["error"] for r in runs if "error" in r]
    if errors:
        print("errors:", *errors, sep="\n  ")
    print(f"\n{'':<8} {'median':>9} {'min':>9} {'max':>9} {'':<4} {'target':>7}  {'CPU median':>10}")
    print(row("start", [r["start"] for r in runs]) + cpu([r["start_cpu"] for r in runs]))
    gui = statistics.median(r["start_gui_cpu"] for r in runs)
    print(f"{'':<8} {'':>9} {'':>9} {'':>9} {'':<4} {'':>7} {'':<6}  {gui:>8.1f} ms  (GUI thread only)")
    for name in ("switch", "scroll", "open", "search"):
        print(row(name, [v for r in runs for v in r.get(name, [])]) + cpu([v for r in runs for v in r[f"{name}_cpu"]]))
    print(row("rss", [r["rss_mb"] for r in runs], "MB"))
    python = sys.version.split()[0]
    print(f"\n{args.runs} app starts; switch/scroll/open/search: every timing of every run (Python {python})")
    load = os.getloadavg()[0]
    print(f"CPU: what the process computed (all threads); wall time also waits for a free core (load {load:.1f})")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
