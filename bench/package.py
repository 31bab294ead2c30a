"""Benchmark of the Linux package: build time, sizes, and start of the installed app to its window.

    sudo .venv/bin/python bench/package.py [--starts 5] [--deb build/deskmail_X_amd64.deb] [--cold]

Builds the .deb (packaging/build-linux) unless --deb is given, then runs packaging/test-install
(install, start from the desktop file under Xvfb N times, uninstall) and prints the numbers.
--cold empties the page cache before every start (as after a reboot; needs root, slows the
whole machine for a moment). Targets: installed < 150 MB, window < 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MiB = 1024 * 1024


def build() -> tuple[Path, float]:
    """Build the .deb; returns its path and the seconds it took."""
    started = time.monotonic()
    env = {**os.environ, "PYTHON": os.environ.get("PYTHON", sys.executable)}
    out = subprocess.run([str(ROOT / "packaging" / "build-linux")], env=env, check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[-1]), time.monotonic() - started


def install_test(deb: Path, starts: int, cold: bool) -> dict[str, object]:
    """Run the install test and return its results.json."""
    env = {**os.environ, "DESKMAIL_COLD_START": "1" if cold else "0"}
    subprocess.run([str(ROOT / "packaging" / "test-install"), "--starts", str(starts), str(deb)], env=env, check=True)
    results: dict[str, object] = json.loads((ROOT / "build" / "install-test" / "results.json").read_text())
    return results


def bundle_mib() -> float:
    """Size of the PyInstaller folder, counting symlinked libraries once."""
    bundle = ROOT / "build" / "dist" / "deskmail"
    return sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()) / MiB


def main() -> int:
    parser = argparse.ArgumentParser(description="Deskmail package benchmark")
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--deb", type=Path, help="an already built .deb (skips the build)")
    parser.add_argument("--cold", action="store_true", help="drop the page cache before each start")
    args = parser.parse_args()
    build_seconds: float | None = None
    if args.deb:
        deb = args.deb.resolve()
    else:
        deb, build_seconds = build()
    results = install_test(deb, args.starts, args.cold)
    seconds = [float(s) for s in results["seconds_to_window"]]  # type: ignore[attr-defined]
    cpu = [float(s) for s in results["cpu_seconds_to_window"]]  # type: ignore[attr-defined]
    installed_mib = float(results["installed_kib"]) / 1024  # type: ignore[arg-type]
    kind = "cold" if args.cold else "warm"
    print("build time (icons + PyInstaller + dpkg-deb): " + (f"{build_seconds:.1f} s" if build_seconds else "skipped"))
    print(f"bundle (build/dist/deskmail):               {bundle_mib():.1f} MiB")
    print(f"installed size (dpkg Installed-Size):       {installed_mib:.1f} MiB (target < 150 MB)")
    print(f".deb size (zstd):                           {deb.stat().st_size / MiB:.1f} MiB")
    print(
        f"start to window ({kind}, {len(seconds)} runs):     first {seconds[0]:.2f} s, "
        f"median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s (target < 2 s)"
    )
    print(f"CPU time of the app until its window:      median {statistics.median(cpu):.2f} s")
    print(f"load average during the run:                {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
