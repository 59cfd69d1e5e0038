"""Where each person is in a guided flow, and what they said helped."""

from __future__ import annotations

import json
from typing import Any

from bot.storage.database import Database, StateRow
from bot.storage.records import ConversationState


class ConversationQueries(Database):
    async def get_state(self, user_id: int) -> ConversationState | None:
        if self._states.known(user_id):
            return _state(self._states.get(user_id))
        with self._states.reading(user_id) as keep:
            rows = await self._fetch(
                "SELECT user_id, flow, step, message_id, started_utc, updated_utc, data"
                " FROM conversation_state WHERE user_id = ?",
                (user_id,),
            )
            row: StateRow | None = tuple(rows[0]) if rows else None
            keep(row)
        return _state(row)

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
        text = json.dumps(data or {})
        # The flow's clock after the write: now for a new flow or a first row, else as it
        # was (None: not known here, so the row is read again next time).
        started: int | None = now
        if not new and self._states.known(user_id):
            before = self._states.get(user_id)
            started = before[4] if before is not None else now
        elif not new:
            started = None
        with self._states.writing(user_id) as keep:
            await self._write(
                "INSERT INTO conversation_state"
                " (user_id, flow, step, message_id, started_utc, updated_utc, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET flow = excluded.flow,"
                " step = excluded.step, message_id = excluded.message_id,"
                " updated_utc = excluded.updated_utc, data = excluded.data,"
                " started_utc = CASE WHEN ? THEN excluded.started_utc ELSE started_utc END",
                (user_id, flow, step, message_id, now, now, text, new),
            )
            if started is not None:
                keep((user_id, flow, step, message_id, started, now, text))

    async def clear_state(self, user_id: int) -> None:
        with self._states.writing(user_id) as keep:
            await self._write("DELETE FROM conversation_state WHERE user_id = ?", (user_id,))
            keep(None)

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


def _state(row: StateRow | None) -> ConversationState | None:
    if row is None:
        return None
    user_id, flow, step, message_id, started, updated, data = row
    return ConversationState(user_id, flow, step, message_id, started, updated, json.loads(data))
