"""The month as a picture: cramps per day (in bed or on land, in the water), and the nights the
bedtime stretch was done. matplotlib with the Agg backend, imported only when the first chart is
drawn (the bot starts without it), in a drawing process of its own: a thread would share the
interpreter lock with the event loop, and drawing held it for up to 350 ms at a time (bench
diary), while a process leaves the loop free but for pickling a few hundred bytes.
"""

from __future__ import annotations

import asyncio
import functools
import io
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.diary.fonts import Drawn, choose, drawing_with, report
from bot.diary.summary import Day

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.font_manager import FontEntry

# Colours that stay apart for the common kinds of colour blindness (Okabe-Ito), with hatching.
LAND_COLOUR = "#0072B2"
WATER_COLOUR = "#E69F00"
STRETCH_COLOUR = "#009E73"
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.0, 100
BAR_WIDTH = 0.8


@dataclass(frozen=True)
class ChartLabels:
    title: str
    land: str
    water: str
    stretch: str
    y_axis: str
    dates: tuple[str, ...]  # one short label per day, already in the person's language

    def texts(self) -> tuple[str, ...]:
        """Every text the chart may draw (for the fonts that have its glyphs)."""
        return (self.title, self.land, self.water, self.stretch, self.y_axis, *self.dates)


def use_agg() -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)


def _bars(xs: Sequence[int], bottoms: Sequence[int], heights: Sequence[int]) -> list[Any]:
    half = BAR_WIDTH / 2
    return [
        [(x - half, b), (x + half, b), (x + half, b + h), (x - half, b + h)]
        for x, b, h in zip(xs, bottoms, heights, strict=True)
        if h
    ]


def draw(ax: Axes, days: Sequence[Day], labels: ChartLabels) -> None:
    """Draw the bars on `ax` (shared by the picture and the PDF). The bars are two polygon
    collections, not `ax.bar`'s 60 patches: four times faster to draw."""
    from matplotlib.collections import PolyCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    xs = list(range(len(days)))
    land = [d.land for d in days]
    water = [d.water for d in days]
    ax.add_collection(PolyCollection(_bars(xs, [0] * len(xs), land), facecolors=LAND_COLOUR))
    ax.add_collection(
        PolyCollection(_bars(xs, land, water), facecolors=WATER_COLOUR, hatch="//",
                       edgecolors="#7a5500", linewidths=0)
    )  # fmt: skip
    top = max([a + b for a, b in zip(land, water, strict=True)] + [1])
    stretched = [x for x, d in zip(xs, days, strict=True) if d.stretched]
    handles: list[Any] = [
        Patch(facecolor=LAND_COLOUR, label=labels.land),
        Patch(facecolor=WATER_COLOUR, hatch="//", label=labels.water),
    ]
    if stretched:
        ax.plot(
            stretched, [-0.12 * top] * len(stretched), linestyle="none", marker="^",
            color=STRETCH_COLOUR, clip_on=False,
        )  # fmt: skip
        handles.append(
            Line2D([], [], linestyle="none", marker="^", color=STRETCH_COLOUR,
                   label=labels.stretch)
        )  # fmt: skip
    ax.set_ylim(-0.2 * top, top * 1.15 + 0.5)
    ax.set_yticks(range(0, top + 1, max(1, (top + 4) // 5)))
    ax.set_xlim(-0.7, len(days) - 0.3)
    step = 5 if len(days) > 10 else 1
    ticks = [x for x in xs if (len(days) - 1 - x) % step == 0]
    ax.set_xticks(ticks, [labels.dates[x] for x in ticks], fontsize=8)
    ax.set_ylabel(labels.y_axis)
    ax.set_title(labels.title, fontsize=12, loc="left")
    ax.spines[["top", "right", "bottom"]].set_visible(False)
    ax.axhline(0, color="#444444", linewidth=0.8)
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False, ncols=3)


def render_png(
    days: Sequence[Day], labels: ChartLabels, installed: Sequence[FontEntry] | None = None
) -> Drawn:
    """The chart as PNG bytes, in fonts that have its characters (blocking: call it through
    `render`), and the characters none of the `installed` fonts (default: all) has."""
    use_agg()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fonts = choose(labels.texts(), installed)
    with drawing_with(fonts):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        FigureCanvasAgg(fig)
        # Fixed margins: a layout engine would cost more than the drawing itself.
        draw(fig.add_axes((0.08, 0.1, 0.9, 0.8)), days, labels)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return Drawn(out.getvalue(), fonts.missing)


# The drawing process yields the CPU to the bot's own process when both want it.
DRAWING_NICENESS = 5


def _drawing_process() -> None:
    os.nice(DRAWING_NICENESS)


@functools.cache
def _pool() -> ProcessPoolExecutor:
    # forkserver: a clean child, never a fork of a process with threads (aiosqlite's).
    return ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("forkserver"),
        initializer=_drawing_process,
    )  # fmt: skip


async def off_loop(function: Any, *args: Any) -> Any:
    """Run a drawing function (top-level, picklable arguments) in the drawing process, one
    at a time, so the event loop keeps answering. A drawing process that died is replaced
    once."""
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_pool(), function, *args)
    except BrokenProcessPool:
        _pool.cache_clear()
        return await loop.run_in_executor(_pool(), function, *args)


def warm_up() -> None:
    """Start the drawing process and its matplotlib import now, without waiting (the diary
    was just turned on: its first chart comes soon)."""
    _pool().submit(use_agg)


async def render(days: Sequence[Day], labels: ChartLabels) -> bytes:
    """The chart as PNG bytes, drawn in the drawing process; a warning in the log when some
    of its characters had no font (they show as boxes: the chart is sent all the same)."""
    drawn: Drawn = await off_loop(render_png, days, labels)
    report(drawn.missing, "chart")
    return drawn.data
