"""`deskmail sync`: not built yet."""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    print("deskmail sync is not available yet.", file=sys.stderr)
    return 2
