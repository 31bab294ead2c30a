"""A POP3 download in its own process, so a test can kill -9 it at a chosen moment.

python -m tests.integration.pop3_child PORT CA_PATH STORE_PATH KEEP(1|0)
"""

from __future__ import annotations

import sys
from pathlib import Path

from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine.accounts import DownloadChoices
from deskmail.engine.pop3.client import login_pop3, open_pop3
from deskmail.engine.pop3.sync import sync_pop3
from deskmail.engine.store.writer import Store


def main() -> None:
    port, ca_path, store_path, keep = sys.argv[1:5]
    server = ServerConfig(Protocol.POP3, "127.0.0.1", int(port), Security.SSL, "alice")
    client = open_pop3(server, Settings(extra_ca=Path(ca_path)))
    login_pop3(client, "alice", "child-secret")
    store = Store.open(Path(store_path))
    sync_pop3(client, store, DownloadChoices(keep_on_server=keep == "1"))
    store.close()


if __name__ == "__main__":
    main()
