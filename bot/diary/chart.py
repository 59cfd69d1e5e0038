"""The month as a picture: cramps per day (in bed or on land, in the water), and the nights the
bedtime stretch was done. matplotlib with the Agg backend, imported only when the first chart is
drawn (the bot starts without it), and drawn in one worker thread so the event loop never waits.
"""

from __future__ import annotations

import asyncio
import functools
import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.diary.summary import Day

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# Colours that stay apart for the common kinds of colour blindness (Okabe-Ito), with hatching.
LAND_COLOUR = "#0072B2"
WATER_COLOUR = "#E69F00"
STRETCH_COLOUR = "#009E73"
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.0, 100


@dataclass(frozen=True)
class ChartLabels:
    title: str
    land: str
    water: str
    stretch: str
    y_axis: str
    dates: tuple[str, ...]  # one short label per day, already in the person's language


def use_agg() -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)


def draw(ax: Axes, days: Sequence[Day], labels: ChartLabels) -> None:
    """Draw the bars on `ax` (shared by the picture and the PDF)."""
    xs = list(range(len(days)))
    land = [d.land for d in days]
    water = [d.water for d in days]
    ax.bar(xs, land, color=LAND_COLOUR, label=labels.land, width=0.8)
    ax.bar(xs, water, bottom=land, color=WATER_COLOUR, label=labels.water, width=0.8, hatch="//")
    top = max([a + b for a, b in zip(land, water, strict=True)] + [1])
    stretched = [x for x, d in zip(xs, days, strict=True) if d.stretched]
    if stretched:
        ax.scatter(
            stretched, [-0.12 * top] * len(stretched), marker="^", color=STRETCH_COLOUR,
            label=labels.stretch, zorder=3, clip_on=False,
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
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=3)


def render_png(days: Sequence[Day], labels: ChartLabels) -> bytes:
    """The chart as PNG bytes (blocking: call it through `render`)."""
    use_agg()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    # Fixed margins: a layout engine would cost more than the drawing itself.
    draw(fig.add_axes((0.08, 0.1, 0.9, 0.8)), days, labels)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return out.getvalue()


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="diary-draw")


async def off_loop(function: Any, *args: Any) -> Any:
    """Run a drawing function in the drawing thread (one at a time: matplotlib's state is not
    shared safely between threads), so the event loop keeps answering."""
    return await asyncio.get_running_loop().run_in_executor(_pool(), function, *args)


async def render(days: Sequence[Day], labels: ChartLabels) -> bytes:
    return bytes(await off_loop(render_png, days, labels))
