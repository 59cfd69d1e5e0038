"""Storage against a real SQLite file: migrations, pragmas, users, state, feedback, failures."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.storage import LATEST_VERSION, MIGRATIONS, Storage, StorageError
from bot.storage.database import _describe
from tests import peek


async def test_empty_database_migrates_to_latest(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "sub" / "bot.sqlite3")
    try:
        assert await storage.schema_version() == LATEST_VERSION
        assert await peek.pragma(storage, "journal_mode") == "wal"
        assert await peek.pragma(storage, "foreign_keys") == 1
        assert await peek.pragma(storage, "synchronous") == 1  # NORMAL
        names = {name for name, _ in await peek.schema(storage)}
        assert {
            "users", "conversation_state", "reminders", "reminder_deliveries",
            "feedback_events", "schema_migrations", "reminders_due",
        } <= names  # fmt: skip
    finally:
        await storage.close()


@pytest.mark.parametrize("start_version", [v for v, _, _ in MIGRATIONS[:-1]])
async def test_upgrade_from_every_earlier_version_keeps_data(
    tmp_path: Path, start_version: int
) -> None:
    path = tmp_path / "old.sqlite3"
    old = await Storage.open(path, target_version=start_version)
    assert await old.schema_version() == start_version
    await old.close()
    # A user row as that version's schema holds it (the first migration's columns; the
    # bot's own queries are written for the latest schema).
    db = sqlite3.connect(path)
    try:
        with db:
            db.execute(
                "INSERT INTO users (user_id, chat_id, language, first_seen_utc, last_seen_utc)"
                " VALUES (42, 42, 'en', 1000, 1000)"
            )
    finally:
        db.close()

    upgraded = await Storage.open(path)
    fresh = await Storage.open(tmp_path / "fresh.sqlite3")
    try:
        assert await upgraded.schema_version() == LATEST_VERSION
        assert await peek.schema(upgraded) == await peek.schema(fresh)
        user = await upgraded.get_user(42)
        assert user is not None
        assert user.first_seen_utc == 1000
    finally:
        await upgraded.close()
        await fresh.close()


def test_errors_are_described_by_what_they_are() -> None:
    path = Path("bot.sqlite3")
    locked = _describe(sqlite3.OperationalError("database is locked"), path)
    assert "locked by another process" in locked
    # A message that merely contains "locked" is not a lock.
    missing = _describe(sqlite3.OperationalError("no such column: blocked_utc"), path)
    assert "locked" not in missing.replace("blocked_utc", "")
    assert "no such column: blocked_utc" in missing


async def test_migrations_are_recorded_once(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    for _ in range(2):
        storage = await Storage.open(path)
        await storage.close()
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    assert [r[0] for r in rows] == [v for v, _, _ in MIGRATIONS]


async def test_user_first_and_last_seen(storage: Storage) -> None:
    await storage.touch_user(7, 70, "en", now=100)
    await storage.touch_user(7, 70, "en", now=250)
    user = await storage.get_user(7)
    assert user is not None
    assert (user.first_seen_utc, user.last_seen_utc, user.chat_id) == (100, 250, 70)
    assert await storage.get_user(8) is None


async def test_state_round_trip_and_restart(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    storage = await Storage.open(path)
    await storage.touch_user(1, 1, "en", now=10)
    await storage.save_state(1, "bed", "stretch", 55, now=10, data={"tried": ["a"]}, new=True)
    await storage.save_state(1, "bed", "massage", 55, now=20, data={"tried": ["a", "b"]})
    await storage.close()

    reopened = await Storage.open(path)
    try:
        state = await reopened.get_state(1)
        assert state is not None
        assert (state.flow, state.step, state.message_id) == ("bed", "massage", 55)
        assert state.started_utc == 10
        assert state.updated_utc == 20
        assert state.data == {"tried": ["a", "b"]}
        await reopened.clear_state(1)
        assert await reopened.get_state(1) is None
    finally:
        await reopened.close()


async def test_forget_removes_every_row(storage: Storage) -> None:
    await storage.touch_user(5, 5, "en", now=1)
    await storage.save_state(5, "swim", "float", 3, now=1, new=True)
    await storage.add_feedback(5, "bed", "toe_stretch", "helped", now=2)
    await storage.touch_user(6, 6, "en", now=1)
    assert await peek.rows_mentioning_user(storage, 5) == 3
    await storage.forget_user(5)
    assert await peek.rows_mentioning_user(storage, 5) == 0
    assert await storage.get_user(6) is not None


async def test_helpful_methods_newest_first(storage: Storage) -> None:
    await storage.touch_user(9, 9, "en", now=1)
    await storage.add_feedback(9, "bed", "stretch", "helped", now=10)
    await storage.add_feedback(9, "bed", "massage", "helped", now=20)
    await storage.add_feedback(9, "bed", "walk", "no", now=30)
    await storage.add_feedback(9, "bed", "stretch", "helped", now=40)
    assert await storage.helpful_methods(9) == ["stretch", "massage"]


async def test_concurrent_writers_lose_nothing(storage: Storage) -> None:
    await asyncio.gather(*(storage.touch_user(i, i, "en", now=i) for i in range(1, 201)))
    await asyncio.gather(
        *(storage.save_state(i, "bed", f"s{i}", i, now=i, new=True) for i in range(1, 201))
    )
    for i in (1, 100, 200):
        state = await storage.get_state(i)
        assert state is not None
        assert state.step == f"s{i}"


async def test_corrupt_file_gives_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StorageError, match="damaged"):
        await Storage.open(path)
    assert path.read_bytes().startswith(b"this is not")  # nothing overwritten


async def test_read_only_connection_gives_clear_error_and_keeps_data(tmp_path: Path) -> None:
    """Works as root too: the database is opened read-only by URI, so writes must fail."""
    path = tmp_path / "bot.sqlite3"
    storage = await Storage.open(path)
    await storage.touch_user(1, 1, "en", now=5)
    await storage.close()
    import aiosqlite

    db = await aiosqlite.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    ro = Storage(db, path)
    try:
        with pytest.raises(StorageError, match="read-only"):
            await ro.touch_user(2, 2, "en", now=6)
        user = await ro.get_user(1)
        assert user is not None
    finally:
        await ro.close()


async def test_locked_database_is_waited_for(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    storage = await Storage.open(path)
    try:
        blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        blocker.execute("BEGIN IMMEDIATE")
        blocker.execute(
            "INSERT INTO users (user_id, chat_id, language, first_seen_utc, last_seen_utc)"
            " VALUES (99, 99, 'en', 1, 1)"
        )

        async def release_later() -> None:
            await asyncio.sleep(0.5)
            blocker.execute("COMMIT")
            blocker.close()

        releaser = asyncio.create_task(release_later())
        await storage.touch_user(1, 1, "en", now=2)  # waits for the lock, then succeeds
        await releaser
        assert await storage.get_user(1) is not None
        assert await storage.get_user(99) is not None
    finally:
        await storage.close()


async def test_locked_past_timeout_is_a_storage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.storage.database.BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "bot.sqlite3"
    storage = await Storage.open(path)
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageError, match="locked"):
            await storage.touch_user(1, 1, "en", now=2)
        blocker.execute("ROLLBACK")
        await storage.touch_user(1, 1, "en", now=3)  # usable again afterwards
        assert await storage.get_user(1) is not None
    finally:
        blocker.close()
        await storage.close()


async def test_unwritable_folder_gives_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="cannot create the folder"):
        await Storage.open(blocker / "sub" / "db.sqlite3")


@pytest.mark.slow
def test_concurrent_first_migrations_are_safe(tmp_path: Path) -> None:
    """Several processes starting at once on a new file (a restart overlapping the old one,
    `migrate` next to `run`): each migration runs once, none dies on 'already exists'."""
    import threading

    openers = 6

    def open_and_close(path: Path, barrier: threading.Barrier, errors: list[str]) -> None:
        async def go() -> None:
            barrier.wait()
            storage = await Storage.open(path)
            try:
                assert await storage.schema_version() == LATEST_VERSION
            finally:
                await storage.close()

        try:
            asyncio.run(go())
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")

    for attempt in range(8):
        path = tmp_path / f"race{attempt}.sqlite3"
        barrier = threading.Barrier(openers)
        errors: list[str] = []
        threads = [
            threading.Thread(target=open_and_close, args=(path, barrier, errors))
            for _ in range(openers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == [], errors
        with sqlite3.connect(path) as db:
            versions = [r[0] for r in db.execute("SELECT version FROM schema_migrations")]
        assert sorted(versions) == list(range(1, LATEST_VERSION + 1))


async def test_a_chosen_language_is_kept(storage: Storage) -> None:
    await storage.touch_user(7, 7, "en", now=1000)
    user = await storage.get_user(7)
    assert user is not None
    assert (user.language, user.language_chosen) == ("en", False)
    await storage.set_language(7, "zh")
    await storage.touch_user(7, 7, "en", now=2000)  # Telegram still says English
    user = await storage.get_user(7)
    assert user is not None
    assert (user.language, user.language_chosen) == ("zh", True)
