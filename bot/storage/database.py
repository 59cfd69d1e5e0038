"""The connection, its settings and the three ways a query runs (one transaction, one write,
one read). The query modules next to this one build on `Database`.

One connection per process, used as the single writer: WAL, synchronous=NORMAL, foreign keys on,
a busy timeout so a briefly locked database is waited for rather than failed. Every statement is
parameterised. Each public method is one unit of work (one awaited call where possible, since
aiosqlite costs a thread hop per call). Times are integer Unix seconds (UTC).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Self

import aiosqlite

from bot.storage.cache import RowCache
from bot.storage.migrations import LATEST_VERSION, migrate, schema_version
from bot.storage.records import DiarySettings, User

BUSY_TIMEOUT_MS = 10_000

# A conversation_state row as stored: user_id, flow, step, message_id, started_utc,
# updated_utc, data (JSON text: each read builds its own dict from it).
StateRow = tuple[int, str, str, int | None, int, int, str]


class StorageError(Exception):
    """The database cannot be used right now; the message says why and what to do."""


def _describe(exc: sqlite3.Error, path: Path) -> str:
    text = str(exc).lower()
    # "database is locked" (not any message with "locked" in it: "no such column: blocked_utc")
    if "is locked" in text or "busy" in text:
        return f"the database {path} is locked by another process; try again in a moment"
    if "readonly" in text or "read-only" in text:
        return f"the database {path} is read-only; make the file and its folder writable"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            f"the database {path} is damaged ({exc}); restore it from a backup or move it away "
            "to start fresh"
        )
    if "unable to open" in text:
        return f"cannot open the database {path}; check the folder exists and is writable"
    return f"database error on {path}: {exc}"


class Database:
    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        # One connection is shared by every handler: the lock keeps multi-statement
        # transactions from interleaving.
        self._lock = asyncio.Lock()
        self._identity = _identity(path)
        # Each person's user row and conversation state as last read or written here (see
        # cache.py): most updates read both, some several times.
        self._users: RowCache[User] = RowCache()
        self._states: RowCache[StateRow] = RowCache()
        # The methods each person said helped (flows ask at every start).
        self._helpful: RowCache[tuple[str, ...]] = RowCache()
        # The diary choice (every relief flow's end reads it).
        self._diary: RowCache[DiarySettings] = RowCache()

    # --- life cycle ---------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path | str, *, target_version: int = LATEST_VERSION) -> Self:
        path = Path(path)
        try:
            if str(path) != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the folder for {path}: {exc.strerror}") from None
        try:
            db = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(_describe(exc, path)) from None
        storage = cls(db, path)
        try:
            db.row_factory = aiosqlite.Row
            await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA secure_delete = ON")  # deleted rows leave no bytes
            await _use_wal(db)
            await db.execute("PRAGMA synchronous = NORMAL")
            await migrate(db, target_version)
        except sqlite3.Error as exc:
            await db.close()
            raise StorageError(_describe(exc, path)) from None
        return storage

    async def close(self) -> None:
        await self._db.close()

    def file_replaced(self) -> bool:
        """True when the file at `path` is gone or is another file than the one opened
        (deleted, moved away, restored over): everything written since would be lost."""
        if self._identity is None:
            return False
        return _identity(self.path) != self._identity

    async def schema_version(self) -> int:
        return await schema_version(self._db)

    async def checkpoint(self) -> None:
        async with self._lock:
            try:
                await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                raise StorageError(_describe(exc, self.path)) from exc

    # --- plumbing -----------------------------------------------------------------------

    async def _run(self, work: Callable[[aiosqlite.Connection], Awaitable[Any]]) -> Any:
        """Run `work` in one IMMEDIATE transaction; map sqlite errors to StorageError."""
        async with self._lock:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                try:
                    result = await work(self._db)
                    await self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        await self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise StorageError(_describe(exc, self.path)) from exc
            return result

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> tuple[int, int]:
        """One statement, committed on its own (autocommit): a single thread hop, where a
        BEGIN ... COMMIT transaction costs three. Returns (rows changed, last row id)."""
        async with self._lock:
            try:
                cursor = await self._db.execute(sql, params)
            except sqlite3.Error as exc:
                raise StorageError(_describe(exc, self.path)) from exc
            return cursor.rowcount, int(cursor.lastrowid or 0)

    async def _write_returning(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """One statement with a RETURNING clause, committed on its own: the row as written
        comes back in the same thread hop (no read after the write)."""
        async with self._lock:
            try:
                return list(await self._db.execute_fetchall(sql, params))
            except sqlite3.Error as exc:
                raise StorageError(_describe(exc, self.path)) from exc

    async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        try:
            return list(await self._db.execute_fetchall(sql, params))
        except sqlite3.Error as exc:
            raise StorageError(_describe(exc, self.path)) from exc


async def _use_wal(db: aiosqlite.Connection) -> None:
    """Switch to WAL. The switch needs a moment alone with the file and SQLite does not wait
    for it (busy_timeout does not apply), so processes opening a new file at once retry."""
    for _ in range(BUSY_TIMEOUT_MS // 50):
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            await asyncio.sleep(0.05)
    await db.execute("PRAGMA journal_mode = WAL")


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file, (0, 0) when it is missing, None for ':memory:'."""
    if str(path) == ":memory:":
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return (0, 0)
    return (stat.st_dev, stat.st_ino)
