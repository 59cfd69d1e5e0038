"""`Storage`: every query the bot makes, on one connection."""

from __future__ import annotations

from bot.storage.conversations import ConversationQueries
from bot.storage.diary import DiaryQueries
from bot.storage.outbox import OutboxQueries
from bot.storage.reminders import ReminderQueries
from bot.storage.stats import StatsQueries
from bot.storage.users import UserQueries


class Storage(
    UserQueries, ConversationQueries, ReminderQueries, OutboxQueries, StatsQueries, DiaryQueries
):
    """One connection to the bot's database (see database.py), with the queries of each use."""
