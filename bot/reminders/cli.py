"""`python -m bot remind` and `python -m bot zone`: the parser and the zone search from
outside, with no token and no network."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from bot.content import Content
from bot.reminders import phrases, zones
from bot.reminders.kinds import Family, Kind
from bot.reminders.schedule import next_fire_utc, zone_from_name

DAY_KEYS = phrases.DAY_KEYS


def request_json(request: phrases.Request, zone: str, now: datetime) -> dict[str, object]:
    """The fields of a request, as `python -m bot remind` prints them."""
    days: object = None
    if request.days is not None:
        days = (
            "daily"
            if request.days == phrases.ALL_DAYS
            else [k for i, k in enumerate(DAY_KEYS) if request.days >> i & 1]
        )
    return {
        "action": request.action.value,
        "kind": request.kind.value if request.kind else None,
        "at": f"{request.at[0]:02d}:{request.at[1]:02d}" if request.at else None,
        "days": days,
        "date": request.date.isoformat() if request.date else None,
        "lead": request.lead,
        "next": _next(request, zone, now),
    }


def _next(request: phrases.Request, zone: str, now: datetime) -> str | None:
    if request.action is not phrases.Action.CREATE or request.at is None or request.kind is None:
        return None
    if request.kind is Family.SWIM and request.lead is None:
        return None
    if request.date is None and request.days is None:
        return None
    tz = zone_from_name(zone)
    kind = (
        Kind.BEDTIME
        if request.kind is Family.BEDTIME and request.date is None
        else Kind.SWIM_ONCE
        if request.date is not None
        else Kind.PRESWIM
    )
    fire = next_fire_utc(
        kind, request.at, tz, now.timestamp(), weekdays=request.days or phrases.ALL_DAYS,
        lead_minutes=request.lead or 0, once_date=request.date,
    )  # fmt: skip
    if fire is None:
        return None
    return datetime.fromtimestamp(fire, tz).isoformat(timespec="minutes")


def remind(content: Content, text: str, zone: str, now_text: str | None, out: TextIO) -> None:
    tz = zone_from_name(zone)
    if now_text:
        now = datetime.fromisoformat(now_text)
        now = now.replace(tzinfo=tz) if now.tzinfo is None else now
    else:
        now = datetime.now(UTC).astimezone(tz)
    request = phrases.parse(text, phrases.vocabulary(content), now.astimezone(tz).date())
    out.write(json.dumps(request_json(request, zone, now), ensure_ascii=False) + "\n")


def zone(texts: Sequence[str], out: TextIO, limit: int = 5) -> None:
    for match in zones.resolve_zone(" ".join(texts), limit=limit):
        out.write(f"{match.name}\t{match.score}\n")
