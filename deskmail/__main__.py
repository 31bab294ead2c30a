"""`python -m deskmail`: the same as the `deskmail` command."""

from deskmail.cli import console

console()
