"""The reminder request tables in tests/data/: read, and compared with what the parser says."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.content import Content
from bot.reminders import cli, phrases

DATA = Path(__file__).parent / "data"
ZONE = "Europe/Lisbon"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo(ZONE))  # a Tuesday
FIELDS = ("action", "kind", "at", "days", "date", "lead")


def rows(name: str) -> list[tuple[str, dict[str, object]]]:
    """(text, expected fields) for each line of a table."""
    out = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, *values = line.split("\t")
        expected: dict[str, object] = {}
        for key, value in zip(FIELDS, values, strict=True):
            if value == "-":
                expected[key] = None
            elif key == "lead":
                expected[key] = int(value)
            elif key == "days" and value != "daily":
                expected[key] = value.split(",")
            else:
                expected[key] = value
        out.append((text, expected))
    return out


def parsed(content: Content, text: str) -> dict[str, object]:
    request = phrases.parse(text, phrases.vocabulary(content), NOW.date())
    found = cli.request_json(request, ZONE, NOW)
    return {key: found[key] for key in FIELDS}
