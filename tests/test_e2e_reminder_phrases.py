"""A reminder typed in one message in Chinese, Russian and Spanish, end to end through the
local Bot API server: the person's own words ("每周一三五早上7点", "в 7 часов за полчаса",
"a las siete y media") are read, the zone is asked, and Save stores exactly that reminder."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import BotApp
from bot.services import Services
from sandbox.server import FakeBotApi
from tests.conftest import ManualClock

MWF = 0b0010101
# language -> (Telegram language_code, the typed request, (kind, local time, weekdays, lead),
# the first send in UTC: Madrid is UTC+1 in November)
TYPED = {
    "zh": (
        "zh-hans", "游泳提醒每周一三五早上7点提前45分钟", ("preswim", "07:00", MWF, 45),
        datetime(2026, 11, 25, 5, 15, tzinfo=UTC),
    ),
    "ru": (
        "ru", "напоминание о плавании пн ср пт в 7 часов за полчаса", ("preswim", "07:00", MWF, 30),
        datetime(2026, 11, 25, 5, 30, tzinfo=UTC),
    ),
    "es": (
        "es-419", "recuérdame nadar los lunes a las siete y media, cuarenta y cinco minutos antes",
        ("preswim", "07:30", 0b0000001, 45), datetime(2026, 11, 30, 5, 45, tzinfo=UTC),
    ),
}  # fmt: skip


@pytest.mark.parametrize("lang", sorted(TYPED))
async def test_one_typed_request_saves_that_reminder(
    api: FakeBotApi, running_bot: BotApp, services: Services, clock: ManualClock, lang: str
) -> None:
    clock.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC).timestamp()  # a Tuesday
    code, text, expected, first = TYPED[lang]
    content = services.locales[lang].content
    assert content.reminders is not None
    save = content.reminders.buttons["save"]
    user = api.user(user_id=6000 + ord(lang[0]), first_name="Sam", language_code=code)
    await user.send(text)  # 1: the request, read at once; the zone is asked
    _, confirm = await user.send("Madrid")  # 2: the zone, then the summary to confirm
    assert expected[1].lstrip("0") in confirm.text  # "7:30" or "07:30", as Babel writes it
    assert save in confirm.labels
    await user.press(save)  # 3
    [reminder] = await services.storage.reminders_of(user.user_id)
    found = (reminder.kind, reminder.local_time, reminder.weekdays, reminder.lead_minutes)
    assert found == expected
    assert reminder.next_fire_utc == int(first.timestamp())
