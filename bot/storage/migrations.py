"""The schema, as numbered migrations, and the code that applies them.

Numbered, append-only. Each runs in its own transaction and is recorded in schema_migrations.
Never edit one that has shipped: add a new one at the end, with a comment saying why.
tests/test_storage.py migrates an empty database and every earlier version to the latest.
"""

from __future__ import annotations

import aiosqlite

Migration = tuple[int, str, str]  # (version, name, SQL)

MIGRATIONS: tuple[Migration, ...] = (
    # Why: the bot must know whom it answers, in which language and time zone.
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
    # Why: a guided flow survives a restart; its step lives here, not in memory.
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
    # Why: reminders must fire after a restart and never twice, so SQLite is the schedule and
    # each occurrence is one delivery row, unique per (reminder, fire time).
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
    # Why: the method a person said helped is offered first next time.
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
    # Why: after a 403 the bot must stop sending to that person until they write again.
    (
        5,
        "users.blocked_utc: when Telegram said the user blocked the bot (403)",
        "ALTER TABLE users ADD COLUMN blocked_utc INTEGER;",
    ),
    # Why: a double tap on Snooze must snooze once: one snooze per reminder message.
    (
        6,
        "reminder_deliveries.snooze_of: the reminder message a snooze came from, one per message",
        """
        ALTER TABLE reminder_deliveries ADD COLUMN snooze_of INTEGER;
        CREATE UNIQUE INDEX deliveries_snooze ON reminder_deliveries(reminder_id, snooze_of)
            WHERE snooze_of IS NOT NULL;
        """,
    ),
    # Why: the cramp diary (bot/diary/). Its rows exist only after the person says Yes, and
    # all of them follow the user row on /forget (ON DELETE CASCADE).
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
    # Why: a person can choose the bot's language (/language, "Keep <language>?"); that choice
    # must outlive a restart and win over the language Telegram reports, which otherwise keeps
    # users.language up to date.
    (
        8,
        "users.language_chosen: 1 when the person chose users.language themselves",
        "ALTER TABLE users ADD COLUMN language_chosen INTEGER NOT NULL DEFAULT 0;",
    ),
)
LATEST_VERSION = MIGRATIONS[-1][0]


async def schema_version(db: aiosqlite.Connection) -> int:
    rows = await db.execute_fetchall("SELECT MAX(version) FROM schema_migrations")
    value = next(iter(rows))[0]
    return int(value) if value is not None else 0


async def migrate(db: aiosqlite.Connection, target_version: int = LATEST_VERSION) -> None:
    """Apply each missing migration in its own IMMEDIATE transaction. The version is read
    after the write lock is taken, so processes starting at once on a new file take turns
    (busy_timeout) and each migration runs exactly once."""
    for version, name, sql in MIGRATIONS:
        if version > target_version:
            return
        await db.execute("BEGIN IMMEDIATE")
        try:
            await db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                " name TEXT NOT NULL, applied_utc INTEGER NOT NULL)"
            )
            if await schema_version(db) < version:
                # executescript would COMMIT first; run statement by statement here.
                for statement in _split_sql(sql):
                    await db.execute(statement)
                await db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_utc)"
                    " VALUES (?, ?, strftime('%s', 'now'))",
                    (version, name),
                )
            await db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                await db.execute("ROLLBACK")
            raise


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
