"""The platform's own word on the network (Qt's QNetworkInformation), where it has a backend.

Used to tell "this computer is offline" from "the provider cannot be reached", to check for mail
at once when the network comes back, and to hold back downloads for offline reading on a
metered connection. Without a backend (or on a platform that does not know) every answer is None
and the failures themselves decide.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject

log = logging.getLogger(__name__)


class PlatformNetwork(QObject):
    """Reachability and metering as the operating system reports them; None: it does not know."""

    def __init__(self, on_back: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.info = None
        try:
            from PySide6.QtNetwork import QNetworkInformation

            if QNetworkInformation.instance() is None:
                QNetworkInformation.loadBackendByFeatures(QNetworkInformation.Feature.Reachability)
            self.info = QNetworkInformation.instance()
        except (ImportError, RuntimeError) as exc:
            log.info("no network information from the platform: %s", exc)
        if self.info is not None:
            self._online = QNetworkInformation.Reachability.Online
            self._disconnected = QNetworkInformation.Reachability.Disconnected
            self.info.reachabilityChanged.connect(lambda r: on_back() if r == self._online else None)

    def up(self) -> bool | None:
        """True: online; False: no network at all; None: the platform does not say."""
        if self.info is None:
            return None
        reachability = self.info.reachability()
        if reachability == self._disconnected:
            return False
        return True if reachability == self._online else None

    def metered(self) -> bool:
        return bool(self.info is not None and self.info.isMetered())
