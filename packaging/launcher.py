"""Entry script for the PyInstaller bundle: the same as `python -m deskmail`."""

from deskmail.cli import console

if __name__ == "__main__":
    console()
