"""Opening the SQLite file safely: schema checks, busy timeout, transactions, one-line errors."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from scanner.errors import KeysweepError
from scanner.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, TABLES

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
DEFAULT_LOCK_TIMEOUT = 30.0


class StoreError(KeysweepError):
    """The datastore cannot be used (locked, corrupt, not ours, too new). Nothing is overwritten."""


def default_store_path(environ: dict[str, str] | None = None) -> Path:
    """$XDG_DATA_HOME/keysweep/keysweep.db, else ~/.local/share/keysweep/keysweep.db."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "keysweep" / "keysweep.db"


def describe(path: Path, e: sqlite3.Error, timeout: float) -> StoreError:
    """Turn a sqlite error into a one-line StoreError that names the file."""
    msg = str(e)
    if "locked" in msg or "busy" in msg:
        return StoreError(f"{path}: store is locked by another process (waited {timeout:g} s); "
                          "try again when the other sweep has finished")
    if isinstance(e, sqlite3.DatabaseError) and not isinstance(e, sqlite3.OperationalError | sqlite3.IntegrityError):
        return StoreError(f"{path}: store is corrupt or not a keysweep store ({msg}); it was left untouched, "
                          "move it aside or pass --store to use another file")
    return StoreError(f"{path}: store error: {msg}")


@contextlib.contextmanager
def translate(path: Path, timeout: float) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as e:
        raise describe(path, e, timeout) from e


def _check_header(path: Path) -> None:
    """StoreError when an existing, non-empty file is not SQLite at all."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        return
    except OSError as e:
        raise StoreError(f"{path}: cannot read store ({e.strerror})") from e
    if head and head != SQLITE_MAGIC:
        raise StoreError(f"{path}: not a keysweep store (not an SQLite file); it was left untouched, "
                         "move it aside or pass --store to use another file")


def connect(path: Path, timeout: float = DEFAULT_LOCK_TIMEOUT) -> sqlite3.Connection:
    """Open (creating if new) and check a store. Raises StoreError, never overwrites a file."""
    path = Path(path)
    _check_header(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StoreError(f"{path.parent}: cannot create store folder ({e.strerror})") from e
    with translate(path, timeout):
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            _prepare(conn, path)
        except BaseException:
            conn.close()
            raise
    return conn


def _prepare(conn: sqlite3.Connection, path: Path) -> None:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and app_id != APPLICATION_ID:
        raise StoreError(f"{path}: not a keysweep store (an SQLite file of another application); "
                         "it was left untouched, pass --store to use another file")
    if not tables:
        conn.execute("PRAGMA journal_mode = WAL")
        with transaction(conn):
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            run_script(conn, TABLES)
            conn.execute("INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        log.info("created store %s", path)
        return
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = int(row[0]) if row else 0
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: store schema version {version} is newer than this keysweep understands "
                         f"({SCHEMA_VERSION}); upgrade keysweep")
    if version < SCHEMA_VERSION:
        _migrate(conn, version)


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Statement by statement (executescript would commit the open transaction)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    with transaction(conn):
        for v in range(version + 1, SCHEMA_VERSION + 1):
            run_script(conn, MIGRATIONS[v])
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error: a write is all or nothing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
