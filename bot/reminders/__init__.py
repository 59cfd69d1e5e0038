"""Reminders, in one place: what a person asks for, when it fires, how it is sent.

- `kinds.py`      the reminder kinds and the reminder buttons' actions (enums)
- `schedule.py`   fire times: local times, weekdays, lead time, DST; pure
- `zones.py`      a typed place or a shared location -> IANA time zone; pure
- `phrases.py`    one typed message ("swim mon wed fri 7am 45 min before") -> a request; pure
- `wording.py`    dates and times in the person's words and language (Babel); pure
- `setup.py`      the set-up as a state machine: draft + event -> new draft + screen; pure
- `screens.py`    every reminder screen, built from content/<lang>/reminders.toml; pure
- `sweep.py`      claims due reminders from SQLite and plans their next time
- `outbox.py`     sends them at a steady rate, at most once
- `handlers.py`   the thin Telegram adapter
- `cli.py`        `python -m bot remind` and `python -m bot zone`
"""
