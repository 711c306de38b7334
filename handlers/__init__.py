"""The conversation: handlers by feature, each beside its pure views, the callback-data codec, and the wiring."""

from handlers.context import CONTEXT_TYPES, BotContext, RoadmapApplication, Services, install
from handlers.guide_views import COMMANDS, PAGE_MENU_TEXT
from handlers.wiring import register

__all__ = [
    "COMMANDS",
    "CONTEXT_TYPES",
    "PAGE_MENU_TEXT",
    "BotContext",
    "RoadmapApplication",
    "Services",
    "install",
    "register",
]
