"""The conversation: handlers, the callback-data codec, and views."""

from handlers.services import Services
from handlers.views import COMMANDS
from handlers.wiring import register

__all__ = ["COMMANDS", "Services", "register"]
