"""The pages of the setup wizard and the buttons a person can press on them."""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    """Where the wizard is; each value is one page of the UI."""

    ACCOUNT = "account"  # name, address, password
    FINDING = "finding"  # discovery running, with progress and Cancel
    FOUND = "found"  # "We found your settings" (with "Please confirm" when not trusted)
    NOT_FOUND = "not_found"  # nothing found: type the settings in
    POP3_ONLY = "pop3_only"  # the provider offers only POP3 and no server to send mail was found
    POP3 = "pop3"  # POP3 settings: mail is downloaded to this computer; keep a copy on the server?
    OAUTH_ONLY = "oauth_only"  # the provider wants a browser sign-in or an app password
    SIGNING_IN = "signing_in"  # waiting for the person to sign in in the browser, with Cancel
    IMAP_DISABLED = "imap_disabled"  # IMAP must first be switched on in the webmail
    MANUAL = "manual"  # manual settings editor
    PLAINTEXT = "plaintext"  # scary confirmation before sending a password unencrypted
    CHECKING = "checking"  # IMAP and SMTP checks running
    PROBLEM = "problem"  # a check failed: what went wrong and what to do
    SAVING = "saving"  # settings to disk, password to the keyring
    NO_KEYRING = "no_keyring"  # no safe place for the password: offer "type it at every start"
    DONE = "done"


class Action(StrEnum):
    """What a person can choose on the Problem page and the special pages."""

    RETYPE_PASSWORD = "retype_password"
    OPEN_APP_PASSWORD_PAGE = "open_app_password_page"
    OPEN_ENABLE_PAGE = "open_enable_page"
    OPEN_HELP = "open_help"
    TRUST_CERTIFICATE = "trust_certificate"
    EDIT_SETTINGS = "edit_settings"
    ALLOW_PLAINTEXT = "allow_plaintext"
    TRY_AGAIN = "try_again"
    GO_BACK = "go_back"
    USE_SESSION_PASSWORD = "use_session_password"
    SIGN_IN_WITH_BROWSER = "sign_in_with_browser"  # offered only when a client id is configured


# Actions that only open a web page: the machine hands out the URL and stays where it is.
LINK_ACTIONS = frozenset({Action.OPEN_APP_PASSWORD_PAGE, Action.OPEN_ENABLE_PAGE, Action.OPEN_HELP})

# Discovery outcomes that have their own page; everything unknown counts as "not found".
OUTCOME_STEPS = {
    "pop3_only": Step.POP3_ONLY,
    "oauth_only": Step.OAUTH_ONLY,
    "imap_disabled": Step.IMAP_DISABLED,
}
SPECIAL_PAGE_ACTIONS = {
    Step.POP3_ONLY: (Action.EDIT_SETTINGS, Action.GO_BACK),
    Step.OAUTH_ONLY: (
        Action.SIGN_IN_WITH_BROWSER,
        Action.OPEN_APP_PASSWORD_PAGE,
        Action.RETYPE_PASSWORD,
        Action.GO_BACK,
    ),
    Step.IMAP_DISABLED: (Action.OPEN_ENABLE_PAGE, Action.TRY_AGAIN, Action.GO_BACK),
    Step.NOT_FOUND: (Action.EDIT_SETTINGS, Action.TRY_AGAIN, Action.GO_BACK),
    Step.NO_KEYRING: (Action.USE_SESSION_PASSWORD, Action.GO_BACK),
}
