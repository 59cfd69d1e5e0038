"""docs/TOUR.md is every screen of the main journeys; it must match what the bot shows now."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from bot.config import load_settings
from sandbox.tour import TOUR_FILE, record
from tests.conftest import shared_locales


def test_the_tour_file_is_up_to_date(tmp_path: Path) -> None:
    settings = dataclasses.replace(
        load_settings({}, require_token=False),
        db_path=tmp_path / "tour.sqlite3",
        reminder_sweep_seconds=3600.0,
    )
    fresh = asyncio.run(record(settings, shared_locales(settings.content_dir, settings.language)))
    assert "## 1. First contact" in fresh
    assert "Snoozed until 22:40" in fresh  # the reminder journey ran to its end
    committed = TOUR_FILE.read_text(encoding="utf-8") if TOUR_FILE.exists() else ""
    assert fresh == committed, "docs/TOUR.md is stale: run `.venv/bin/python -m bot tour`"
