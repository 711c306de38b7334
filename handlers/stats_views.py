"""The operator's numbers in words: the week's summary (/stats and `roadmap-bot stats`), and the
chart's titles and labels. Pure functions over the counts; a handful of chats shows as "<5"."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from handlers.actions import ToggleDigest
from handlers.screens import Screen, button, keyboard
from i18n.catalogs import N_, _
from i18n.formats import count, number, percent
from i18n.shared_views import separated
from progress.stats import (
    FEWEST,
    ChatState,
    StatsCounts,
    activation_rate,
    funnel,
    honest,
    iso_week,
    nudge_rates,
    page_share,
)
from roadmaps import Catalog, Roadmap

STATE_NAMES = {
    ChatState.NEW: N_("New"),
    ChatState.CURRENT: N_("Current"),
    ChatState.REACTIVATED: N_("Reactivated"),
    ChatState.RESURRECTED: N_("Resurrected"),
    ChatState.AT_RISK: N_("At risk"),
    ChatState.DORMANT: N_("Dormant"),
}


# What a figure over a handful of chats shows, as HTML.
FEW = escape(f"<{FEWEST}")


def figure(value: int) -> str:
    """A count as the language writes it, or "<5" (as HTML)."""
    shown = honest(value)
    return FEW if isinstance(shown, str) else count(shown)


def rate(value: float | None) -> str:
    """A share as a percent, or "<5" (as HTML) when too few chats stand behind it."""
    return FEW if value is None else percent(round(value * 100))


def per_100(value: float | None) -> str:
    """A rate per 100, or "<5" (as HTML)."""
    return FEW if value is None else number(value)


def state_name(state: ChatState) -> str:
    """A chat state's name."""
    return _(STATE_NAMES[state])


def render_stats(counts: StatsCounts, catalog: Catalog) -> str:
    """The week's summary, for /stats and the command line."""
    lines = [
        "📊 " + _("<b>Week %(week)s</b> (ISO weeks, UTC)") % {"week": iso_week(counts.week)},
        _("Active: %(week)s this week · %(month)s in the last four weeks")
        % {"week": figure(counts.weekly_active), "month": figure(counts.monthly_active)},
        separated(*(f"{state_name(state)} {figure(counts.states.get(state, 0))}" for state in ChatState)),
        _("Activation: %(rate)s of %(new)s new chats changed a step within a day")
        % {"rate": rate(activation_rate(counts)), "new": figure(counts.new_chats)},
        nudge_line(counts),
        _("The page: %(share)s of %(marks)s marks")
        % {"share": rate(page_share(counts)), "marks": figure(counts.marks)},
    ]
    busiest = busiest_roadmap(counts, catalog)
    if busiest is not None:
        lines += ["", funnel_lines(counts, busiest)]
    return "\n".join(lines)


def nudge_line(counts: StatsCounts) -> str:
    """What the period's nudges did, per 100 sent."""
    rates = nudge_rates(counts.nudges)
    return _(
        "Nudges: %(sent)s sent · per 100, %(two)s led to a step within 2 h, %(day)s within 24 h · "
        "%(snoozed)s snoozed · %(stopped)s stopped · %(blocked)s blocked"
    ) % {
        "sent": figure(counts.nudges.total),
        "two": per_100(rates["changed_within_2h"]),
        "day": per_100(rates["changed_within_24h"]),
        "snoozed": per_100(rates["snoozed"]),
        "stopped": per_100(rates["stopped"]),
        "blocked": per_100(rates["blocked"]),
    }


def busiest_roadmap(counts: StatsCounts, catalog: Catalog) -> Roadmap | None:
    """The roadmap most chats changed a step of in the period; None when none did."""
    reached = {roadmap_id: sum(found.furthest.values()) for roadmap_id, found in counts.funnels.items()}
    best = max(reached, key=lambda roadmap_id: reached[roadmap_id], default=None)
    return catalog.get(best) if best is not None and reached[best] else None


def funnel_lines(counts: StatsCounts, roadmap: Roadmap) -> str:
    """A roadmap's funnel, a step a line: reached, done, skipped."""
    steps = funnel([step.id for step in roadmap.steps], counts.funnels[roadmap.id])
    lines = [_("<b>Where learners of %(roadmap)s stop</b>") % {"roadmap": escape(roadmap.title)}]
    for number_of, found in enumerate(steps, 1):
        lines.append(
            _("%(number)s. reached %(reached)s · done %(done)s · skipped %(skipped)s")
            % {
                "number": count(number_of),
                "reached": figure(found.reached),
                "done": figure(found.done),
                "skipped": figure(found.skipped),
            }
        )
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class ChartWords:
    """Every word the chart shows: its three panels' titles and their axes' labels."""

    funnel_title: str
    reached: str
    done: str
    states_title: str
    nudges_title: str
    sent: str
    converted: str


def chart_words(roadmap: Roadmap | None) -> ChartWords:
    """The chart's words, in the language spoken."""
    return ChartWords(
        funnel_title=_("Steps of %(roadmap)s") % {"roadmap": roadmap.title} if roadmap else _("Steps"),
        reached=_("reached"),
        done=_("done"),
        states_title=_("Chats by state, each week"),
        nudges_title=_("Nudges, and a step changed within a day"),
        sent=_("sent"),
        converted=_("step within 24 h"),
    )


def render_stats_screen(counts: StatsCounts, catalog: Catalog, digest: bool) -> Screen:
    """/stats: the week's summary, and a button for the weekly digest (on or off)."""
    # Translators: a button under /stats; the weekly digest is this summary, sent every Monday.
    label = _("🔕 Stop the weekly digest") if digest else _("🔔 Weekly digest, on Mondays")
    return Screen(render_stats(counts, catalog), keyboard([[button(label, ToggleDigest())]]))


def digest_toggled(wanted: bool) -> str:
    """The toast of the digest's button."""
    if wanted:
        # Translators: a toast (plain text, short).
        return _("🔔 The weekly digest comes on Mondays, 08:00 UTC")
    return _("🔕 No more weekly digest")
