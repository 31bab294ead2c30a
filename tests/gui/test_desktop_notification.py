"""Without a tray, new mail becomes a freedesktop notification (GNOME): proven against a private D-Bus."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from jeepney import HeaderFields, MessageType, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

from deskmail.ui.mail.notify import desktop_notify

pytestmark = pytest.mark.gui
INTROSPECTION = """<node><interface name="org.freedesktop.Notifications">
<method name="Notify"><arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
<arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
<arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/></method>
</interface></node>"""


class NotificationDaemon:
    """The part of a desktop's notification server that `gdbus call ... Notify` talks to."""

    def __init__(self, address: str) -> None:
        self.connection = open_dbus_connection(bus=address)
        self.connection.send_and_get_reply(message_bus.RequestName("org.freedesktop.Notifications"))
        self.received: list[tuple[Any, ...]] = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                message = self.connection.receive(timeout=0.2)
            except TimeoutError:
                continue
            if message.header.message_type != MessageType.method_call:
                continue
            member = message.header.fields.get(HeaderFields.member)
            if member == "Introspect":
                self.connection.send(new_method_return(message, "s", (INTROSPECTION,)))
            elif member == "Notify":
                self.received.append(tuple(message.body))
                self.connection.send(new_method_return(message, "u", (1,)))

    def stop(self) -> None:
        self.running = False
        self.thread.join(5)
        self.connection.close()


@pytest.fixture
def daemon(keyring_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[NotificationDaemon]:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", keyring_env["DBUS_SESSION_BUS_ADDRESS"])  # a private bus
    server = NotificationDaemon(keyring_env["DBUS_SESSION_BUS_ADDRESS"])
    yield server
    server.stop()


def test_a_notification_reaches_the_desktop(daemon: NotificationDaemon) -> None:
    assert desktop_notify("New message from Ben Okafor", 'Tickets for "Saturday" \\ 50% off\n(anna@example.test)')
    end = time.monotonic() + 15
    while not daemon.received and time.monotonic() < end:
        time.sleep(0.05)
    assert daemon.received, "gdbus never called Notify"
    app, replaces, icon, title, body, actions, hints, timeout = daemon.received[0]
    assert (app, replaces, icon) == ("Deskmail", 0, "org.deskmail.Deskmail")
    assert title == "New message from Ben Okafor"
    assert body == 'Tickets for "Saturday" \\ 50% off\n(anna@example.test)'  # quotes, backslash, line kept
    assert hints["desktop-entry"] == ("s", "org.deskmail.Deskmail") and timeout == 10_000 and actions == []


def test_no_session_bus_means_no_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    assert desktop_notify("x", "y") is False
