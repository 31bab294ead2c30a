"""Parse + render time of every corpus message (what opening a message in the reading pane costs).

Run from the repo root: /work/venv/bin/python -m bench.mime
"""

from __future__ import annotations

import statistics
import time

from deskmail.engine.mime import parse_message, render_message
from tests.integration.test_mime_corpus import MESSAGES, corpus_messages


def main() -> None:
    if not MESSAGES.is_dir():
        raise SystemExit(f"corpus not found at {MESSAGES}")
    parse_ms: list[float] = []
    render_ms: list[tuple[float, str]] = []
    total_bytes = 0
    for name, raw in corpus_messages():
        total_bytes += len(raw)
        start = time.perf_counter()
        parsed = parse_message(raw)
        parsed_at = time.perf_counter()
        render_message(parsed)
        done = time.perf_counter()
        parse_ms.append((parsed_at - start) * 1000)
        render_ms.append(((done - start) * 1000, name))
    totals = sorted(ms for ms, _ in render_ms)
    slowest = max(render_ms)
    print(f"messages: {len(totals)}  bytes: {total_bytes / 1e6:.1f} MB")
    print(f"parse ms: median {statistics.median(parse_ms):.2f}  max {max(parse_ms):.1f}")
    print(f"parse+render ms: median {statistics.median(totals):.2f}  p95 {totals[int(len(totals) * 0.95)]:.1f}"
          f"  max {slowest[0]:.1f} ({slowest[1]})")  # fmt: skip
    print(f"whole corpus: {sum(totals) / 1000:.2f} s")


if __name__ == "__main__":
    main()
