"""The rows Storage keeps of what it last read or wrote (bot/storage/cache.py): what it
answers is what the file holds, a read that overlapped a write is not kept, and the rows
kept save their round trips to the database thread."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.storage import Storage
from bot.storage.cache import RowCache


def _in_file(path: Path, user_id: int) -> tuple[Any, Any]:
    """The user's row and conversation state as another connection reads them."""
    with sqlite3.connect(path) as db:
        user = db.execute(
            "SELECT user_id, chat_id, language, time_zone, first_seen_utc, last_seen_utc,"
            " blocked_utc, language_chosen FROM users WHERE user_id = ?",
            (user_id,),
        ).fetchone()
        state = db.execute(
            "SELECT user_id, flow, step, message_id, started_utc, updated_utc, data"
            " FROM conversation_state WHERE user_id = ?",
            (user_id,),
        ).fetchone()
    return user, state


async def _as_storage_says(storage: Storage, user_id: int) -> tuple[Any, Any]:
    user = await storage.get_user(user_id)
    state = await storage.get_state(user_id)
    user_row = None
    if user is not None:
        user_row = (
            user.user_id, user.chat_id, user.language, user.time_zone, user.first_seen_utc,
            user.last_seen_utc, user.blocked_utc, int(user.language_chosen),
        )  # fmt: skip
    state_row = None
    if state is not None:
        state_row = (
            state.user_id, state.flow, state.step, state.message_id, state.started_utc,
            state.updated_utc, json.dumps(state.data),
        )  # fmt: skip
    return user_row, state_row


async def test_what_storage_answers_is_what_the_file_holds(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    storage = await Storage.open(path)
    try:
        steps: list[Callable[[], Awaitable[None]]] = [
            lambda: storage.touch_user(7, 70, "en", 100),
            lambda: storage.save_state(7, "now", "start", 3, 110, {"tried": []}, new=True),
            lambda: storage.save_state(7, "now", "rub", 3, 120, {"tried": ["stretch"]}),
            lambda: storage.set_time_zone(7, "Europe/London"),
            lambda: storage.save_state(7, "bed", "start", 4, 130, new=True),
            lambda: storage.set_language(7, "es"),
            lambda: storage.touch_user(7, 71, "en", 140),
            lambda: storage.mark_blocked(7, 150),
            lambda: storage.clear_blocked(7),
            lambda: storage.clear_state(7),
            lambda: storage.save_state(7, "swim", "start", 5, 160),
            lambda: storage.forget_user(7),
            lambda: storage.touch_user(7, 72, "en", 170),
            lambda: storage.save_state(7, "now", "start", 6, 180),
        ]
        for step in steps:
            await step()
            # Twice: the second answer comes from what was kept.
            assert await _as_storage_says(storage, 7) == _in_file(path, 7)
            assert await _as_storage_says(storage, 7) == _in_file(path, 7)
        state = await storage.get_state(7)
        assert state is not None
        state.data["changed"] = True  # a caller's change to its copy is not kept
        again = await storage.get_state(7)
        assert again is not None
        assert "changed" not in again.data
    finally:
        await storage.close()


async def test_rows_kept_save_round_trips(storage: Storage) -> None:
    statements: list[str] = []
    await storage._db.set_trace_callback(statements.append)
    await storage.touch_user(8, 80, "en", 100)
    await storage.save_state(8, "now", "start", 1, 100, new=True)
    statements.clear()
    for _ in range(3):
        assert await storage.get_user(8) is not None
        assert await storage.get_state(8) is not None
    assert statements == []  # both rows came back from their writes (RETURNING)
    # A step that continues a flow keeps the flow's clock, which the write reads back.
    await storage.save_state(8, "now", "rub", 1, 130)
    statements.clear()
    state = await storage.get_state(8)
    assert state is not None
    assert (state.step, state.started_utc, state.updated_utc) == ("rub", 100, 130)
    assert statements == []
    await storage.clear_state(8)
    statements.clear()
    assert await storage.get_state(8) is None
    assert statements == []  # "no state" is known too


def test_a_read_that_overlapped_a_write_is_not_kept() -> None:
    cache: RowCache[str] = RowCache()
    with cache.reading(1) as keep_read:
        with cache.writing(1) as keep_write:
            keep_write("written")
        keep_read("read before the write, maybe")
    assert cache.known(1)
    assert cache.get(1) == "written"
    with cache.writing(1) as keep_write:
        with cache.reading(1) as keep_read:
            keep_read("read while the write waited for its turn")
        assert not cache.known(1)
        keep_write("written again")
    assert cache.get(1) == "written again"


def test_a_write_overtaken_by_another_keeps_nothing() -> None:
    cache: RowCache[str] = RowCache()
    with cache.writing(1) as first, cache.writing(1) as second:
        first("first")  # the second write may have run before or after it
        assert not cache.known(1)
        second("second")
    assert cache.get(1) == "second"
    with cache.writing(2):
        pass  # a write whose result the caller cannot tell: the row is unknown
    assert not cache.known(2)


def test_a_failed_write_leaves_the_row_unknown() -> None:
    cache: RowCache[str] = RowCache()
    with cache.reading(1) as keep:
        keep("old")
    try:
        with cache.writing(1):
            raise sqlite3.OperationalError("database is locked")
    except sqlite3.OperationalError:
        pass
    assert not cache.known(1)


def test_the_cache_is_bounded() -> None:
    cache: RowCache[int] = RowCache(size=3)
    for user_id in range(10):
        with cache.reading(user_id) as keep:
            keep(user_id)
    assert sum(cache.known(u) for u in range(10)) <= 3
    assert cache.known(9)
    assert cache.get(9) == 9


async def test_helpful_methods_are_read_once_until_one_is_added(storage: Storage) -> None:
    statements: list[str] = []
    await storage._db.set_trace_callback(statements.append)
    await storage.touch_user(9, 90, "en", 100)
    await storage.add_feedback(9, "now", "stretch", "helped", 100)
    statements.clear()
    for _ in range(3):
        assert await storage.helpful_methods(9) == ["stretch"]
    assert len([s for s in statements if "feedback_events" in s]) == 1
    # An answer that was no help changes nothing the flows read: still known.
    await storage.add_feedback(9, "now", "massage", "not_helped", 110)
    statements.clear()
    assert await storage.helpful_methods(9) == ["stretch"]
    assert statements == []
    # One that helped is read again, newest first, as the file says.
    await storage.add_feedback(9, "now", "massage", "helped", 120)
    assert await storage.helpful_methods(9) == ["massage", "stretch"]
    await storage.forget_user(9)
    assert await storage.helpful_methods(9) == []


async def test_the_diary_choice_is_kept_as_the_file_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    storage = await Storage.open(path)

    def in_file() -> Any:
        with sqlite3.connect(path) as db:
            return db.execute(
                "SELECT status, since_utc, medicines, weekly_next_utc FROM diary_settings"
                " WHERE user_id = 5"
            ).fetchone()

    async def as_storage_says() -> Any:
        settings = await storage.diary_settings(5)
        if settings is None:
            return None
        return (settings.status, settings.since_utc, settings.medicines, settings.weekly_next_utc)

    try:
        await storage.touch_user(5, 50, "en", 100)
        steps: list[Callable[[], Awaitable[object]]] = [
            lambda: storage.set_diary_medicines(5, "statin"),  # no row yet: still none
            lambda: storage.set_diary_status(5, "asked", 110),
            lambda: storage.set_diary_weekly(5, 999),  # not on: nothing moves
            lambda: storage.set_diary_status(5, "on", 120),
            lambda: storage.set_diary_weekly(5, 1_000),
            lambda: storage.set_diary_medicines(5, "statin"),
            lambda: storage.claim_weekly([(5, 1_000, 2_000)], set()),
            lambda: storage.set_diary_status(5, "on", 130),  # on again: since stays
            lambda: storage.delete_diary(5),
            lambda: storage.set_diary_status(5, "no", 140),
            lambda: storage.forget_user(5),
        ]
        for step in steps:
            await step()
            assert await as_storage_says() == in_file()
            assert await as_storage_says() == in_file()
        statements: list[str] = []
        await storage.touch_user(5, 50, "en", 150)
        await storage.set_diary_status(5, "asked", 150)
        await storage._db.set_trace_callback(statements.append)
        for _ in range(3):
            settings = await storage.diary_settings(5)
            assert settings is not None
            assert settings.status == "asked"
        assert statements == []  # known from its write
    finally:
        await storage.close()


async def test_a_touch_brings_back_what_the_update_reads_next(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    storage = await Storage.open(path)
    await storage.touch_user(6, 60, "en", 100)
    await storage.save_state(6, "bed", "stretch", 4, 110, {"tried": ["stretch"], "é": "ü"})
    await storage.add_feedback(6, "bed", "stretch", "helped", 120)
    await storage.set_diary_status(6, "on", 130)
    await storage.set_diary_medicines(6, "statin")
    await storage.touch_user(3, 30, "en", 100)
    await storage.close()
    storage = await Storage.open(path)  # nothing kept from before
    try:
        statements: list[str] = []
        await storage._db.set_trace_callback(statements.append)
        await storage.touch_user(6, 61, "en", 200)
        await storage.touch_user(3, 31, "en", 200)
        assert len(statements) == 2
        statements.clear()
        assert await _as_storage_says(storage, 6) == _in_file(path, 6)
        assert await _as_storage_says(storage, 3) == _in_file(path, 3)
        assert await storage.helpful_methods(3) == []  # none ever helped: known
        diary = await storage.diary_settings(6)
        assert diary is not None
        assert (diary.status, diary.since_utc, diary.medicines) == ("on", 130, "statin")
        assert await storage.diary_settings(3) is None
        assert statements == []
        # Someone some method helped: that list is read when a flow asks for it.
        assert await storage.helpful_methods(6) == ["stretch"]
        assert len(statements) == 1
    finally:
        await storage.close()
