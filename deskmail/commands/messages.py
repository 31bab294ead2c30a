"""`deskmail messages`: not built yet."""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    print("deskmail messages is not available yet.", file=sys.stderr)
    return 2
