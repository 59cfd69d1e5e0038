"""bot.reminders.phrases: one typed message -> a reminder request, and `python -m bot remind`.

The tuning table (tests/data/reminder_phrases_tune.tsv, 170+ phrasings with typos, 12/24 h,
"half past", weekday abbreviations and ranges) must be read exactly, line by line. The
held-back table was written before the parser and is never tuned on: only its share is
checked here (and printed).
"""

from __future__ import annotations

import io
import json
import os
from datetime import date
from functools import cache

import pytest

from bot.config import PROJECT_ROOT
from bot.content import Content, load_content
from bot.reminders import cli, phrases
from bot.reminders.kinds import Family
from tests.processes import run_bot
from tests.reminder_tables import NOW, parsed, rows


@cache
def content() -> Content:
    return load_content(PROJECT_ROOT / "content", "en")


TUNE = rows("reminder_phrases_tune.tsv")


def test_the_tuning_table_is_big_enough() -> None:
    assert len(TUNE) >= 150
    assert len({text for text, _ in TUNE}) == len(TUNE)  # no phrasing twice


@pytest.mark.parametrize(("text", "expected"), TUNE, ids=[t for t, _ in TUNE])
def test_tuning_table(text: str, expected: dict[str, object]) -> None:
    assert parsed(content(), text) == expected


def test_held_back_phrasings() -> None:
    table = rows("reminder_phrases_holdout.tsv")
    exact = sum(parsed(content(), text) == expected for text, expected in table)
    share = exact / len(table)
    print(f"held-back reminder phrasings parsed exactly: {exact}/{len(table)} = {share:.1%}")
    assert len(table) >= 50
    assert share >= 0.9


def test_missing_parts_stay_missing() -> None:
    vocab = phrases.vocabulary(content())
    request = phrases.parse("swim reminder", vocab, NOW.date())
    assert request == phrases.Request(phrases.Action.CREATE, kind=Family.SWIM)
    request = phrases.parse("remind me tomorrow at 7", vocab, NOW.date())
    assert request.kind is None
    assert request.at == (7, 0)
    assert request.date == date(2026, 11, 25)
    assert request.lead is None


def test_a_set_up_answer_is_read_without_saying_remind() -> None:
    vocab = phrases.vocabulary(content())
    assert phrases.parse("mon wed fri", vocab, NOW.date()).action is phrases.Action.UNKNOWN
    fragment = phrases.parse("mon wed fri", vocab, NOW.date(), fragment=True)
    assert fragment.days == 0b0010101
    assert phrases.duration_of("1 h 30", vocab) == 90
    assert phrases.duration_of("an hour", vocab) == 60
    assert phrases.duration_of("45 min", vocab) == 45
    assert phrases.duration_of("cramp", vocab) is None


def test_long_junk_is_quick_to_refuse() -> None:
    vocab = phrases.vocabulary(content())
    text = "swim " + "blah " * 2000
    assert phrases.parse(text, vocab, NOW.date()).action is phrases.Action.UNKNOWN


def _run(*args: str) -> list[str]:
    """`python -m bot ...` as a person runs it: no token, no network."""
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = run_bot(args, env)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_remind_command_prints_one_json_line() -> None:
    out = _run(
        "remind", "--tz", "Europe/Lisbon", "--now", "2026-11-24T12:00",
        "swim reminder mon wed fri 7am 45 min before",
    )  # fmt: skip
    assert len(out) == 1
    assert json.loads(out[0]) == {
        "action": "create", "kind": "swim", "at": "07:00", "days": ["mon", "wed", "fri"],
        "date": None, "lead": 45, "next": "2026-11-25T06:15+00:00",
    }  # fmt: skip


def _remind(text: str, zone: str = "Europe/Lisbon") -> dict[str, object]:
    out = io.StringIO()
    cli.remind(content(), text, zone, "2026-11-24T12:00", out)
    found: dict[str, object] = json.loads(out.getvalue())
    return found


def test_remind_nulls_and_stop() -> None:
    stop = _remind("stop my swim reminder")
    assert stop["action"] == "stop"
    assert stop["kind"] == "swim"
    assert stop["at"] is None
    assert stop["next"] is None
    bedtime = _remind("bedtime 22:30", "America/New_York")
    assert bedtime["next"] == "2026-11-24T22:30-05:00"  # tonight, in New York's own offset


def test_zone_command_prints_zones_best_first() -> None:
    assert _run("zone", "nueva york")[0] == "America/New_York\t100"
    out = io.StringIO()
    cli.zone(["asdfgh"], out)
    assert out.getvalue() == ""
