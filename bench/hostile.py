"""Benchmark: time and peak RSS of a sync (or check) against each scripted hostile server scenario.

Starts the test bed (test CA, DNS; tests/servers/) and the hostile IMAP and SMTP servers of
tests/servers/hostile.py on one loopback address, then runs every scenario in a fresh child process
(tests/servers/hostile_child.py) so each peak RSS is that run's own. The "good" rows are the lower
bound measured in the same run: the same sync or check against the same server behaving.

    python bench/hostile.py                  # the real limits (a trickling server takes COMMAND_DEADLINE)
    python bench/hostile.py --deadline 5     # COMMAND_DEADLINE and IDLE_TIMEOUT shrunk to 5 s
    python bench/hostile.py --only flood huge_body
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.servers.bed import Testbed  # noqa: E402
from tests.servers.hostile import BAD, IMAP_SCENARIOS, SMTP_SCENARIOS, hostile_servers  # noqa: E402
from tests.servers.hostile_child import check_spec, spawn  # noqa: E402


def child(bed: Testbed, spec: dict[str, Any]) -> dict[str, Any]:
    try:
        return spawn({"ca": str(bed.ca_path), **spec}, bed.env, timeout=1200)
    except AssertionError as exc:  # the child crashed: that is a result too
        return {"wall": 0.0, "peak_rss_mb": 0.0, "outcome": "CRASH " + str(exc)[-300:]}


def sync_outcome(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"sync stopped: {result['error']['kind']}"
    bad = next((f for f in result["folders"] if f["name"] == BAD), None)
    others = [f for f in result["folders"] if f["name"] != BAD]
    text = f"{BAD}: " + (
        f"skipped ({bad['error'][:40]}...)" if bad and bad["error"] else f"{bad and bad['added']} added"
    )
    if bad and bad["skipped"]:
        text += f", {bad['skipped']} message skipped"
    return text + f"; others: {sum(f['added'] for f in others)} added"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deadline", type=float, default=0.0, help="shrink COMMAND_DEADLINE and IDLE_TIMEOUT")
    parser.add_argument("--only", nargs="*", default=[], help="scenario names")
    args = parser.parse_args()
    limits = {"COMMAND_DEADLINE": args.deadline, "IDLE_TIMEOUT": args.deadline} if args.deadline else {}
    bed = Testbed()
    rows: list[tuple[str, float, float, str]] = []
    try:
        with hostile_servers(
            bed.block.allocate, bed.block.release, lambda ip: bed.certs.issue(ip).server_context()
        ) as (imap, smtp):
            for scenario in IMAP_SCENARIOS:
                if args.only and scenario not in args.only and scenario != "good":
                    continue
                home = tempfile.mkdtemp(prefix="deskmail-bench-hostile-")
                imap.scenario = scenario
                out = child(bed, {"ip": imap.ip, "home": home, "action": "sync", "limits": limits})
                outcome = sync_outcome(out["result"]) if "result" in out else out["outcome"]
                rows.append((f"imap {scenario}", out["wall"], out["peak_rss_mb"], outcome))
                if scenario == "huge_body":
                    opened = child(bed, {"ip": imap.ip, "home": home, "action": "open_last", "limits": limits})
                    result = opened.get("result", {})
                    where = "to a file" if result.get("in_file") else str(result)
                    size = result.get("size", 0) / 2**20
                    rows.append(
                        ("imap huge_body: open it", opened["wall"], opened["peak_rss_mb"], f"{size:.0f} MB {where}")
                    )
            imap.scenario = "good"
            for scenario in SMTP_SCENARIOS:
                if args.only and scenario not in args.only and scenario != "good":
                    continue
                smtp.scenario = scenario
                rows.append(check_row(bed, smtp.ip, scenario, limits))
    finally:
        bed.stop()
    print(f"{'scenario':28} {'seconds':>8} {'peak RSS MB':>12}  outcome")
    for name, seconds, rss, outcome in rows:
        print(f"{name:28} {seconds:8.2f} {rss:12.1f}  {outcome}")


def check_row(bed: Testbed, ip: str, scenario: str, limits: dict[str, float]) -> tuple[str, float, float, str]:
    """`deskmail check --json` against the SMTP scenario (IMAP side good)."""
    home = Path(tempfile.mkdtemp(prefix="deskmail-bench-hostile-"))
    out = child(bed, {**check_spec(ip, home), "limits": limits})
    if "result" not in out:
        return (f"smtp {scenario} (check)", out["wall"], out["peak_rss_mb"], out["outcome"])
    outgoing = json.loads(out["result"])["outgoing"]
    outcome = "ok" if outgoing["ok"] else f"{outgoing['error']['kind']}: {outgoing['error']['message'][:60]}..."
    return (f"smtp {scenario} (check)", out["wall"], out["peak_rss_mb"], outcome)


if __name__ == "__main__":
    main()
