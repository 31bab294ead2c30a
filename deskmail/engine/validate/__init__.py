"""Connection checks: prove TLS and login for an account's IMAP and SMTP servers (no Qt)."""

from deskmail.engine.validate.checks import check_account, check_imap, check_smtp
from deskmail.engine.validate.report import CheckReport, ServerCheck
from deskmail.engine.validate.usernames import username_candidates

__all__ = ["CheckReport", "ServerCheck", "check_account", "check_imap", "check_smtp", "username_candidates"]
