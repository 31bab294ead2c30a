"""Canned answers shaped like discovery and check results: for the wizard gallery and its tests. No network."""

from __future__ import annotations

from dataclasses import dataclass, field

from deskmail.core.errors import UserFacingError
from deskmail.core.serverconfig import Candidate


@dataclass
class CannedDiscovery:
    """What `discover` answers (a DiscoveryLike): an outcome, candidates best first, plain words."""

    outcome: str = "found"
    candidates: list[Candidate] = field(default_factory=list)
    message: str = ""


@dataclass
class CannedServerCheck:
    """One server's check: ok, or the error a person can act on; the user name that worked."""

    ok: bool = True
    error: UserFacingError | None = None
    username: str = ""


@dataclass
class CannedReport:
    """What `check` answers (a CheckReportLike): both servers."""

    incoming: CannedServerCheck = field(default_factory=CannedServerCheck)
    outgoing: CannedServerCheck = field(default_factory=CannedServerCheck)

    @property
    def ok(self) -> bool:
        return self.incoming.ok and self.outgoing.ok
