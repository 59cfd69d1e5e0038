"""What this connection last read or wrote of a person's row, so that a handler reading the
same row again (most updates read their person's conversation state and user row, often more
than once) skips a round trip to the database thread.

The bot is the database's only writer (one connection per process, see database.py), so a row
it wrote is the row in the file. A read is kept only when no write to that row was in flight
at any moment of it: aiosqlite runs statements in order, but a write may wait for the
transaction lock while a later read goes ahead, so a read that overlapped a write may have
seen the row before or after it. A write drops the row when it starts and, when it succeeds,
keeps what it wrote when the caller can tell (`keep`); a failed write leaves the row unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# Rows kept per table; past it, the cache starts again empty (a row costs ~200 bytes).
ROWS = 20_000


@dataclass
class _InFlight:
    operations: int = 0
    writes_begun: int = 0
    writes_running: int = 0


class RowCache(Generic[T]):
    """One table's rows by user id: a row, None (no row), or unknown (not in the cache)."""

    def __init__(self, size: int = ROWS) -> None:
        self._rows: dict[int, T | None] = {}
        self._in_flight: dict[int, _InFlight] = {}
        self._size = size

    def known(self, user_id: int) -> bool:
        return user_id in self._rows

    def get(self, user_id: int) -> T | None:
        """The row kept for `user_id` (check `known` first)."""
        return self._rows[user_id]

    def forget(self) -> None:
        self._rows.clear()

    @contextmanager
    def reading(self, user_id: int) -> Iterator[Callable[[T | None], None]]:
        """Around a read of the row from the database; call the function given with what was
        read: it is kept if no write to the row was in flight meanwhile."""
        state = self._begin(user_id)
        clean = state.writes_running == 0
        begun = state.writes_begun

        def keep(row: T | None) -> None:
            if clean and state.writes_begun == begun:
                self._put(user_id, row)

        try:
            yield keep
        finally:
            self._end(user_id, state)

    @contextmanager
    def writing(self, user_id: int) -> Iterator[Callable[[T | None], None]]:
        """Around a write of the row; once it has succeeded, inside the block, call the
        function given with the row as it now is, if the caller can tell (else the row stays
        unknown)."""
        state = self._begin(user_id)
        state.writes_begun += 1
        state.writes_running += 1
        mine = state.writes_begun
        self._rows.pop(user_id, None)

        def keep(row: T | None) -> None:
            if state.writes_begun == mine:  # no later write has begun
                self._put(user_id, row)

        try:
            yield keep
        finally:
            state.writes_running -= 1
            self._end(user_id, state)

    def _begin(self, user_id: int) -> _InFlight:
        state = self._in_flight.get(user_id)
        if state is None:
            state = self._in_flight[user_id] = _InFlight()
        state.operations += 1
        return state

    def _end(self, user_id: int, state: _InFlight) -> None:
        state.operations -= 1
        if state.operations == 0:
            del self._in_flight[user_id]

    def _put(self, user_id: int, row: T | None) -> None:
        if len(self._rows) >= self._size:
            self._rows.clear()
        self._rows[user_id] = row
