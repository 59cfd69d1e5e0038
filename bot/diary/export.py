"""For the doctor: a one-page PDF (chart, table of entries, what helped, medicines the person
chose to note) and a CSV of every entry, both built in memory. Blocking: the handler runs them
in the drawing process (`chart.off_loop`).
"""

from __future__ import annotations

import csv
import io
import textwrap
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import astuple, dataclass
from typing import TYPE_CHECKING

from bot.diary.chart import ChartLabels, draw, off_loop, use_agg
from bot.diary.entries import Entry
from bot.diary.fonts import Drawn, choose, drawing_with, report
from bot.diary.summary import Day

if TYPE_CHECKING:
    from matplotlib.font_manager import FontEntry

# The page has room for this many table rows; older entries are in the CSV.
TABLE_ROWS = 22
HELPED_LINES = 5
A4_IN = (8.27, 11.69)
LINE = 0.016  # a line of 8.5 pt text, as a fraction of the page height
ROW = 0.0145  # a table row
# The table's width in characters of its 6.5 pt text (a Chinese character counts two), and the
# room around each cell's text.
TABLE_CHARS = 128
CELL_PAD = 2


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

    def texts(self) -> tuple[str, ...]:
        """Every text the page draws (for the fonts that have its glyphs)."""
        cells = [text for row in self.rows for text in astuple(row)]
        return (
            self.title, self.period, *self.summary, *self.columns, *cells, self.more,
            self.helped_title, *self.helped, self.medicines_title, self.medicines, self.footer,
        )  # fmt: skip


def pdf_bytes(
    page: PdfPage,
    days: Sequence[Day],
    labels: ChartLabels,
    installed: Sequence[FontEntry] | None = None,
) -> Drawn:
    """The page as PDF bytes, in fonts that have its characters (blocking: call it through
    `render_pdf`), and the characters none of the `installed` fonts (default: all) has."""
    use_agg()
    fonts = choose((*page.texts(), *labels.texts()), installed)
    with drawing_with(fonts):
        return Drawn(_pdf(page, days, labels), fonts.missing)


async def render_pdf(page: PdfPage, days: Sequence[Day], labels: ChartLabels) -> bytes:
    """The PDF, made in the drawing process; a warning in the log when some of its
    characters had no font (they show as boxes: the page is sent all the same)."""
    drawn: Drawn = await off_loop(pdf_bytes, page, days, labels)
    report(drawn.missing, "PDF")
    return drawn.data


def _pdf(page: PdfPage, days: Sequence[Day], labels: ChartLabels) -> bytes:
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

    fig = Figure(figsize=A4_IN)
    FigureCanvasPdf(fig)
    fig.text(0.07, 0.97, page.title, fontsize=16, weight="bold", va="top")
    fig.text(0.07, 0.945, textwrap.fill(page.period, 110), fontsize=8.5, va="top", color="#333")
    draw(fig.add_axes((0.09, 0.67, 0.86, 0.18)), days, labels)
    y = 0.625
    for line in page.summary:
        for part in textwrap.wrap(line, 105):
            fig.text(0.07, y, part, fontsize=8.5, va="top")
            y -= LINE
    rows = page.rows[:TABLE_ROWS]
    top = y - 0.008
    bottom = top - ROW * (len(rows) + 1)
    table_ax = fig.add_axes((0.07, bottom, 0.86, top - bottom))
    table_ax.axis("off")
    cells = [
        [r.date, r.time, r.place, r.where, r.tried, r.helped, r.minutes, r.severe] for r in rows
    ]
    (headings, *cells), widths = fit_table([list(page.columns), *cells])
    table = table_ax.table(
        cellText=cells or [[""] * len(page.columns)], colLabels=headings,
        cellLoc="left", colLoc="left", bbox=Bbox.from_bounds(0, 0, 1, 1), colWidths=widths,
    )  # fmt: skip
    table.auto_set_font_size(False)
    table.set_fontsize(6.5)
    y = bottom - 0.006
    if page.more:
        fig.text(0.07, y, page.more, fontsize=7.5, va="top", style="italic")
        y -= LINE
    y -= 0.008
    fig.text(0.07, y, page.helped_title, fontsize=10, weight="bold", va="top")
    fig.text(0.55, y, page.medicines_title, fontsize=10, weight="bold", va="top")
    helped = "\n".join(page.helped[:HELPED_LINES]) or "-"
    fig.text(0.07, y - 0.02, helped, fontsize=8.5, va="top", linespacing=1.4)
    fig.text(0.55, y - 0.02, textwrap.fill(page.medicines, 48) or "-", fontsize=8.5, va="top")
    fig.text(0.07, 0.025, textwrap.fill(page.footer, 130), fontsize=7, color="#555", va="bottom")
    out = io.BytesIO()
    fig.savefig(out, format="pdf", metadata={"Title": page.title, "Creator": "cramp-bot"})
    return out.getvalue()


def _chars(text: str) -> int:
    """How wide a text is, in characters: wide (Chinese) ones count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(text: str, chars: int) -> str:
    """`text` in at most `chars` characters, an ellipsis where it was cut."""
    if _chars(text) <= chars:
        return text
    while text and _chars(text) > chars - 1:
        text = text[:-1]
    return text.rstrip(" ,;、，") + "…"


def fit_table(table: Sequence[Sequence[str]]) -> tuple[list[list[str]], list[float]]:
    """The table's texts and each column's width (a fraction of the table's): each column as
    wide as its longest text, heading included, so "pantorrilla izquierda" is not cut to
    "pantorrilla". When the page is too narrow for all, only the widest columns give way
    (the methods tried, first), their texts cut with an ellipsis (the CSV has them whole)."""
    need = [max(_chars(row[i]) for row in table) + CELL_PAD for i in range(len(table[0]))]
    cap = max(need)
    while sum(min(n, cap) for n in need) > TABLE_CHARS and cap > CELL_PAD + 1:
        cap -= 1
    widths = [min(n, cap) for n in need]
    cut = [[_cut(t, w - CELL_PAD) for t, w in zip(row, widths, strict=True)] for row in table]
    return cut, [w / sum(widths) for w in widths]


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
