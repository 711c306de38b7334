"""A Bot API transport answered in this process: the base of `roadmap-bot try` (and of the
test and benchmark fakes), which play Telegram without a network."""

from __future__ import annotations

import json
from typing import Any

from telegram.request import BaseRequest, RequestData

# The fields of a Bot API call that are objects, which a call may carry as their JSON text.
JSON_FIELDS = frozenset(
    {"reply_markup", "link_preview_options", "allowed_updates", "commands", "scope", "entities", "menu_button"}
)


class InProcessRequest(BaseRequest):
    """python-telegram-bot's transport with nothing to open or close; subclasses answer
    `do_request` themselves."""

    @property
    def read_timeout(self) -> float:
        return 5.0

    async def initialize(self) -> None:
        """No connections to open."""

    async def shutdown(self) -> None:
        """No connections to close."""


def api_parameters(request_data: RequestData | None) -> dict[str, Any]:
    """A call's parameters as the Bot API reads them: an object given as its JSON text (the
    buttons many messages carry are sent so) is the object."""
    if request_data is None:
        return {}
    return {
        name: json.loads(value) if name in JSON_FIELDS and isinstance(value, str) else value
        for name, value in request_data.parameters.items()
    }
