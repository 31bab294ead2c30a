"""A real Secret Service (gnome-keyring) on a private D-Bus session, unlocked, for `keyring`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.servers import procs

KEYRING_PASSWORD = "deskmail-test-keyring"
# A session bus WITHOUT service activation: otherwise the first Secret Service call can make the
# bus start a second gnome-keyring (with the wrong environment) that races ours.
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>{address}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class KeyringService:
    """dbus-daemon + gnome-keyring-daemon; `.env` holds the variables that make `keyring` use them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.bus_path = directory / "bus"
        runtime = directory / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        (directory / "data").mkdir(exist_ok=True)
        self.env = {
            "DBUS_SESSION_BUS_ADDRESS": f"unix:path={self.bus_path}",
            "XDG_RUNTIME_DIR": str(runtime),
            "XDG_DATA_HOME": str(directory / "data"),
        }
        self._procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> KeyringService:
        dbus = procs.require_binary("dbus-daemon", "dbus")
        daemon = procs.require_binary("gnome-keyring-daemon", "gnome-keyring")
        bus_log = self.directory / "dbus.log"
        config = self.directory / "bus.conf"
        config.write_text(BUS_CONFIG.format(address=f"unix:path={self.bus_path}"))
        bus = procs.start("dbus", [dbus, "--nofork", f"--config-file={config}"], bus_log)
        self._procs.append(bus)
        procs.wait_until(self.bus_path.exists, "dbus-daemon", proc=bus, log=bus_log)
        env = {**os.environ, **self.env}
        env.pop("DISPLAY", None)
        log = procs.register_log("gnome-keyring", self.directory / "gnome-keyring.log")
        with log.open("ab") as out:
            # --unlock reads the login keyring's password from stdin (created on first use).
            keyring_daemon = subprocess.Popen(
                [daemon, "--foreground", "--unlock", "--components=secrets"],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                preexec_fn=procs.die_with_parent,
            )
        procs.adopt(keyring_daemon)
        self._procs.append(keyring_daemon)
        assert keyring_daemon.stdin is not None
        keyring_daemon.stdin.write(KEYRING_PASSWORD.encode())
        keyring_daemon.stdin.close()
        procs.wait_until(self._secrets_ready, "gnome-keyring Secret Service", proc=keyring_daemon, log=log)
        return self

    def stop(self) -> None:
        while self._procs:
            procs.stop(self._procs.pop())

    def _secrets_ready(self) -> bool:
        import secretstorage
        from jeepney.io.blocking import open_dbus_connection

        try:
            with open_dbus_connection(bus=self.env["DBUS_SESSION_BUS_ADDRESS"]) as connection:
                if not secretstorage.check_service_availability(connection):
                    return False
                collection = secretstorage.get_default_collection(connection)
                return not collection.is_locked()
        except Exception:
            return False


def activate_in_process(env: dict[str, str]) -> object:
    """Point this process's `keyring` at the service and prove the SecretService backend works.

    The backend is set explicitly rather than detected: any test that defines a KeyringBackend
    subclass registers it, and detection would then pick keyring's ChainerBackend.
    """
    import keyring
    from keyring.backends import SecretService

    os.environ.update(env)
    os.environ.pop("PYTHON_KEYRING_BACKEND", None)
    if SecretService.Keyring.priority <= 0:  # raises with the reason when the service is unusable
        raise RuntimeError("test bed: the SecretService keyring backend is not viable")
    keyring.set_keyring(SecretService.Keyring())  # type: ignore[no-untyped-call]
    return keyring.get_keyring()
