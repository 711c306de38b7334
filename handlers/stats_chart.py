"""The operator's chart: a PNG of three panels, a roadmap's funnel, chats by state each week, and
each week's nudges with those that led to a step changed within a day; drawn by matplotlib (Agg,
no screen), readable at a phone's width, on a light background. Its words come from a view."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from progress.stats import ChatState, StatsCounts, funnel, iso_week

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from handlers.stats_views import ChartWords
    from roadmaps import Roadmap

WIDTH, HEIGHT, DPI = 7.2, 10.8, 150  # inches: 1080 × 1620 pixels, a phone's screen or two
LEGEND_BELOW = 2  # matplotlib's code for "upper left": the legend hangs from its top left corner, under the axes
ACTIVE_STATES = (ChatState.NEW, ChatState.CURRENT, ChatState.REACTIVATED, ChatState.RESURRECTED)
COLOURS = {
    ChatState.NEW: "#2563eb",
    ChatState.CURRENT: "#16a34a",
    ChatState.REACTIVATED: "#f59e0b",
    ChatState.RESURRECTED: "#a855f7",
    ChatState.AT_RISK: "#dc2626",
}


def render_chart(counts: StatsCounts, roadmap: Roadmap | None, words: ChartWords, names: dict[ChatState, str]) -> bytes:
    """The chart as PNG bytes. matplotlib is loaded on the first chart, not at start, and drawn
    without pyplot (no global state), so charts may be drawn in threads, off the event loop."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    top, middle, bottom = figure.subplots(3, 1)
    draw_funnel(top, counts, roadmap, words)
    draw_states(middle, counts, words, names)
    draw_nudges(bottom, counts, words)
    for axes in (top, middle, bottom):
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.spines[["top", "right"]].set_visible(False)
    output = io.BytesIO()
    figure.savefig(output, format="png", facecolor="white")
    return output.getvalue()


def draw_funnel(axes: Axes, counts: StatsCounts, roadmap: Roadmap | None, words: ChartWords) -> None:
    """Bars of chats that reached and did each step of a roadmap."""
    axes.set_title(words.funnel_title, loc="left", fontsize=13)
    if roadmap is None:
        return
    steps = funnel([step.id for step in roadmap.steps], counts.funnels[roadmap.id])
    numbers = list(range(1, len(steps) + 1))
    axes.bar([n - 0.2 for n in numbers], [s.reached for s in steps], 0.4, label=words.reached, color="#93c5fd")
    axes.bar([n + 0.2 for n in numbers], [s.done for s in steps], 0.4, label=words.done, color="#16a34a")
    axes.set_xticks(numbers)
    axes.legend(frameon=False)


def draw_states(axes: Axes, counts: StatsCounts, words: ChartWords, names: dict[ChatState, str]) -> None:
    """Stacked bars of chats active each week by state, and a line of those at risk."""
    weeks = sorted(counts.states_by_week)
    labels = [iso_week(week)[5:] for week in weeks]
    base = [0] * len(weeks)
    for state in ACTIVE_STATES:
        heights = [counts.states_by_week[week].get(state, 0) for week in weeks]
        axes.bar(labels, heights, bottom=base, label=names[state], color=COLOURS[state])
        base = [b + h for b, h in zip(base, heights, strict=True)]
    at_risk = [counts.states_by_week[week].get(ChatState.AT_RISK, 0) for week in weeks]
    axes.plot(labels, at_risk, marker="o", label=names[ChatState.AT_RISK], color=COLOURS[ChatState.AT_RISK])
    axes.set_title(words.states_title, loc="left", fontsize=13)
    axes.legend(frameon=False, ncols=5, fontsize=8, loc=LEGEND_BELOW, bbox_to_anchor=(0, -0.08))


def draw_nudges(axes: Axes, counts: StatsCounts, words: ChartWords) -> None:
    """Bars of nudges sent each week, and of those that led to a step changed within a day."""
    weeks = sorted(counts.nudges_by_week)
    labels = [iso_week(week)[5:] for week in weeks]
    sent = [counts.nudges_by_week[week][0] for week in weeks]
    converted = [counts.nudges_by_week[week][1] for week in weeks]
    axes.bar(labels, sent, label=words.sent, color="#cbd5e1")
    axes.bar(labels, converted, label=words.converted, color="#2563eb")
    axes.set_title(words.nudges_title, loc="left", fontsize=13)
    axes.legend(frameon=False)
