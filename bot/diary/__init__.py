"""The cramp diary: what happened, what helped, and when to see a doctor.

Pure modules (no Telegram, no I/O): `entries` (the entry model, local days and nights),
`doctor` (the "see a doctor soon" rule, its numbers stated in code), `summary` (the month's
figures), `parse` (a past cramp typed in words), `dates` (dates in the person's language,
Babel), `screens` (the diary's screens from content). `chart` and `export` draw the picture,
the one-page PDF and the CSV in memory with matplotlib (Agg backend, imported lazily), in a
drawing process of their own so the event loop never waits. `weekly` sends the opt-in Sunday
note from the reminder sweep's job, at most once.
"""
