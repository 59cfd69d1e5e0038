"""Counts for the operator's /stats."""

from __future__ import annotations

from bot.storage.database import Database


class StatsQueries(Database):
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
