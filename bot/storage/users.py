"""Who has written to the bot: their row, their time zone, a 403, and forgetting them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import aiosqlite

from bot.storage.conversations import HELPED
from bot.storage.database import Database
from bot.storage.records import DiarySettings, User

_USER_COLUMNS = (
    "user_id, chat_id, language, time_zone, first_seen_utc, last_seen_utc, blocked_utc,"
    " language_chosen"
)


def _user(row: Sequence[Any]) -> User:
    user_id, chat_id, language, time_zone, first, last, blocked, chosen = row
    return User(user_id, chat_id, language, time_zone, first, last, blocked, bool(chosen))


class UserQueries(Database):
    async def touch_user(self, user_id: int, chat_id: int, language: str, now: int) -> None:
        """Record that a user wrote: first time creates them (with their Telegram language),
        later times move last_seen; `set_language` records a language they chose."""

        # The same hop brings back what the person's update will read next: the user row as
        # it now is, the conversation state, whether any method ever helped them (the flows
        # ask at every start) and the diary choice (every flow's end reads it). Each is kept
        # only if no write to it overlapped.
        with (
            self._users.writing(user_id) as keep_user,
            self._states.reading(user_id) as keep_state,
            self._helpful.reading(user_id) as keep_helpful,
            self._diary.reading(user_id) as keep_diary,
        ):
            rows = await self._write_returning(
                "INSERT INTO users (user_id, chat_id, language, first_seen_utc, last_seen_utc)"
                " VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id,"
                f" last_seen_utc = excluded.last_seen_utc RETURNING {_USER_COLUMNS},"
                " (SELECT json_array(flow, step, message_id, started_utc, updated_utc, data)"
                "  FROM conversation_state WHERE user_id = ?),"
                " EXISTS (SELECT 1 FROM feedback_events WHERE user_id = ? AND outcome = ?),"
                " (SELECT json_array(status, since_utc, medicines, weekly_next_utc)"
                "  FROM diary_settings WHERE user_id = ?)",
                (user_id, chat_id, language, now, now, user_id, user_id, HELPED, user_id),
            )
            row = rows[0]
            keep_user(_user(row[:8]))
            state = row[8]
            keep_state(None if state is None else (user_id, *json.loads(state)))
            if not row[9]:
                keep_helpful(())  # none yet (else read when a flow asks)
            diary = row[10]
            keep_diary(None if diary is None else DiarySettings(*json.loads(diary)))

    async def get_user(self, user_id: int) -> User | None:
        if self._users.known(user_id):
            return self._users.get(user_id)
        with self._users.reading(user_id) as keep:
            rows = await self._fetch(
                f"SELECT {_USER_COLUMNS} FROM users WHERE user_id = ?", (user_id,)
            )
            if not rows:
                # Not kept: another program may add the row (a user is added by the bot
                # itself at its first update, so this is rare).
                return None
            user = _user(rows[0])
            keep(user)
        return user

    async def set_language(self, user_id: int, language: str) -> None:
        """The language the person chose: kept over the one Telegram reports from now on."""
        with self._users.writing(user_id) as keep:
            rows = await self._write_returning(
                "UPDATE users SET language = ?, language_chosen = 1 WHERE user_id = ?"
                f" RETURNING {_USER_COLUMNS}",
                (language, user_id),
            )
            if rows:
                keep(_user(rows[0]))

    async def set_time_zone(self, user_id: int, time_zone: str) -> None:
        with self._users.writing(user_id) as keep:
            rows = await self._write_returning(
                f"UPDATE users SET time_zone = ? WHERE user_id = ? RETURNING {_USER_COLUMNS}",
                (time_zone, user_id),
            )
            if rows:
                keep(_user(rows[0]))

    async def forget_user(self, user_id: int) -> None:
        """Delete every row about the user (child tables follow by ON DELETE CASCADE), and
        leave no copy behind: secure_delete (set at open) zeroes the freed bytes, and a
        checkpoint moves the change into the main file and empties the -wal file, which
        still held the old pages."""

        # The conversation state, feedback and diary go with the user row (ON DELETE CASCADE).
        with (
            self._users.writing(user_id),
            self._states.writing(user_id),
            self._helpful.writing(user_id),
            self._diary.writing(user_id),
        ):
            await self._write("DELETE FROM users WHERE user_id = ?", (user_id,))
        await self.checkpoint()

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

        with self._users.writing(user_id):
            await self._run(work)

    async def clear_blocked(self, user_id: int) -> None:
        with self._users.writing(user_id) as keep:
            rows = await self._write_returning(
                f"UPDATE users SET blocked_utc = NULL WHERE user_id = ? RETURNING {_USER_COLUMNS}",
                (user_id,),
            )
            if rows:
                keep(_user(rows[0]))
