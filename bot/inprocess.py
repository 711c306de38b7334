"""A Bot API transport answered in this process: the base of `roadmap-bot try` (and of the
test and benchmark fakes), which play Telegram without a network."""

from __future__ import annotations

from telegram.request import BaseRequest


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
