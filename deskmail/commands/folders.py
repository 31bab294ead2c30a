"""`deskmail folders`: not built yet."""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    print("deskmail folders is not available yet.", file=sys.stderr)
    return 2
