"""The mail engine: connection checks, accounts, secrets, store, IMAP sync, SMTP, MIME. No Qt."""

from deskmail.engine import imapclient_version

imapclient_version.install()  # before any module here imports imapclient
