"""For the doctor: a one-page PDF (chart, table of entries, what helped, medicines the person
chose to note) and a CSV of every entry, both built in memory. Blocking: the handler runs them
in the drawing process (`chart.off_loop`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.diary.chart import ChartLabels, draw, use_agg
from bot.diary.entries import Entry
from bot.diary.summary import Day

# The page has room for this many table rows; older entries are in the CSV.
TABLE_ROWS = 22
A4_IN = (8.27, 11.69)


@dataclass(frozen=True)
class Row:
    """One entry, already in words (dates and names in the person's language)."""

    date: str
    time: str
    place: str
    where: str  # side and muscle, e.g. "left calf"
    tried: str
    helped: str
    minutes: str
    severe: str


@dataclass(frozen=True)
class PdfPage:
    title: str
    period: str
    summary: tuple[str, ...]  # short lines
    columns: tuple[str, ...]  # eight headings, in Row's order
    rows: tuple[Row, ...]  # newest first
    more: str  # "N earlier entries are in the CSV file", or ""
    helped_title: str
    helped: tuple[str, ...]
    medicines_title: str
    medicines: str
    footer: str


def pdf_bytes(page: PdfPage, days: Sequence[Day], labels: ChartLabels) -> bytes:
    use_agg()
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure

    fig = Figure(figsize=A4_IN)
    FigureCanvasPdf(fig)
    fig.text(0.07, 0.965, page.title, fontsize=16, weight="bold", va="top")
    fig.text(0.07, 0.94, page.period, fontsize=10, va="top", color="#333333")
    draw(fig.add_axes((0.09, 0.70, 0.86, 0.2)), days, labels)
    y = 0.665
    for line in page.summary:
        fig.text(0.07, y, line, fontsize=9, va="top")
        y -= 0.018
    table_ax = fig.add_axes((0.07, 0.20, 0.86, y - 0.21))
    table_ax.axis("off")
    cells = [
        [r.date, r.time, r.place, r.where, r.tried, r.helped, r.minutes, r.severe]
        for r in page.rows[:TABLE_ROWS]
    ] or [[""] * len(page.columns)]
    table = table_ax.table(
        cellText=cells, colLabels=list(page.columns), loc="upper center", cellLoc="left",
        colWidths=[0.12, 0.07, 0.1, 0.12, 0.27, 0.14, 0.09, 0.09],
    )  # fmt: skip
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    table.scale(1, 1.15)
    if page.more:
        fig.text(0.07, 0.195, page.more, fontsize=8, va="top", style="italic")
    fig.text(0.07, 0.17, page.helped_title, fontsize=10, weight="bold", va="top")
    fig.text(0.07, 0.15, "\n".join(page.helped) or "-", fontsize=9, va="top", linespacing=1.4)
    fig.text(0.55, 0.17, page.medicines_title, fontsize=10, weight="bold", va="top")
    fig.text(0.55, 0.15, page.medicines or "-", fontsize=9, va="top", wrap=True)
    fig.text(0.07, 0.03, page.footer, fontsize=7, color="#555555", va="bottom", wrap=True)
    out = io.BytesIO()
    fig.savefig(out, format="pdf", metadata={"Title": page.title, "Creator": "cramp-bot"})
    return out.getvalue()


def csv_bytes(headings: Sequence[str], entries: Sequence[Entry], words: Mapping[str, str]) -> bytes:
    """Every entry, oldest first, one row each; machine-readable values (ISO dates, method
    ids) so a spreadsheet can sort and count them. UTF-8 with a BOM, which spreadsheets need
    to read it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headings)
    for e in sorted(entries, key=lambda e: e.occurred_utc):
        local = e.local()
        writer.writerow(
            [
                local.date().isoformat(), f"{local:%H:%M}", e.zone, e.place, e.side or "",
                e.muscle or "", " ".join(e.tried), e.helped or "",
                "" if e.minutes_to_ease is None else e.minutes_to_ease,
                words["yes"] if e.severe else words["no"], e.source,
            ]
        )  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")
