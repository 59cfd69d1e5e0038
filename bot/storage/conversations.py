"""Where each person is in a guided flow, and what they said helped."""

from __future__ import annotations

import json
from typing import Any

from bot.storage.database import Database, StateRow
from bot.storage.records import ConversationState

# The feedback outcome the flows put first next time.
HELPED = "helped"


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
        with self._states.writing(user_id) as keep:
            # The flow's clock as it is after the write comes back with it (RETURNING): the
            # row is then known whole, and the next read of it costs no round trip.
            rows = await self._write_returning(
                "INSERT INTO conversation_state"
                " (user_id, flow, step, message_id, started_utc, updated_utc, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET flow = excluded.flow,"
                " step = excluded.step, message_id = excluded.message_id,"
                " updated_utc = excluded.updated_utc, data = excluded.data,"
                " started_utc = CASE WHEN ? THEN excluded.started_utc ELSE started_utc END"
                " RETURNING started_utc",
                (user_id, flow, step, message_id, now, now, text, new),
            )
            keep((user_id, flow, step, message_id, int(rows[0][0]), now, text))

    async def clear_state(self, user_id: int) -> None:
        with self._states.writing(user_id) as keep:
            await self._write("DELETE FROM conversation_state WHERE user_id = ?", (user_id,))
            keep(None)

    # --- feedback -----------------------------------------------------------------------

    async def add_feedback(
        self, user_id: int, flow: str, method: str, outcome: str, now: int
    ) -> None:
        if outcome != HELPED:  # the methods that helped are as they were
            await self._write(
                "INSERT INTO feedback_events (user_id, flow, method, outcome, created_utc)"
                " VALUES (?, ?, ?, ?, ?)",
                (user_id, flow, method, outcome, now),
            )
            return
        with self._helpful.writing(user_id):
            await self._write(
                "INSERT INTO feedback_events (user_id, flow, method, outcome, created_utc)"
                " VALUES (?, ?, ?, ?, ?)",
                (user_id, flow, method, outcome, now),
            )

    async def helpful_methods(self, user_id: int) -> list[str]:
        """Methods this user said helped, most recent first, each once. Kept once read
        (every flow start asks) until the person adds one or is forgotten."""
        if self._helpful.known(user_id):
            return list(self._helpful.get(user_id) or ())
        with self._helpful.reading(user_id) as keep:
            rows = await self._fetch(
                "SELECT method, MAX(created_utc) AS last FROM feedback_events"
                " WHERE user_id = ? AND outcome = ? GROUP BY method ORDER BY last DESC",
                (user_id, HELPED),
            )
            methods = tuple(r[0] for r in rows)
            keep(methods)
        return list(methods)


def _state(row: StateRow | None) -> ConversationState | None:
    if row is None:
        return None
    user_id, flow, step, message_id, started, updated, data = row
    return ConversationState(user_id, flow, step, message_id, started, updated, json.loads(data))
