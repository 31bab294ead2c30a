"""Numbered SQL migrations (sql/NNNN_name.sql), applied in order and tracked by `user_version`.

To change the schema, add the next file, e.g. `sql/0002_outbox.sql`; never edit a landed one.
Each file runs in one transaction together with the `user_version` bump, so a crash leaves the
database at the previous version and the migration simply runs again.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class SchemaError(Exception):
    """The migrations on disk are inconsistent, or the database is newer than this program."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """All migrations shipped with the package, checked to be numbered 1, 2, 3... without gaps."""
    return [Migration(version, entry.name, entry.read_text(encoding="utf-8")) for version, entry in _migration_files()]


def _migration_files() -> list[tuple[int, Traversable]]:
    """The migration files by number (names only, nothing read), checked to be numbered without gaps."""
    folder: Traversable = Path(__file__).with_name("sql")
    if not folder.is_dir():  # packaged in an archive: through importlib.resources (zipfile and all, ~4 ms)
        from importlib import resources

        folder = resources.files("deskmail.engine.store").joinpath("sql")
    found = sorted((int(match.group(1)), entry) for entry in folder.iterdir() if (match := _NAME.match(entry.name)))
    for expected, (version, entry) in enumerate(found, start=1):
        if version != expected:
            raise SchemaError(f"migration {entry.name}: expected number {expected:04d} (duplicate or gap)")
    return found


def user_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection, migrations: list[Migration] | None = None) -> int:
    """Bring the database up to the newest migration; return the resulting version."""
    current = user_version(conn)
    if migrations is None:
        files = _migration_files()
        if files and files[-1][0] == current:
            return current  # up to date, as at nearly every opening: no migration file is read
        migrations = load_migrations()
    todo = migrations
    if todo and current > todo[-1].version:
        raise SchemaError(f"this mail store was written by a newer Deskmail (schema {current})")
    for migration in todo:
        if migration.version <= current:
            continue
        _apply(conn, migration)
        current = migration.version
    return current


def _apply(conn: sqlite3.Connection, migration: Migration) -> None:
    # executescript() commits first and runs outside our control, so split and run statements
    # inside one explicit transaction: the version bump and the DDL land together or not at all.
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _statements(migration.sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {int(migration.version)}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (triggers with inner `;` are kept whole)."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(part.strip().startswith("--") for part in buffer.splitlines() if part.strip()):
        raise SchemaError("migration ends with an incomplete statement")
    return statements
