"""A private desktop a screen reader could use: Xvfb, a D-Bus session and the AT-SPI accessibility bus.

Qt registers with AT-SPI only on a real windowing platform (xcb): the offscreen plugin has no
accessibility bridge, so an app under test runs in a child process on this Xvfb. The walker reads
its tree over D-Bus exactly as Orca does (jeepney, no GObject introspection needed).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.servers import procs
from tests.servers.keyrings import BUS_CONFIG

LAUNCHER_PATHS = ("/usr/libexec/at-spi-bus-launcher", "/usr/lib/at-spi2-core/at-spi-bus-launcher")
REGISTRY = "org.a11y.atspi.Registry"
ROOT_PATH = "/org/a11y/atspi/accessible/root"
ACCESSIBLE = "org.a11y.atspi.Accessible"
CALL_TIMEOUT = 5.0  # seconds: one D-Bus call to the app; a hung bridge fails the test, never hangs it
MAX_NODES = 5000
FIELD_ROLES = {"text", "password text", "combo box", "spin button", "entry"}
LABELLED_BY = 2  # AtspiRelationType  # a walk that finds more is a loop or a runaway model, not a window


@dataclass
class Node:
    """One accessible object as a screen reader sees it."""

    role: str
    name: str
    description: str
    states: set[str] = field(default_factory=set)
    labelled_by: list[str] = field(default_factory=list)  # the labels' words, for fields (relation LABELLED_BY)
    children: list[Node] = field(default_factory=list)

    def walk(self) -> list[Node]:
        nodes, stack = [], [self]
        while stack:
            node = stack.pop()
            nodes.append(node)
            stack.extend(reversed(node.children))
        return nodes

    def find(self, role: str) -> list[Node]:
        return [node for node in self.walk() if node.role == role]

    def names(self, role: str) -> list[str]:
        return [node.name for node in self.find(role)]


class AccessibilityDesktop:
    """Xvfb + dbus-daemon + at-spi-bus-launcher; `.env` makes a child app register on them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.bus_path = directory / "bus"
        runtime = directory / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        self.env = {
            "DBUS_SESSION_BUS_ADDRESS": f"unix:path={self.bus_path}",
            "XDG_RUNTIME_DIR": str(runtime),
            "QT_QPA_PLATFORM": "xcb",
            "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
        }
        self._procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> AccessibilityDesktop:
        xvfb = procs.require_binary("Xvfb", "xvfb")
        dbus = procs.require_binary("dbus-daemon", "dbus")
        launcher = next((p for p in LAUNCHER_PATHS if os.access(p, os.X_OK)), None)
        if launcher is None:
            raise RuntimeError("test bed: at-spi-bus-launcher is missing (Debian package at-spi2-core)")
        read_fd, write_fd = os.pipe()
        xlog = self.directory / "xvfb.log"
        screen = ["-screen", "0", "1366x768x24", "-nolisten", "tcp"]
        display = procs.start("xvfb", [xvfb, "-displayfd", str(write_fd), *screen], xlog, pass_fds=(write_fd,))
        self._procs.append(display)
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()  # written once the server accepts clients
        if not number:
            raise RuntimeError(f"test bed: Xvfb did not start (see {xlog})")
        self.env["DISPLAY"] = f":{number}"
        config = self.directory / "bus.conf"
        config.write_text(BUS_CONFIG.format(address=f"unix:path={self.bus_path}"))
        bus_log = self.directory / "dbus.log"
        self._procs.append(procs.start("dbus-a11y", [dbus, "--nofork", f"--config-file={config}"], bus_log))
        procs.wait_until(self.bus_path.exists, "dbus-daemon", proc=self._procs[-1], log=bus_log)
        env = {**os.environ, **self.env}
        log = self.directory / "at-spi.log"
        argv = [launcher, "--launch-immediately", "--a11y=1", "--screen-reader=1"]
        self._procs.append(procs.start("at-spi-bus-launcher", argv, log, env=env))
        procs.wait_until(lambda: self._a11y_address() is not None, "AT-SPI bus", proc=self._procs[-1], log=log)
        return self

    def stop(self) -> None:
        while self._procs:
            procs.stop(self._procs.pop())

    def _a11y_address(self) -> str | None:
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        bus = DBusAddress("/org/a11y/bus", bus_name="org.a11y.Bus", interface="org.a11y.Bus")
        try:
            with open_dbus_connection(bus=self.env["DBUS_SESSION_BUS_ADDRESS"]) as session:
                address = session.send_and_get_reply(new_method_call(bus, "GetAddress"), timeout=2).body[0]
        except Exception:
            return None
        return str(address) or None

    def applications(self) -> dict[str, Node]:
        """Every registered application's tree, by its AT-SPI name (the program's name)."""
        address = self._a11y_address()
        assert address, "the AT-SPI bus went away"
        return Walker(address).applications()


class Walker:
    """Reads accessible trees over the AT-SPI bus (roles, names, descriptions, states)."""

    def __init__(self, address: str) -> None:
        self.address = address

    def applications(self) -> dict[str, Node]:
        from jeepney.io.blocking import open_dbus_connection

        with open_dbus_connection(bus=self.address) as conn:
            self._conn = conn
            self._count = 0
            apps = {}
            for bus_name, path in self._call(REGISTRY, ROOT_PATH, "GetChildren"):
                app = self._node(bus_name, path)
                apps[app.name] = app
            return apps

    def _call(self, bus_name: str, path: str, method: str, interface: str = ACCESSIBLE) -> Any:
        from jeepney import DBusAddress, new_method_call

        address = DBusAddress(path, bus_name=bus_name, interface=interface)
        return self._conn.send_and_get_reply(new_method_call(address, method), timeout=CALL_TIMEOUT).body[0]

    def _property(self, bus_name: str, path: str, name: str) -> Any:
        from jeepney import DBusAddress, Properties

        address = DBusAddress(path, bus_name=bus_name, interface=ACCESSIBLE)
        return self._conn.send_and_get_reply(Properties(address).get(name), timeout=CALL_TIMEOUT).body[0][1]

    def _node(self, bus_name: str, path: str) -> Node:
        self._count += 1
        assert self._count <= MAX_NODES, "more accessible objects than any window has"
        words = self._call(bus_name, path, "GetState")
        node = Node(
            role=str(self._call(bus_name, path, "GetRoleName")),
            name=str(self._property(bus_name, path, "Name")),
            description=str(self._property(bus_name, path, "Description")),
            states=_states(words),
        )
        if node.role in FIELD_ROLES:
            node.labelled_by = [
                str(self._property(target_bus, target, "Name"))
                for kind, targets in self._call(bus_name, path, "GetRelationSet")
                if kind == LABELLED_BY
                for target_bus, target in targets
            ]
        if "showing" in node.states or path == ROOT_PATH or node.role == "application":
            node.children = [
                self._node(child_bus, child) for child_bus, child in self._call(bus_name, path, "GetChildren")
            ]
        return node


# AT-SPI's state bits (atspi-constants.h, AtspiStateType), the ones a test reads.
STATE_BITS = {
    1: "active",
    4: "checked",
    7: "editable",
    8: "enabled",
    11: "focusable",
    12: "focused",
    17: "multi-line",
    22: "selectable",
    23: "selected",
    24: "sensitive",
    25: "showing",
    30: "visible",
}


def _states(words: list[int]) -> set[str]:
    bits = sum(int(word) << (32 * i) for i, word in enumerate(words))
    return {name for bit, name in STATE_BITS.items() if bits >> bit & 1}
