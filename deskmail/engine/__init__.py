"""The mail engine: connection checks, accounts, secrets, store, IMAP sync, SMTP, MIME. No Qt."""
