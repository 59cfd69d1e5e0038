"""The cramp diary: what happened, what helped, and when to see a doctor.

Pure modules (no Telegram, no I/O): `entries` (the entry model, local days and nights),
`doctor` (the "see a doctor soon" rule, its numbers stated in code), `summary` (the month's
figures), `parse` (a past cramp typed in words), `weekly` (the Sunday note's time and its text
chart). `chart` and `export` draw the picture, the one-page PDF and the CSV in memory with
matplotlib (Agg backend, imported lazily, run off the event loop by the handler).
"""
