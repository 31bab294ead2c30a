"""Benchmark: the full-text index built behind the header sync, in one process (no server).

For N generated headers (bench/mailgen's names and words), stored in batches as a first sync
stores them, on a fresh store each time:

  inline       every batch indexed in its own transaction, as Store.add_messages did before
               (its old INSERT ... SELECT into message_search, run beside it in the same transaction)
  background   Store.add_messages as it is now (the sync's cost), then the idle-time work:
               Store.index_backlog until it returns 0
  search       StoreReader.search for a word, newest first, limit 500 (what the window asks):
               with every row in the backlog (scanned one by one), then from the index
  stall        the longest the UI thread's event loop went without running (a 2 ms timer's
               longest gap) while the window searches for a word with every row in the backlog:
               the search run on the UI thread, as MailView.run_search did before, and on a
               worker through qtbridge.search.LocalSearch, as now (STALL_RUNS searches a repeat);
               baseline: the same timer for as long with nothing running (what the machine's
               other load alone costs the event loop)

    python bench/search_index.py --sizes 25000 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from mailgen import NAMES, WORDS  # noqa: E402
from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer  # noqa: E402

from deskmail.engine.store import FolderInfo, MessageHeaders, SpecialUse, Store, StoreReader  # noqa: E402
from deskmail.qtbridge.search import LocalSearch  # noqa: E402
from deskmail.qtbridge.tasks import TaskRunner  # noqa: E402

OLD_INDEX_NEW = (  # the statement Store.add_messages ran before the index moved behind the sync
    "INSERT INTO message_search (rowid, subject, people, body) SELECT id, subject, "
    "from_name || ' ' || from_addr || ' ' || to_addrs || ' ' || cc_addrs, '' FROM messages WHERE id > ?"
)
BATCH = 2000  # headers per commit, about what a first sync commits at once
QUERIES = ("budget", "grün", "emile zola", "nothing")
STALL_QUERY = "budget"
STALL_RUNS = 5
TICK_MS = 2


def headers(count: int) -> list[MessageHeaders]:
    rng = random.Random(1)
    rows = []
    for uid in range(1, count + 1):
        name = rng.choice(NAMES)
        local = name.split()[0].lower().encode("ascii", "ignore").decode() or "x"
        subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 7)))
        rows.append(
            MessageHeaders(
                uid=uid, flags=("\\Seen",), subject=("Grüße " + subject) if uid % 7 == 0 else subject,
                from_name=name, from_addr=f"{local}@example.test", to_addrs="Alice <alice@example.test>",
                date=1_600_000_000 + uid * 60, internaldate=1_600_000_000 + uid * 60, size=4000,
                message_id=f"<m{uid}@gen.test>", people=[(name, f"{local}@example.test")],
            )
        )  # fmt: skip
    return rows


def fresh(directory: Path, name: str) -> tuple[Store, int]:
    store = Store.open(directory / name / "store.sqlite3")
    return store, store.upsert_folder(FolderInfo("INBOX", special_use=SpecialUse.INBOX)).id


def timed(work: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    work(*args)
    return time.perf_counter() - started


def store_inline(store: Store, folder: int, rows: list[MessageHeaders]) -> None:
    """As the old add_messages: the new rows indexed by one INSERT ... SELECT in the same transaction."""
    for start in range(0, len(rows), BATCH):
        with store.transaction():
            before = store.conn.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]
            store.add_messages(folder, rows[start : start + BATCH])
            store.conn.execute(OLD_INDEX_NEW, (before,))
            store.conn.execute("UPDATE search_state SET indexed_to = (SELECT max(id) FROM messages)")


def store_only(store: Store, folder: int, rows: list[MessageHeaders]) -> None:
    for start in range(0, len(rows), BATCH):
        store.add_messages(folder, rows[start : start + BATCH])


def catch_up(store: Store) -> None:
    while store.index_backlog():
        pass


def search(reader: StoreReader, query: str) -> None:
    reader.search(query, limit=500, newest_first=True)


def longest_stall(start: Callable[[Callable[[], None]], None]) -> float:
    """The longest gap between two ticks of a TICK_MS timer, from `start(done)` until `done()` is called."""
    ticks = [time.perf_counter()]
    timer = QTimer(interval=TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    loop = QEventLoop()
    timer.start()
    QTimer.singleShot(TICK_MS * 5, lambda: start(loop.quit))  # a few ticks first, as in a running window
    loop.exec()
    ticks.append(time.perf_counter())
    timer.stop()
    return max(b - a for a, b in itertools.pairwise(ticks))


def stall_on_ui_thread(reader: StoreReader) -> float:
    """As MailView.run_search did: the window's own reader searched on the window's thread."""

    def start(done: Callable[[], None]) -> None:
        search(reader, STALL_QUERY)
        done()

    return longest_stall(start)


def stall_on_worker(path: Path) -> float:
    """As MailView.run_search does now: LocalSearch on the runner's pool, its results as a signal."""
    runner = TaskRunner()
    local = LocalSearch(runner)

    def start(done: Callable[[], None]) -> None:
        local.found.connect(lambda _text, _found: done())
        local.start(STALL_QUERY, [("bench", path)])

    try:
        return longest_stall(start)
    finally:
        runner.shutdown()


def stall_idle(seconds: float) -> float:
    """The same timer with nothing to wait for, for `seconds`: the machine's own noise."""
    return longest_stall(lambda done: QTimer.singleShot(int(seconds * 1000), done))


def run(size: int, repeat: int, directory: Path) -> dict[str, float]:
    rows = headers(size)
    best: dict[str, float] = {}
    stalls: dict[str, list[float]] = {"before": [], "now": [], "idle": []}

    def keep(key: str, seconds: float) -> None:
        best[key] = min(best.get(key, seconds), seconds)

    for turn in range(repeat):
        store, folder = fresh(directory, f"inline-{size}-{turn}")
        keep("inline", timed(store_inline, store, folder, rows))
        store.close()
        store, folder = fresh(directory, f"background-{size}-{turn}")
        keep("background", timed(store_only, store, folder, rows))
        reader = store.reader()
        for query in QUERIES:
            keep(f"backlog {query}", timed(search, reader, query))
        stalls["before"].append(stall_on_ui_thread(reader))
        for _run in range(STALL_RUNS):
            stalls["now"].append(stall_on_worker(store.path))
            stalls["idle"].append(stall_idle(best[f"backlog {STALL_QUERY}"]))
        keep("index", timed(catch_up, store))
        for query in QUERIES:
            keep(f"indexed {query}", timed(search, reader, query))
        reader.close()
        store.close()
    for key, values in stalls.items():  # stalls: the worst and the median of every run, not the best
        best[f"stall {key}"], best[f"stall {key} median"] = max(values), statistics.median(values)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    app = QCoreApplication.instance() or QCoreApplication([])  # the stall figures run an event loop
    with tempfile.TemporaryDirectory(prefix="deskmail-bench-fts-") as tmp:
        results = {size: run(size, args.repeat, Path(tmp)) for size in args.sizes}
    sizes = args.sizes
    print("| figure | " + " | ".join(f"{s:,}" for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))

    def line(label: str, key: str, unit: float = 1.0, suffix: str = " s") -> None:
        cells = [f"{results[s][key] * unit:.{0 if unit > 1 else 2}f}{suffix}" for s in sizes]
        print(f"| {label} | " + " | ".join(cells) + " |")

    line("headers stored, each batch indexed inline (as before)", "inline")
    line("headers stored, index left for later (now: the sync's cost)", "background")
    line("... then the backlog indexed in idle time", "index")
    for query in QUERIES:
        line(f"search '{query}' with every row in the backlog", f"backlog {query}", 1000, " ms")
        line(f"search '{query}' from the index", f"indexed {query}", 1000, " ms")
    stall = f"longest UI-thread stall while searching '{STALL_QUERY}' over the backlog"
    for key, label in (("before", "on the UI thread (before)"), ("now", "on a worker (now)")):
        line(f"{stall}, {label}: worst", f"stall {key}", 1000, " ms")
        line(f"{stall}, {label}: median", f"stall {key} median", 1000, " ms")
    line(f"baseline: the same {TICK_MS} ms timer, nothing running, as long: worst", "stall idle", 1000, " ms")
    line("baseline: median", "stall idle median", 1000, " ms")
    runs = f"times: minimum of {args.repeat}; stalls: of {args.repeat} x {STALL_RUNS} searches"
    print(f"({runs}; batches of {BATCH:,} headers, one commit each)")
    del app


if __name__ == "__main__":
    main()
