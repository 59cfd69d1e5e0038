"""The cramp diary: the person's choice, entries, bedtime stretches and weekly notes."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from datetime import date
from typing import Any

import aiosqlite

from bot.diary.entries import Entry
from bot.storage.database import Database
from bot.storage.records import DiarySettings, NewEntry, WeeklyDue

_SETTINGS_COLUMNS = "status, since_utc, medicines, weekly_next_utc"
_ENTRY_COLUMNS = (
    "id, occurred_utc, zone, place, tried, helped, minutes_to_ease, severe, source, side, muscle"
)


def _entry(row: Sequence[Any]) -> Entry:
    return Entry(
        id=row[0], occurred_utc=row[1], zone=row[2], place=row[3],
        tried=tuple(row[4].split()) if row[4] else (), helped=row[5], minutes_to_ease=row[6],
        severe=bool(row[7]), source=row[8], side=row[9], muscle=row[10],
    )  # fmt: skip


class DiaryQueries(Database):
    async def diary_settings(self, user_id: int) -> DiarySettings | None:
        """Kept once read or written (every relief flow's end asks; see cache.py)."""
        if self._diary.known(user_id):
            return self._diary.get(user_id)
        with self._diary.reading(user_id) as keep:
            rows = await self._fetch(
                f"SELECT {_SETTINGS_COLUMNS} FROM diary_settings WHERE user_id = ?", (user_id,)
            )
            settings = DiarySettings(*rows[0]) if rows else None
            keep(settings)
        return settings

    async def set_diary_status(self, user_id: int, status: str, now: int) -> None:
        """Record the diary choice. Turning it on (again) keeps the entries and restarts
        `since` only when it was not on."""
        with self._diary.writing(user_id) as keep:
            rows = await self._write_returning(
                "INSERT INTO diary_settings (user_id, status, since_utc, updated_utc)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                " since_utc = CASE WHEN excluded.status = 'on' AND status != 'on'"
                " THEN excluded.since_utc ELSE since_utc END,"
                " weekly_next_utc = CASE WHEN excluded.status = 'on' THEN weekly_next_utc END,"
                " status = excluded.status, updated_utc = excluded.updated_utc"
                f" RETURNING {_SETTINGS_COLUMNS}",
                (user_id, status, now, now),
            )
            keep(DiarySettings(*rows[0]))

    async def set_diary_medicines(self, user_id: int, medicines: str) -> None:
        with self._diary.writing(user_id) as keep:
            rows = await self._write_returning(
                "UPDATE diary_settings SET medicines = ? WHERE user_id = ?"
                f" RETURNING {_SETTINGS_COLUMNS}",
                (medicines, user_id),
            )
            keep(DiarySettings(*rows[0]) if rows else None)  # no row: there is none

    async def set_diary_weekly(self, user_id: int, next_utc: int | None) -> None:
        with self._diary.writing(user_id) as keep:
            rows = await self._write_returning(
                "UPDATE diary_settings SET weekly_next_utc = ? WHERE user_id = ?"
                f" AND status = 'on' RETURNING {_SETTINGS_COLUMNS}",
                (next_utc, user_id),
            )
            if rows:  # else the row (if any) is not on, and was not read: unknown
                keep(DiarySettings(*rows[0]))

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

        with self._diary.writing(user_id):
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

        # Each planned person's weekly_next_utc may move: their kept settings go.
        with ExitStack() as stack:
            for user_id in {user_id for user_id, _, _ in plans}:
                stack.enter_context(self._diary.writing(user_id))
            return list(await self._run(work))

    async def finish_weekly(self, note_id: int, status: str, error: str | None, now: int) -> None:
        await self._write(
            "UPDATE diary_weekly_notes SET status = ?, error = ?,"
            " sent_utc = CASE WHEN ? = 'sent' THEN ? END WHERE id = ?",
            (status, error, status, now, note_id),
        )

    async def abandon_weekly_in_flight(self) -> int:
        """At start-up: weekly notes a crash left mid-send are in doubt, never resent."""
        changed, _ = await self._write(
            "UPDATE diary_weekly_notes SET status = 'failed', error = 'in doubt: interrupted'"
            " WHERE status = 'sending'"
        )
        return changed
