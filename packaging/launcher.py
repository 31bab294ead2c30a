"""Entry script for the PyInstaller bundle: the same as `python -m deskmail`."""

import sys

from deskmail.cli import main

if __name__ == "__main__":
    sys.exit(main())
