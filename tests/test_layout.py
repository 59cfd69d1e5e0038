"""The package boundaries that keep production small and pure code pure."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.config import PROJECT_ROOT


def _loaded_after(imports: str) -> set[str]:
    code = f"import sys\n{imports}\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


@pytest.mark.slow
def test_the_bot_runs_without_the_sandbox() -> None:
    loaded = _loaded_after("import bot.__main__, bot.app, bot.runner, bot.content")
    assert "bot.app" in loaded
    assert not {m for m in loaded if m == "sandbox" or m.startswith("sandbox.")}


def test_pure_code_reads_records_without_sql() -> None:
    loaded = _loaded_after(
        "import bot.reminders.screens, bot.reminders.setup, bot.reminders.phrases,"
        " bot.storage.records"
    )
    assert "bot.storage.records" in loaded
    assert "aiosqlite" not in loaded
    assert "bot.storage.database" not in loaded
