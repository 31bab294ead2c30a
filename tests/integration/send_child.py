"""A child process that sends the outbox and kills itself with SIGKILL at a chosen checkpoint."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from tests.integration.send_helpers import make_sender


def main() -> None:
    store_file, ip, ca_path, user, crash_at = sys.argv[1:6]
    password = os.environ["SEND_CHILD_PASSWORD"]

    def checkpoint(name: str) -> None:
        if name == crash_at:
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no atexit: like a power cut of the app

    make_sender(Path(store_file), ip, Path(ca_path), user, password, checkpoint).send_pending()


if __name__ == "__main__":
    main()
