"""Logging setup: a rotating file in the user log directory, secrets always masked."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from deskmail.core.redact import RedactingFilter

LOG_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


def setup_file_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Log to `deskmail.log` (1 MB x 5 files) with every registered secret masked."""
    import logging.handlers  # the window's file log only: command-line runs log to stderr

    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "deskmail.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or level, level) if root.handlers[:-1] else level)
    return path


def setup_cli_logging() -> None:
    """Command-line runs log warnings to stderr (DESKMAIL_DEBUG=1 for everything)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if os.environ.get("DESKMAIL_DEBUG") else logging.WARNING)
