"""SQLite storage (aiosqlite): the only module that writes SQL.

One connection per process, used as the single writer: WAL, synchronous=NORMAL, foreign keys on,
a busy timeout so a briefly locked database is waited for rather than failed. Every statement is
parameterised. Each public method is one unit of work (one awaited call where possible, since
aiosqlite costs a thread hop per call). Times are integer Unix seconds (UTC).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import aiosqlite

from bot.diary.entries import Entry

BUSY_TIMEOUT_MS = 10_000


class StorageError(Exception):
    """The database cannot be used right now; the message says why and what to do."""


# --- migrations -----------------------------------------------------------------------------
# Numbered, append-only. Each runs in its own transaction and is recorded in schema_migrations.
# Never edit one that has shipped: add a new one.

Migration = tuple[int, str, str]

MIGRATIONS: tuple[Migration, ...] = (
    (
        1,
        "users: who has talked to the bot, their language and time zone",
        """
        CREATE TABLE users (
            user_id        INTEGER PRIMARY KEY,
            chat_id        INTEGER NOT NULL,
            language       TEXT    NOT NULL DEFAULT 'en',
            time_zone      TEXT,
            first_seen_utc INTEGER NOT NULL,
            last_seen_utc  INTEGER NOT NULL
        );
        """,
    ),
    (
        2,
        "conversation_state: where each user is in a guided flow, so restarts lose nothing",
        """
        CREATE TABLE conversation_state (
            user_id     INTEGER PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
            flow        TEXT    NOT NULL,
            step        TEXT    NOT NULL,
            message_id  INTEGER,
            started_utc INTEGER NOT NULL,
            updated_utc INTEGER NOT NULL,
            data        TEXT    NOT NULL DEFAULT '{}'
        );
        """,
    ),
    (
        3,
        "reminders + deliveries: SQLite is the scheduler's source of truth (one sweep, an outbox)",
        """
        CREATE TABLE reminders (
            id              INTEGER PRIMARY KEY,
            user_id         INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            kind            TEXT    NOT NULL CHECK (kind IN ('bedtime', 'preswim', 'swim_once')),
            local_time      TEXT    NOT NULL,
            weekdays        INTEGER NOT NULL DEFAULT 127,
            lead_minutes    INTEGER NOT NULL DEFAULT 0,
            once_date       TEXT,
            enabled         INTEGER NOT NULL DEFAULT 1,
            next_fire_utc   INTEGER,
            disabled_reason TEXT,
            created_utc     INTEGER NOT NULL,
            updated_utc     INTEGER NOT NULL
        );
        CREATE INDEX reminders_due ON reminders(next_fire_utc) WHERE next_fire_utc IS NOT NULL;
        CREATE INDEX reminders_user ON reminders(user_id);
        CREATE TABLE reminder_deliveries (
            id          INTEGER PRIMARY KEY,
            reminder_id INTEGER NOT NULL REFERENCES reminders(id) ON DELETE CASCADE,
            user_id     INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            chat_id     INTEGER NOT NULL,
            fire_utc    INTEGER NOT NULL,
            due_utc     INTEGER NOT NULL,
            status      TEXT    NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
            attempts    INTEGER NOT NULL DEFAULT 0,
            sent_utc    INTEGER,
            error       TEXT,
            UNIQUE (reminder_id, fire_utc)
        );
        CREATE INDEX deliveries_pending ON reminder_deliveries(due_utc) WHERE status = 'pending';
        CREATE INDEX deliveries_sending ON reminder_deliveries(id) WHERE status = 'sending';
        CREATE INDEX deliveries_user ON reminder_deliveries(user_id);
        """,
    ),
    (
        4,
        "feedback_events: what helped, so the flows can put a person's best method first",
        """
        CREATE TABLE feedback_events (
            id          INTEGER PRIMARY KEY,
            user_id     INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            flow        TEXT    NOT NULL,
            method      TEXT    NOT NULL,
            outcome     TEXT    NOT NULL,
            created_utc INTEGER NOT NULL
        );
        CREATE INDEX feedback_user ON feedback_events(user_id, created_utc);
        """,
    ),
    (
        5,
        "users.blocked_utc: when Telegram said the user blocked the bot (403)",
        "ALTER TABLE users ADD COLUMN blocked_utc INTEGER;",
    ),
    (
        6,
        "reminder_deliveries.snooze_of: the reminder message a snooze came from, one per message",
        """
        ALTER TABLE reminder_deliveries ADD COLUMN snooze_of INTEGER;
        CREATE UNIQUE INDEX deliveries_snooze ON reminder_deliveries(reminder_id, snooze_of)
            WHERE snooze_of IS NOT NULL;
        """,
    ),
    (
        7,
        "diary: consent, entries, bedtime stretches, weekly notes (rows exist only after Yes)",
        """
        CREATE TABLE diary_settings (
            user_id         INTEGER PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
            status          TEXT    NOT NULL CHECK (status IN ('asked', 'on', 'off', 'no')),
            since_utc       INTEGER NOT NULL,
            updated_utc     INTEGER NOT NULL,
            medicines       TEXT    NOT NULL DEFAULT '',
            weekly_next_utc INTEGER
        );
        CREATE INDEX diary_weekly_due ON diary_settings(weekly_next_utc)
            WHERE weekly_next_utc IS NOT NULL;
        CREATE TABLE diary_entries (
            id              INTEGER PRIMARY KEY,
            user_id         INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            occurred_utc    INTEGER NOT NULL,
            zone            TEXT    NOT NULL,
            place           TEXT    NOT NULL CHECK (place IN ('bed', 'land', 'water')),
            tried           TEXT    NOT NULL DEFAULT '',
            helped          TEXT,
            minutes_to_ease INTEGER,
            severe          INTEGER NOT NULL DEFAULT 0,
            source          TEXT    NOT NULL CHECK (source IN ('flow', 'typed', 'buttons')),
            side            TEXT,
            muscle          TEXT,
            created_utc     INTEGER NOT NULL,
            updated_utc     INTEGER NOT NULL
        );
        CREATE INDEX diary_entries_user ON diary_entries(user_id, occurred_utc);
        CREATE TABLE diary_stretches (
            user_id     INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            night       TEXT    NOT NULL,
            created_utc INTEGER NOT NULL,
            PRIMARY KEY (user_id, night)
        );
        CREATE TABLE diary_weekly_notes (
            id       INTEGER PRIMARY KEY,
            user_id  INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            fire_utc INTEGER NOT NULL,
            status   TEXT    NOT NULL DEFAULT 'sending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 1,
            sent_utc INTEGER,
            error    TEXT,
            UNIQUE (user_id, fire_utc)
        );
        CREATE INDEX diary_weekly_open ON diary_weekly_notes(status)
            WHERE status IN ('pending', 'sending');
        """,
    ),
)
LATEST_VERSION = MIGRATIONS[-1][0]


@dataclass(frozen=True)
class User:
    user_id: int
    chat_id: int
    language: str
    time_zone: str | None
    first_seen_utc: int
    last_seen_utc: int
    blocked_utc: int | None


@dataclass(frozen=True)
class ConversationState:
    user_id: int
    flow: str
    step: str
    message_id: int | None
    started_utc: int
    updated_utc: int
    data: dict[str, Any]


@dataclass(frozen=True)
class Reminder:
    id: int
    user_id: int
    kind: str
    local_time: str
    weekdays: int
    lead_minutes: int
    once_date: str | None
    enabled: bool
    next_fire_utc: int | None
    disabled_reason: str | None

    @property
    def finished(self) -> bool:
        """A one-off that has fired (or was skipped): on, but never again."""
        return self.kind == "swim_once" and self.enabled and self.next_fire_utc is None


@dataclass(frozen=True)
class DueReminder:
    """A reminder whose next_fire_utc has come, with what is needed to plan the next one."""

    id: int
    user_id: int
    chat_id: int
    kind: str
    local_time: str
    weekdays: int
    lead_minutes: int
    once_date: str | None
    next_fire_utc: int
    time_zone: str | None


@dataclass(frozen=True)
class Claim:
    """The sweep's decision for one due reminder."""

    reminder_id: int
    fire_utc: int  # the next_fire_utc that was due (guards against a concurrent claim)
    send: bool  # False: too late (past the grace window), skip this occurrence
    next_fire_utc: int | None  # None: never again (a one-off swim)


@dataclass(frozen=True)
class Delivery:
    id: int
    reminder_id: int
    user_id: int
    chat_id: int
    fire_utc: int
    attempts: int  # including the one about to be made
    kind: str
    local_time: str
    language: str


@dataclass(frozen=True)
class DiarySettings:
    """The person's diary choice: 'asked' (the question went out, no answer yet), 'on',
    'off' (stopped with /diary off) or 'no'."""

    status: str
    since_utc: int
    medicines: str
    weekly_next_utc: int | None

    @property
    def weekly(self) -> bool:
        return self.weekly_next_utc is not None


@dataclass(frozen=True)
class NewEntry:
    occurred_utc: int
    zone: str
    place: str
    tried: tuple[str, ...]
    helped: str | None
    minutes_to_ease: int | None
    severe: bool
    source: str
    side: str | None
    muscle: str | None


@dataclass(frozen=True)
class WeeklyDue:
    """A weekly note claimed for sending."""

    note_id: int
    user_id: int
    chat_id: int
    fire_utc: int
    time_zone: str | None
    language: str
    attempts: int


_ENTRY_COLUMNS = (
    "id, occurred_utc, zone, place, tried, helped, minutes_to_ease, severe, source, side, muscle"
)


def _entry(row: Sequence[Any]) -> Entry:
    return Entry(
        id=row[0], occurred_utc=row[1], zone=row[2], place=row[3],
        tried=tuple(row[4].split()) if row[4] else (), helped=row[5], minutes_to_ease=row[6],
        severe=bool(row[7]), source=row[8], side=row[9], muscle=row[10],
    )  # fmt: skip


_REMINDER_COLUMNS = (
    "id, user_id, kind, local_time, weekdays, lead_minutes, once_date, enabled, next_fire_utc,"
    " disabled_reason"
)


def _reminder(row: Sequence[Any]) -> Reminder:
    return Reminder(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]), row[8], row[9]
    )


def _describe(exc: sqlite3.Error, path: Path) -> str:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
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


class Storage:
    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        # One connection is shared by every handler: the lock keeps multi-statement
        # transactions from interleaving.
        self._lock = asyncio.Lock()
        self._identity = _identity(path)

    # --- life cycle ---------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path | str, *, target_version: int = LATEST_VERSION) -> Storage:
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
            await storage._migrate(target_version)
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

    async def _migrate(self, target_version: int) -> None:
        """Apply each missing migration in its own IMMEDIATE transaction. The version is read
        after the write lock is taken, so processes starting at once on a new file take turns
        (busy_timeout) and each migration runs exactly once."""
        for version, name, sql in MIGRATIONS:
            if version > target_version:
                return
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                await self._db.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                    " name TEXT NOT NULL, applied_utc INTEGER NOT NULL)"
                )
                if await self.schema_version() < version:
                    # executescript would COMMIT first; run statement by statement here.
                    for statement in _split_sql(sql):
                        await self._db.execute(statement)
                    await self._db.execute(
                        "INSERT INTO schema_migrations (version, name, applied_utc)"
                        " VALUES (?, ?, strftime('%s', 'now'))",
                        (version, name),
                    )
                await self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    await self._db.execute("ROLLBACK")
                raise

    async def schema_version(self) -> int:
        rows = await self._db.execute_fetchall("SELECT MAX(version) FROM schema_migrations")
        value = next(iter(rows))[0]
        return int(value) if value is not None else 0

    async def pragma(self, name: str) -> Any:
        if not name.isidentifier():
            raise ValueError(name)
        rows = await self._db.execute_fetchall(f"PRAGMA {name}")
        return next(iter(rows))[0]

    async def schema(self) -> list[tuple[str, str]]:
        """(name, sql) of every table and index, for tests that compare schemas."""
        rows = await self._db.execute_fetchall(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        )
        return [(r[0], r[1]) for r in rows]

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

    async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        try:
            return list(await self._db.execute_fetchall(sql, params))
        except sqlite3.Error as exc:
            raise StorageError(_describe(exc, self.path)) from exc

    # --- users --------------------------------------------------------------------------

    async def touch_user(self, user_id: int, chat_id: int, language: str, now: int) -> None:
        """Record that a user wrote: first time creates them, later times move last_seen."""

        await self._write(
            "INSERT INTO users (user_id, chat_id, language, first_seen_utc, last_seen_utc)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id,"
            " last_seen_utc = excluded.last_seen_utc",
            (user_id, chat_id, language, now, now),
        )

    async def get_user(self, user_id: int) -> User | None:
        rows = await self._fetch(
            "SELECT user_id, chat_id, language, time_zone, first_seen_utc, last_seen_utc,"
            " blocked_utc FROM users WHERE user_id = ?",
            (user_id,),
        )
        return User(*rows[0]) if rows else None

    async def set_time_zone(self, user_id: int, time_zone: str) -> None:
        await self._write("UPDATE users SET time_zone = ? WHERE user_id = ?", (time_zone, user_id))

    async def forget_user(self, user_id: int) -> None:
        """Delete every row about the user (child tables follow by ON DELETE CASCADE), and
        leave no copy behind: secure_delete (set at open) zeroes the freed bytes, and a
        checkpoint moves the change into the main file and empties the -wal file, which
        still held the old pages."""

        await self._write("DELETE FROM users WHERE user_id = ?", (user_id,))
        await self.checkpoint()

    async def checkpoint(self) -> None:
        async with self._lock:
            try:
                await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                raise StorageError(_describe(exc, self.path)) from exc

    async def rows_mentioning_user(self, user_id: int) -> int:
        """How many rows in any table hold this user id (0 after forget_user)."""
        total = 0
        for table in ("users", "conversation_state", "reminders", "reminder_deliveries",
                      "feedback_events", "diary_settings", "diary_entries", "diary_stretches",
                      "diary_weekly_notes"):  # fmt: skip
            rows = await self._fetch(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (user_id,))
            total += int(rows[0][0])
        return total

    # --- conversation state -------------------------------------------------------------

    async def get_state(self, user_id: int) -> ConversationState | None:
        rows = await self._fetch(
            "SELECT user_id, flow, step, message_id, started_utc, updated_utc, data"
            " FROM conversation_state WHERE user_id = ?",
            (user_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return ConversationState(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]))

    async def save_state(
        self,
        user_id: int,
        flow: str,
        step: str,
        message_id: int | None,
        now: int,
        data: dict[str, Any] | None = None,
        *,
        new: bool = False,
    ) -> None:
        """Upsert the user's flow position; `new=True` restarts the flow's clock."""

        await self._write(
            "INSERT INTO conversation_state"
            " (user_id, flow, step, message_id, started_utc, updated_utc, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET flow = excluded.flow,"
            " step = excluded.step, message_id = excluded.message_id,"
            " updated_utc = excluded.updated_utc, data = excluded.data,"
            " started_utc = CASE WHEN ? THEN excluded.started_utc ELSE started_utc END",
            (user_id, flow, step, message_id, now, now, json.dumps(data or {}), new),
        )

    async def clear_state(self, user_id: int) -> None:
        await self._write("DELETE FROM conversation_state WHERE user_id = ?", (user_id,))

    # --- feedback -----------------------------------------------------------------------

    async def add_feedback(
        self, user_id: int, flow: str, method: str, outcome: str, now: int
    ) -> None:
        await self._write(
            "INSERT INTO feedback_events (user_id, flow, method, outcome, created_utc)"
            " VALUES (?, ?, ?, ?, ?)",
            (user_id, flow, method, outcome, now),
        )

    async def helpful_methods(self, user_id: int) -> list[str]:
        """Methods this user said helped, most recent first, each once."""
        rows = await self._fetch(
            "SELECT method, MAX(created_utc) AS last FROM feedback_events"
            " WHERE user_id = ? AND outcome = 'helped' GROUP BY method ORDER BY last DESC",
            (user_id,),
        )
        return [r[0] for r in rows]

    # --- reminders ----------------------------------------------------------------------

    async def add_reminder(
        self,
        user_id: int,
        kind: str,
        local_time: str,
        *,
        weekdays: int,
        lead_minutes: int,
        once_date: str | None,
        next_fire_utc: int | None,
        now: int,
    ) -> int:
        _, row_id = await self._write(
            "INSERT INTO reminders (user_id, kind, local_time, weekdays, lead_minutes,"
            " once_date, enabled, next_fire_utc, created_utc, updated_utc)"
            " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
            (user_id, kind, local_time, weekdays, lead_minutes, once_date, next_fire_utc,
             now, now),
        )  # fmt: skip
        return row_id

    async def update_reminder(
        self,
        reminder_id: int,
        user_id: int,
        *,
        local_time: str,
        weekdays: int,
        lead_minutes: int,
        once_date: str | None,
        next_fire_utc: int | None,
        now: int,
    ) -> bool:
        changed, _ = await self._write(
            "UPDATE reminders SET local_time = ?, weekdays = ?, lead_minutes = ?,"
            " once_date = ?, next_fire_utc = ?, enabled = 1, disabled_reason = NULL,"
            " updated_utc = ? WHERE id = ? AND user_id = ?",
            (local_time, weekdays, lead_minutes, once_date, next_fire_utc, now,
             reminder_id, user_id),
        )  # fmt: skip
        return changed > 0

    async def reminders_of(self, user_id: int) -> list[Reminder]:
        rows = await self._fetch(
            f"SELECT {_REMINDER_COLUMNS} FROM reminders WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [_reminder(r) for r in rows]

    async def purge_finished(self, user_id: int, before_date: str) -> int:
        """Delete the user's one-offs that fired on a day before `before_date` (ISO date):
        they have done their job. (Ones that fired today stay a while, for their Snooze.)"""
        changed, _ = await self._write(
            "DELETE FROM reminders WHERE user_id = ? AND kind = 'swim_once' AND enabled = 1"
            " AND next_fire_utc IS NULL AND once_date < ?",
            (user_id, before_date),
        )
        return changed

    async def get_reminder(self, reminder_id: int) -> Reminder | None:
        rows = await self._fetch(
            f"SELECT {_REMINDER_COLUMNS} FROM reminders WHERE id = ?", (reminder_id,)
        )
        return _reminder(rows[0]) if rows else None

    async def set_reminder_enabled(
        self,
        reminder_id: int,
        user_id: int,
        *,
        enabled: bool,
        next_fire_utc: int | None,
        now: int,
        reason: str | None = None,
    ) -> bool:
        """Pause (next_fire_utc None) or resume a reminder; pending sends are dropped on pause."""

        async def work(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "UPDATE reminders SET enabled = ?, next_fire_utc = ?, disabled_reason = ?,"
                " updated_utc = ? WHERE id = ? AND user_id = ?",
                (int(enabled), next_fire_utc, reason, now, reminder_id, user_id),
            )
            if not enabled:
                await db.execute(
                    "UPDATE reminder_deliveries SET status = 'failed', error = 'paused'"
                    " WHERE reminder_id = ? AND status = 'pending'",
                    (reminder_id,),
                )
            return cursor.rowcount > 0

        return bool(await self._run(work))

    async def delete_reminder(self, reminder_id: int, user_id: int) -> bool:
        changed, _ = await self._write(
            "DELETE FROM reminders WHERE id = ? AND user_id = ?", (reminder_id, user_id)
        )
        return changed > 0

    async def due_reminders(self, now: int, limit: int) -> list[DueReminder]:
        """Reminders due at `now`, oldest first; cost follows the number due (partial index)."""
        rows = await self._fetch(
            "SELECT r.id, r.user_id, u.chat_id, r.kind, r.local_time, r.weekdays,"
            " r.lead_minutes, r.once_date, r.next_fire_utc, u.time_zone"
            " FROM reminders r JOIN users u ON u.user_id = r.user_id"
            " WHERE r.next_fire_utc IS NOT NULL AND r.next_fire_utc <= ?"
            " ORDER BY r.next_fire_utc, r.id LIMIT ?",
            (now, limit),
        )
        return [DueReminder(*r) for r in rows]

    async def claim(self, claims: Sequence[Claim], chat_of: dict[int, tuple[int, int]]) -> int:
        """Advance each reminder and queue its delivery, all in one transaction.

        `chat_of` maps reminder id -> (user id, chat id). A reminder whose next_fire_utc moved
        since it was read (another sweep claimed it) is left alone, and the (reminder, fire
        time) pair is unique, so an occurrence is queued at most once. Returns deliveries queued.
        """

        async def work(db: aiosqlite.Connection) -> int:
            await db.executemany(
                "UPDATE reminders SET next_fire_utc = ? WHERE id = ? AND next_fire_utc = ?",
                [(c.next_fire_utc, c.reminder_id, c.fire_utc) for c in claims],
            )
            before = db.total_changes
            # WHERE EXISTS: a reminder deleted (or a user forgotten) since it was read is skipped.
            await db.executemany(
                "INSERT OR IGNORE INTO reminder_deliveries"
                " (reminder_id, user_id, chat_id, fire_utc, due_utc) SELECT ?, ?, ?, ?, ?"
                " WHERE EXISTS (SELECT 1 FROM reminders WHERE id = ?)",
                [
                    (c.reminder_id, *chat_of[c.reminder_id], c.fire_utc, c.fire_utc,
                     c.reminder_id)
                    for c in claims
                    if c.send
                ],
            )  # fmt: skip
            return db.total_changes - before

        return int(await self._run(work))

    async def queue_delivery(
        self, reminder_id: int, fire_utc: int, *, snooze_of: int | None = None
    ) -> bool:
        """Queue one more delivery of a reminder (a snooze of the reminder message
        `snooze_of`). False if the reminder no longer exists, is stopped or paused, or that
        message was already snoozed (a double tap snoozes once)."""

        changed, _ = await self._write(
            "INSERT OR IGNORE INTO reminder_deliveries"
            " (reminder_id, user_id, chat_id, fire_utc, due_utc, snooze_of)"
            " SELECT r.id, r.user_id, u.chat_id, ?, ?, ? FROM reminders r"
            " JOIN users u ON u.user_id = r.user_id WHERE r.id = ? AND r.enabled = 1",
            (fire_utc, fire_utc, snooze_of, reminder_id),
        )
        return changed > 0

    async def take_deliveries(
        self, now: int, limit: int, oldest_due: int | None = None
    ) -> list[Delivery]:
        """Mark up to `limit` due deliveries as 'sending' and return them.

        A delivery left in 'sending' by a crash is never sent again (see abandon_in_flight):
        Telegram has no idempotency key, so at most once is the only way to never send twice.
        One still waiting since before `oldest_due` (the bot was down past the grace window)
        is recorded as 'late' instead.
        """

        async def work(db: aiosqlite.Connection) -> list[Delivery]:
            if oldest_due is not None:
                await db.execute(
                    "UPDATE reminder_deliveries SET status = 'failed', error = 'late'"
                    " WHERE status = 'pending' AND due_utc < ?",
                    (oldest_due,),
                )
            rows = list(
                await db.execute_fetchall(
                    "SELECT d.id, d.reminder_id, d.user_id, d.chat_id, d.fire_utc, d.attempts + 1,"
                    " r.kind, r.local_time, u.language, r.enabled"
                    " FROM reminder_deliveries d"
                    " JOIN reminders r ON r.id = d.reminder_id"
                    " JOIN users u ON u.user_id = d.user_id"
                    " WHERE d.status = 'pending' AND d.due_utc <= ?"
                    " ORDER BY d.due_utc, d.id LIMIT ?",
                    (now, limit),
                )
            )
            # A reminder stopped or paused since this was queued never sends.
            await db.executemany(
                "UPDATE reminder_deliveries SET status = 'failed', error = 'stopped' WHERE id = ?",
                [(r[0],) for r in rows if not r[9]],
            )
            rows = [r for r in rows if r[9]]
            await db.executemany(
                "UPDATE reminder_deliveries SET status = 'sending', attempts = attempts + 1"
                " WHERE id = ?",
                [(r[0],) for r in rows],
            )
            return [Delivery(*r[:9]) for r in rows]

        return list(await self._run(work))

    async def finish_deliveries(
        self,
        sent: Sequence[int],
        now: int,
        retry: Sequence[tuple[int, int]] = (),
        failed: Sequence[tuple[int, str]] = (),
        unsent: Sequence[int] = (),
    ) -> None:
        """Record a batch's results: sent ids; (id, retry at) to try again; (id, error);
        ids never put on the wire (a stop), back in the queue as they were."""

        async def work(db: aiosqlite.Connection) -> None:
            await db.executemany(
                "UPDATE reminder_deliveries SET status = 'sent', sent_utc = ? WHERE id = ?",
                [(now, i) for i in sent],
            )
            await db.executemany(
                "UPDATE reminder_deliveries SET status = 'pending', due_utc = ? WHERE id = ?",
                [(at, i) for i, at in retry],
            )
            await db.executemany(
                "UPDATE reminder_deliveries SET status = 'failed', error = ? WHERE id = ?",
                [(error, i) for i, error in failed],
            )
            await db.executemany(
                "UPDATE reminder_deliveries SET status = 'pending', attempts = attempts - 1"
                " WHERE id = ?",
                [(i,) for i in unsent],
            )

        await self._run(work)

    async def abandon_in_flight(self) -> int:
        """At start-up: deliveries a crash left mid-send may or may not have arrived; never
        resend them (no duplicates), record them as in doubt."""

        changed, _ = await self._write(
            "UPDATE reminder_deliveries SET status = 'failed', error = 'in doubt: interrupted'"
            " WHERE status = 'sending'"
        )
        return changed

    async def mark_blocked(self, user_id: int, now: int) -> None:
        """Telegram said 403: pause the user's reminders and remember why."""

        async def work(db: aiosqlite.Connection) -> None:
            await db.execute("UPDATE users SET blocked_utc = ? WHERE user_id = ?", (now, user_id))
            await db.execute(
                "UPDATE reminders SET enabled = 0, next_fire_utc = NULL,"
                " disabled_reason = 'blocked', updated_utc = ? WHERE user_id = ? AND enabled = 1",
                (now, user_id),
            )
            await db.execute(
                "UPDATE reminder_deliveries SET status = 'failed', error = 'blocked'"
                " WHERE user_id = ? AND status = 'pending'",
                (user_id,),
            )

        await self._run(work)

    async def clear_blocked(self, user_id: int) -> None:
        await self._write("UPDATE users SET blocked_utc = NULL WHERE user_id = ?", (user_id,))

    async def totals(self) -> dict[str, int]:
        """Counts for the operator's /stats: users, active reminders, feedback, deliveries."""
        rows = await self._fetch(
            "SELECT (SELECT COUNT(*) FROM users),"
            " (SELECT COUNT(*) FROM users WHERE blocked_utc IS NOT NULL),"
            " (SELECT COUNT(*) FROM reminders WHERE enabled = 1),"
            " (SELECT COUNT(*) FROM reminders),"
            " (SELECT COUNT(*) FROM feedback_events),"
            " (SELECT COUNT(*) FROM conversation_state)"
        )
        users, blocked, active, reminders, feedback, in_flow = (int(x) for x in rows[0])
        return {
            "users": users, "blocked": blocked, "reminders_active": active,
            "reminders": reminders, "feedback": feedback, "in_flow": in_flow,
        }  # fmt: skip

    async def delivery_counts(self) -> dict[str, int]:
        rows = await self._fetch("SELECT status, COUNT(*) FROM reminder_deliveries GROUP BY status")
        return {str(r[0]): int(r[1]) for r in rows}

    async def delivery_errors(self) -> list[str]:
        """Why each failed delivery failed ('in doubt: ...', 'blocked', 'late'...), oldest
        first."""
        rows = await self._fetch(
            "SELECT error FROM reminder_deliveries WHERE status = 'failed' ORDER BY id"
        )
        return [str(r[0]) for r in rows]

    async def add_users_with_reminders(
        self, rows: Sequence[tuple[int, str, str, int]], now: int
    ) -> None:
        """Bulk set-up for benchmarks: (user id, time zone, local time, next fire) per user,
        each with one bedtime reminder."""

        async def work(db: aiosqlite.Connection) -> None:
            await db.executemany(
                "INSERT OR IGNORE INTO users (user_id, chat_id, language, time_zone,"
                " first_seen_utc, last_seen_utc) VALUES (?, ?, 'en', ?, ?, ?)",
                [(uid, uid, tz, now, now) for uid, tz, _, _ in rows],
            )
            await db.executemany(
                "INSERT INTO reminders (user_id, kind, local_time, next_fire_utc, created_utc,"
                " updated_utc) VALUES (?, 'bedtime', ?, ?, ?, ?)",
                [(uid, hhmm, fire, now, now) for uid, _, hhmm, fire in rows],
            )

        await self._run(work)

    # --- diary --------------------------------------------------------------------------

    async def diary_settings(self, user_id: int) -> DiarySettings | None:
        rows = await self._fetch(
            "SELECT status, since_utc, medicines, weekly_next_utc FROM diary_settings"
            " WHERE user_id = ?",
            (user_id,),
        )
        return DiarySettings(*rows[0]) if rows else None

    async def set_diary_status(self, user_id: int, status: str, now: int) -> None:
        """Record the diary choice. Turning it on (again) keeps the entries and restarts
        `since` only when it was not on."""
        await self._write(
            "INSERT INTO diary_settings (user_id, status, since_utc, updated_utc)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
            " since_utc = CASE WHEN excluded.status = 'on' AND status != 'on'"
            " THEN excluded.since_utc ELSE since_utc END,"
            " weekly_next_utc = CASE WHEN excluded.status = 'on' THEN weekly_next_utc END,"
            " status = excluded.status, updated_utc = excluded.updated_utc",
            (user_id, status, now, now),
        )

    async def set_diary_medicines(self, user_id: int, medicines: str) -> None:
        await self._write(
            "UPDATE diary_settings SET medicines = ? WHERE user_id = ?", (medicines, user_id)
        )

    async def set_diary_weekly(self, user_id: int, next_utc: int | None) -> None:
        await self._write(
            "UPDATE diary_settings SET weekly_next_utc = ? WHERE user_id = ? AND status = 'on'",
            (next_utc, user_id),
        )

    async def add_diary_entry(
        self, user_id: int, entry: NewEntry, now: int, *, merge_after: int | None = None
    ) -> int:
        """Add an entry; with `merge_after`, a flow entry of this person that started since
        then is the same cramp and is updated instead (what was tried adds up, what helped
        and the minutes are the latest known, severe stays severe). Returns its id."""

        async def work(db: aiosqlite.Connection) -> int:
            if merge_after is not None:
                rows = list(
                    await db.execute_fetchall(
                        f"SELECT {_ENTRY_COLUMNS} FROM diary_entries WHERE user_id = ?"
                        " AND source = 'flow' AND occurred_utc >= ?"
                        " ORDER BY occurred_utc DESC, id DESC LIMIT 1",
                        (user_id, merge_after),
                    )
                )
                if rows:
                    old = _entry(rows[0])
                    tried = " ".join(dict.fromkeys((*old.tried, *entry.tried)))
                    await db.execute(
                        "UPDATE diary_entries SET tried = ?, helped = COALESCE(?, helped),"
                        " minutes_to_ease = COALESCE(?, minutes_to_ease),"
                        " severe = MAX(severe, ?), updated_utc = ? WHERE id = ?",
                        (tried, entry.helped, entry.minutes_to_ease, int(entry.severe), now,
                         old.id),
                    )  # fmt: skip
                    return old.id
            cursor = await db.execute(
                "INSERT INTO diary_entries (user_id, occurred_utc, zone, place, tried, helped,"
                " minutes_to_ease, severe, source, side, muscle, created_utc, updated_utc)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (user_id, entry.occurred_utc, entry.zone, entry.place, " ".join(entry.tried),
                 entry.helped, entry.minutes_to_ease, int(entry.severe), entry.source,
                 entry.side, entry.muscle, now, now),
            )  # fmt: skip
            return int(cursor.lastrowid or 0)

        return int(await self._run(work))

    async def diary_entries(
        self, user_id: int, since_utc: int | None, *, limit: int = -1
    ) -> list[Entry]:
        """The person's entries since `since_utc` (all with None), newest first."""
        rows = await self._fetch(
            f"SELECT {_ENTRY_COLUMNS} FROM diary_entries WHERE user_id = ? AND occurred_utc >= ?"
            " ORDER BY occurred_utc DESC, id DESC LIMIT ?",
            (user_id, since_utc if since_utc is not None else -(2**62), limit),
        )
        return [_entry(r) for r in rows]

    async def diary_entry(self, user_id: int, entry_id: int) -> Entry | None:
        rows = await self._fetch(
            f"SELECT {_ENTRY_COLUMNS} FROM diary_entries WHERE id = ? AND user_id = ?",
            (entry_id, user_id),
        )
        return _entry(rows[0]) if rows else None

    async def update_diary_entry(
        self, user_id: int, entry_id: int, occurred_utc: int, place: str, severe: bool
    ) -> bool:
        changed, _ = await self._write(
            "UPDATE diary_entries SET occurred_utc = ?, place = ?, severe = ?"
            " WHERE id = ? AND user_id = ?",
            (occurred_utc, place, int(severe), entry_id, user_id),
        )
        return changed > 0

    async def delete_diary_entry(self, user_id: int, entry_id: int) -> bool:
        changed, _ = await self._write(
            "DELETE FROM diary_entries WHERE id = ? AND user_id = ?", (entry_id, user_id)
        )
        return changed > 0

    async def count_diary_entries(self, user_id: int) -> int:
        rows = await self._fetch("SELECT COUNT(*) FROM diary_entries WHERE user_id = ?", (user_id,))
        return int(rows[0][0])

    async def delete_diary(self, user_id: int) -> int:
        """Delete the person's diary (entries, stretches, medicines, weekly notes), leaving
        their choice 'off'; no copy stays in the files (see forget_user)."""

        async def work(db: aiosqlite.Connection) -> int:
            cursor = await db.execute("DELETE FROM diary_entries WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM diary_stretches WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM diary_weekly_notes WHERE user_id = ?", (user_id,))
            await db.execute(
                "UPDATE diary_settings SET status = 'off', medicines = '', weekly_next_utc = NULL"
                " WHERE user_id = ?",
                (user_id,),
            )
            return int(cursor.rowcount)

        deleted = int(await self._run(work))
        await self.checkpoint()
        return deleted

    async def add_stretch_night(self, user_id: int, night: date, now: int) -> None:
        await self._write(
            "INSERT OR IGNORE INTO diary_stretches (user_id, night, created_utc) VALUES (?, ?, ?)",
            (user_id, night.isoformat(), now),
        )

    async def stretch_nights(self, user_id: int, since: date) -> set[date]:
        rows = await self._fetch(
            "SELECT night FROM diary_stretches WHERE user_id = ? AND night >= ?",
            (user_id, since.isoformat()),
        )
        return {date.fromisoformat(r[0]) for r in rows}

    async def add_diary_entries(self, user_id: int, entries: Sequence[NewEntry], now: int) -> None:
        """Bulk set-up for benchmarks and tests."""

        async def work(db: aiosqlite.Connection) -> None:
            await db.executemany(
                "INSERT INTO diary_entries (user_id, occurred_utc, zone, place, tried, helped,"
                " minutes_to_ease, severe, source, side, muscle, created_utc, updated_utc)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(user_id, e.occurred_utc, e.zone, e.place, " ".join(e.tried), e.helped,
                  e.minutes_to_ease, int(e.severe), e.source, e.side, e.muscle, now, now)
                 for e in entries],
            )  # fmt: skip

        await self._run(work)

    async def due_weekly(self, now: int, limit: int) -> list[tuple[int, int]]:
        """(user id, fire time) of the weekly notes due at `now`."""
        rows = await self._fetch(
            "SELECT user_id, weekly_next_utc FROM diary_settings WHERE status = 'on'"
            " AND weekly_next_utc IS NOT NULL AND weekly_next_utc <= ?"
            " ORDER BY weekly_next_utc LIMIT ?",
            (now, limit),
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def weekly_zones(self, user_ids: Sequence[int]) -> dict[int, str | None]:
        marks = ",".join("?" * len(user_ids))
        rows = await self._fetch(
            f"SELECT user_id, time_zone FROM users WHERE user_id IN ({marks})", tuple(user_ids)
        )
        return {int(r[0]): r[1] for r in rows}

    async def claim_weekly(
        self, plans: Sequence[tuple[int, int, int]], late: set[int]
    ) -> list[WeeklyDue]:
        """Move each (user id, fire time, next fire time) on and claim its note, in one
        transaction; a note whose time moved since it was read (another sweep) is left alone,
        and (user, fire time) is unique, so a note is claimed at most once. Notes of people in
        `late` are skipped. Notes waiting for a retry are claimed again too."""

        async def work(db: aiosqlite.Connection) -> list[WeeklyDue]:
            for user_id, fire, following in plans:
                cursor = await db.execute(
                    "UPDATE diary_settings SET weekly_next_utc = ?"
                    " WHERE user_id = ? AND weekly_next_utc = ? AND status = 'on'",
                    (following, user_id, fire),
                )
                if cursor.rowcount and user_id not in late:
                    await db.execute(
                        "INSERT OR IGNORE INTO diary_weekly_notes (user_id, fire_utc, status,"
                        " attempts) VALUES (?, ?, 'pending', 0)",
                        (user_id, fire),
                    )
            rows = list(
                await db.execute_fetchall(
                    "SELECT n.id, n.user_id, u.chat_id, n.fire_utc, u.time_zone, u.language,"
                    " n.attempts + 1 FROM diary_weekly_notes n JOIN users u"
                    " ON u.user_id = n.user_id WHERE n.status = 'pending' ORDER BY n.id"
                )
            )
            await db.executemany(
                "UPDATE diary_weekly_notes SET status = 'sending', attempts = attempts + 1"
                " WHERE id = ?",
                [(r[0],) for r in rows],
            )
            return [WeeklyDue(*r) for r in rows]

        return list(await self._run(work))

    async def finish_weekly(self, note_id: int, status: str, error: str | None, now: int) -> None:
        await self._write(
            "UPDATE diary_weekly_notes SET status = ?, error = ?,"
            " sent_utc = CASE WHEN ? = 'sent' THEN ? END WHERE id = ?",
            (status, error, status, now, note_id),
        )

    async def weekly_counts(self) -> dict[str, int]:
        rows = await self._fetch("SELECT status, COUNT(*) FROM diary_weekly_notes GROUP BY status")
        return {str(r[0]): int(r[1]) for r in rows}

    async def abandon_weekly_in_flight(self) -> int:
        """At start-up: weekly notes a crash left mid-send are in doubt, never resent."""
        changed, _ = await self._write(
            "UPDATE diary_weekly_notes SET status = 'failed', error = 'in doubt: interrupted'"
            " WHERE status = 'sending'"
        )
        return changed

    async def integrity_check(self) -> str:
        rows = await self._fetch("PRAGMA integrity_check")
        return str(rows[0][0])


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


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
