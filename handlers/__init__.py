"""The conversation: handlers by feature, each beside its pure views, the callback-data codec, and
the wiring. What the composition root (bot/) uses is named here; the modules stay the room's own."""

from handlers.alerts import OperatorAlerts
from handlers.announcement_views import render_announcement
from handlers.announcements import progress_screen
from handlers.context import CONTEXT_TYPES, BotContext, RoadmapApplication, Services, install
from handlers.guide_views import (
    COMMANDS,
    DEFAULT_BOT_NAME,
    PAGE_MENU_TEXT,
    bot_description,
    bot_short_description,
    command_menu,
)
from handlers.nudge_views import render_nudge, render_welcome_nudge
from handlers.observe import HANDLED_BY, update_kind
from handlers.reminders import ask_when
from handlers.replies import AS_HTML, edit_message, send_announcement, send_unread
from handlers.screens import Screen
from handlers.stats import send_due_digests
from handlers.stats_chart import render_chart
from handlers.stats_views import busiest_roadmap, chart_words, render_stats, state_name
from handlers.telegram_errors import Failure, classify
from handlers.wiring import register

__all__ = [
    "AS_HTML",
    "COMMANDS",
    "CONTEXT_TYPES",
    "DEFAULT_BOT_NAME",
    "HANDLED_BY",
    "PAGE_MENU_TEXT",
    "BotContext",
    "Failure",
    "OperatorAlerts",
    "RoadmapApplication",
    "Screen",
    "Services",
    "ask_when",
    "bot_description",
    "bot_short_description",
    "busiest_roadmap",
    "chart_words",
    "classify",
    "command_menu",
    "edit_message",
    "install",
    "progress_screen",
    "register",
    "render_announcement",
    "render_chart",
    "render_nudge",
    "render_stats",
    "render_welcome_nudge",
    "send_announcement",
    "send_due_digests",
    "send_unread",
    "state_name",
    "update_kind",
]
