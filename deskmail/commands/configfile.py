"""Read the settings file of `deskmail check` / `account add`: a `discover --json` document or one candidate."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deskmail.core.i18n import _
from deskmail.core.serverconfig import Candidate, CertificatePin, ConnectionPolicy

MAX_CONFIG_BYTES = 1_000_000


class ConfigFileError(Exception):
    """The settings file cannot be used; the message says why in plain words."""


@dataclass
class ConfigFile:
    """The first usable candidate, the address it is for (if the file says) and any accepted risks."""

    candidate: Candidate
    email: str
    policy: ConnectionPolicy


def read_config_file(path: str) -> ConfigFile:
    """Parse FILE ("-" is standard input) into a candidate; ConfigFileError on anything unusable."""
    try:
        text = sys.stdin.read(MAX_CONFIG_BYTES) if path == "-" else _read_capped(Path(path))
        data = json.loads(text)
    except OSError as exc:
        raise ConfigFileError(_("Cannot read {path}: {error}").format(path=path, error=exc.strerror or exc)) from None
    except ValueError:
        raise ConfigFileError(
            _("{path} is not a JSON document (expected `deskmail discover --json` output).").format(path=path)
        ) from None
    return parse_config_document(data, source=path)


def parse_config_document(data: Any, source: str = "") -> ConfigFile:
    """`source` names the file in messages (a path); empty: the words "the settings file"."""
    if not isinstance(data, dict):
        if source:
            raise ConfigFileError(_("{source} must hold one JSON object.").format(source=source))
        raise ConfigFileError(_("The settings file must hold one JSON object."))
    email = str(data.get("email", ""))
    item: Any = data
    if "candidates" in data:
        candidates = data.get("candidates") or []
        if not candidates:
            if source:
                raise ConfigFileError(
                    _("{source} has no settings to use (discovery found none).").format(source=source)
                )
            raise ConfigFileError(_("The settings file has no settings to use (discovery found none)."))
        item = candidates[0]
    if not isinstance(item, dict):
        if source:
            raise ConfigFileError(_("The settings in {source} are not a JSON object.").format(source=source))
        raise ConfigFileError(_("The settings in the settings file are not a JSON object."))
    try:
        candidate = Candidate.from_json(item)
    except (KeyError, ValueError, TypeError) as exc:
        if source:
            text = _("The settings in {source} are incomplete or invalid ({error}).")
        else:
            text = _("The settings in the settings file are incomplete or invalid ({error}).")
        raise ConfigFileError(text.format(source=source, error=exc)) from None
    email = email or str(item.get("email", "")) or _address_from_username(candidate)
    return ConfigFile(candidate, email, _policy(data.get("policy") or item.get("policy") or {}))


def _read_capped(path: Path) -> str:
    with path.open("rb") as handle:
        raw = handle.read(MAX_CONFIG_BYTES + 1)
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigFileError(_("{path} is too large to be a settings file.").format(path=path))
    return raw.decode("utf-8")


def _address_from_username(candidate: Candidate) -> str:
    username = candidate.incoming.username
    return username if "@" in username else ""


def _policy(data: Any) -> ConnectionPolicy:
    if not isinstance(data, dict):
        return ConnectionPolicy()
    pins = tuple(CertificatePin.from_json(p) for p in data.get("pins", []) if isinstance(p, dict))
    return ConnectionPolicy(pins=pins, allow_plaintext=bool(data.get("allow_plaintext", False)))
