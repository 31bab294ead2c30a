"""Connection checks: prove TLS and login for an account's IMAP and SMTP servers (no Qt)."""

from deskmail.engine.validate.checks import check_account, check_server
from deskmail.engine.validate.report import CheckReport, ServerCheck
from deskmail.engine.validate.usernames import username_candidates

__all__ = ["CheckReport", "ServerCheck", "check_account", "check_server", "username_candidates"]
