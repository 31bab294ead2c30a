"""Who cannot be reached: this computer (no network at all) or one provider's server. Plain logic, no Qt.

The platform's own answer (Qt's QNetworkInformation, asked by the UI) wins when it has one;
without it the failure itself tells: no route to any network, or name lookups that fail
(DNS timeouts, "network is unreachable") mean this computer is offline; a server that refuses,
times out or drops the connection means only that provider cannot be reached.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.i18n import _
from deskmail.engine.accounts import Account
from deskmail.engine.failures import settings_wrong

# Kinds of failure that mean "cannot reach the server right now", shown as the offline bar.
OFFLINE_KINDS = frozenset(
    {
        ErrorKind.OFFLINE,
        ErrorKind.CONNECT_REFUSED,
        ErrorKind.TIMEOUT,
        ErrorKind.HOST_NOT_FOUND,
        ErrorKind.CONNECTION_LOST,
    }
)
NetworkUp = Callable[[], bool | None]  # the platform's answer: True up, False down, None does not know
_NO_NETWORK = re.compile(
    r"network is (unreachable|down)|no route to host|DNS (timeout|error)|temporary failure in name resolution"
    r"|errno (101|100|113|-3)\b",
    re.IGNORECASE,
)


def waits_for_connection(error: object) -> bool:
    """The failure is a connection that cannot be made right now (what waits will go by itself later)."""
    # Unless the failure itself proves a setting wrong (another mail port answers, TLS on a plain port...).
    return isinstance(error, UserFacingError) and error.kind in OFFLINE_KINDS and not settings_wrong(error)


def computer_offline(error: object, network_up: NetworkUp | None = None) -> bool:
    """True: this computer has no network; False: only the provider's server cannot be reached."""
    platform = network_up() if network_up is not None else None
    if platform is not None:
        return not platform
    if not isinstance(error, UserFacingError):
        return False
    if "reach" in error.data:
        return bool(error.data["reach"] == "network")
    return error.kind is ErrorKind.OFFLINE and bool(_NO_NETWORK.search(f"{error.details} {error.message}"))


def provider_name(account: Account | None) -> str:
    """The provider as people know it: its name, else the domain of the address (example.com)."""
    if account is None:
        return _("Your mail provider")
    return account.provider.name or account.email.rpartition("@")[2] or _("Your mail provider")


def offline_texts(no_network: bool, provider: str) -> tuple[str, str]:
    """(the bar's sentence, the status bar's words) for being cut off."""
    if no_network:
        return (
            _(
                "This computer is offline. You can still read your mail; what you send or change goes out "
                "when it is back online."
            ),
            _("This computer is offline"),
        )
    return (
        _(
            "{provider} cannot be reached right now. You can still read your mail; what you send or change "
            "goes out when it can be reached again. Deskmail keeps trying."
        ).format(provider=provider),
        _("{provider} cannot be reached right now").format(provider=provider),
    )


def queued_text(provider: str) -> str:
    """What a person reads when Send found the server unreachable: it is safe in the Outbox."""
    return _("Your message is in the Outbox. It will be sent when {provider} can be reached again.").format(
        provider=provider
    )
