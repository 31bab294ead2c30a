"""Where Deskmail keeps settings, data and logs: the platform's standard places,
or everything under DESKMAIL_HOME when it is set."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

from deskmail import APP_NAME
from deskmail.core.settings import Settings


@dataclass(frozen=True)
class Paths:
    config: Path
    data: Path
    logs: Path
    cache: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> Paths:
        if settings.home is not None:
            home = settings.home
            return cls(home / "config", home / "data", home / "logs", home / "cache")
        dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
        return cls(
            Path(dirs.user_config_dir),
            Path(dirs.user_data_dir),
            Path(dirs.user_log_dir),
            Path(dirs.user_cache_dir),
        )

    def ensure(self) -> Paths:
        for path in (self.config, self.data, self.logs, self.cache):
            path.mkdir(parents=True, exist_ok=True)
        return self
