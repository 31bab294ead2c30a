"""Registered domains ("example.co.uk" for "mx1.mail.example.co.uk") via the Public Suffix List."""

from __future__ import annotations

import functools
import logging
import threading

from publicsuffixlist import PublicSuffixList

log = logging.getLogger(__name__)
_lock = threading.Lock()


@functools.cache
def _psl() -> PublicSuffixList:
    # Loading the list takes about 0.2 s: done once, on first use, guarded for threads.
    with _lock:
        try:
            return PublicSuffixList(accept_unknown=False)
        except OSError:
            # A broken install (e.g. a bundle without the data file): degrade to "last two labels".
            log.warning("Public Suffix List missing; registered domains are approximated", exc_info=True)
            return PublicSuffixList(source="", accept_unknown=False)


def registered_domain(host: str) -> str:
    """The domain someone registered for `host`; for unknown top-level domains, the last two labels."""
    host = host.lower().rstrip(".")
    found = _psl().privatesuffix(host)
    if found:
        return str(found)
    labels = host.split(".")
    return ".".join(labels[-2:])


def is_known_tld(tld: str) -> bool:
    """True if `tld` is a top-level domain in the Public Suffix List ("com", "de"; not "cim")."""
    return _psl().publicsuffix("example." + tld.lower()) is not None


def inside(host: str, domain: str) -> bool:
    """True if `host` is `domain` or a name below it."""
    host, domain = host.lower().rstrip("."), domain.lower().rstrip(".")
    return host == domain or host.endswith("." + domain)


def same_registered_domain(host: str, domain: str) -> bool:
    """True if `host` belongs to the same registered domain as `domain`."""
    return registered_domain(host) == registered_domain(domain)


def preload() -> None:
    """Load the list ahead of time (e.g. on a worker thread while the user is typing)."""
    _psl()
