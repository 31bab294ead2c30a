"""Stand-ins for discovery, checks and saving: the wizard's logic is pure, so these are plain data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.errors import ErrorKind, Field, UserFacingError
from deskmail.core.serverconfig import Candidate, ConnectionPolicy, Protocol, Provider, Security, ServerConfig
from deskmail.engine.accounts import Account
from deskmail.wizard.canned import CannedDiscovery, CannedReport, CannedServerCheck
from deskmail.wizard.draft import Progress, Services
from deskmail.wizard.machine import WizardMachine

EMAIL = "anna@example.test"
PASSWORD = "anna's secret"


def candidate(
    source: str = "autoconfig",
    trusted: bool = True,
    security: Security = Security.SSL,
    url: str = "https://autoconfig.example.test/mail/config-v1.1.xml",
    **extra: object,
) -> Candidate:
    port_in = {Security.SSL: 993, Security.STARTTLS: 143, Security.PLAIN: 143}[security]
    port_out = {Security.SSL: 465, Security.STARTTLS: 587, Security.PLAIN: 587}[security]
    return Candidate(
        source=source,
        url=url,
        trusted=trusted,
        trust_reason="test",
        provider=Provider("example", "Example Mail"),
        incoming=ServerConfig(Protocol.IMAP, "imap.example.test", port_in, security, EMAIL),
        outgoing=ServerConfig(Protocol.SMTP, "smtp.example.test", port_out, security, EMAIL),
        help_urls=["https://example.test/help"],
        enable_url=str(extra.pop("enable_url", "")),
        extra=dict(extra),
    )


def found(*candidates: Candidate) -> CannedDiscovery:
    """Discovery found `candidates` (by default one trusted autoconfig candidate)."""
    return CannedDiscovery("found", list(candidates) or [candidate()])


def failing(kind: ErrorKind, side: str = "incoming", field_: Field = Field.NONE, **data: object) -> CannedReport:
    check = CannedServerCheck(False, UserFacingError(kind, f"server says {kind}", field=field_, data=dict(data)))
    return CannedReport(incoming=check) if side == "incoming" else CannedReport(outgoing=check)


@dataclass
class Bed:
    """Records every call the wizard makes and answers from queues the test fills."""

    discoveries: list[CannedDiscovery | BaseException] = field(default_factory=lambda: [found()])
    reports: list[CannedReport | BaseException] = field(default_factory=lambda: [CannedReport()])
    save_errors: list[BaseException] = field(default_factory=list)
    discover_calls: list[str] = field(default_factory=list)
    check_calls: list[tuple[Candidate, str, str, ConnectionPolicy]] = field(default_factory=list)
    saved: list[tuple[Account, str]] = field(default_factory=list)
    existing: set[str] = field(default_factory=set)

    def discover(self, email: str, cancel: CancelToken, progress: Progress) -> CannedDiscovery:
        self.discover_calls.append(email)
        progress(f"Asking {email.partition('@')[2]} for its settings…")
        answer = self.discoveries.pop(0) if len(self.discoveries) > 1 else self.discoveries[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def check(
        self,
        cand: Candidate,
        email: str,
        password: str,
        policy: ConnectionPolicy,
        cancel: CancelToken,
        progress: Progress,
    ) -> CannedReport:
        self.check_calls.append((cand, email, password, policy))
        progress("Checking incoming mail...")
        answer = self.reports.pop(0) if len(self.reports) > 1 else self.reports[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def save(self, account: Account, password: str, cancel: CancelToken) -> None:
        if self.save_errors:
            raise self.save_errors.pop(0)
        self.saved.append((account, password))

    def machine(self, typo: Callable[[str], str | None] = lambda _e: None) -> WizardMachine:
        return WizardMachine(
            Services(
                discover=self.discover,
                check=self.check,
                save=self.save,
                typo_hint=typo,
                account_exists=lambda email: email in self.existing,
            )
        )


def run_job(machine: WizardMachine) -> None:
    """Run the job the current page waits for, synchronously, as the UI's TaskRunner would."""
    job = machine.take_job()
    assert job is not None, f"no job waiting on {machine.step}"
    try:
        result = job.work(job.token, lambda value: machine.job_progress(job, value))
    except (UserFacingError, Cancelled, Exception) as exc:
        machine.job_failed(job, exc)
    else:
        machine.job_finished(job, result)


def run_all(machine: WizardMachine) -> None:
    while machine.busy:
        run_job(machine)
