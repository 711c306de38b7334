"""Telegram at its worst: a transport that answers some calls with the errors Telegram really
gives (429 with retry_after, 403, the usual 400s, 502, timeouts before and after Telegram acted,
refused connections), at random and in bursts, from a seeded random generator, and keeps a
ledger of what it did to whom.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from tests.fakebotapi import Call, FakeBotAPI, FakeRequest

# Calls that carry what a person sees; the rest (getMe, setMyCommands, ...) are left alone.
TARGETS = ("sendMessage", "editMessageText", "answerCallbackQuery", "sendDocument", "sendPhoto")


@dataclass(frozen=True)
class Fault:
    """One way a call can go wrong."""

    name: str
    status: int = 0  # the HTTP answer; 0 for faults with no answer
    description: str = ""
    methods: tuple[str, ...] = TARGETS
    parameters: dict[str, Any] | None = None

    def body(self) -> bytes:
        answer: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            answer["parameters"] = self.parameters
        return json.dumps(answer).encode()


FLOOD = Fault("429", 429, "Too Many Requests: retry after 1", parameters={"retry_after": 1})
BLOCKED = Fault("403 blocked", 403, "Forbidden: bot was blocked by the user")
CHAT_NOT_FOUND = Fault("400 chat not found", 400, "Bad Request: chat not found")
NO_RIGHTS = Fault("400 no rights", 400, "Bad Request: not enough rights to send text messages to the chat")
NOT_MODIFIED = Fault(
    "400 not modified",
    400,
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message",
    methods=("editMessageText",),
)
EDIT_GONE = Fault("400 message to edit not found", 400, "Bad Request: message to edit not found", ("editMessageText",))
QUERY_OLD = Fault(
    "400 query too old",
    400,
    "Bad Request: query is too old and response timeout expired or query ID is invalid",
    methods=("answerCallbackQuery",),
)
BAD_GATEWAY = Fault("502", 502, "Bad Gateway")
TIMEOUT_BEFORE = Fault("timeout before Telegram acted")
TIMEOUT_AFTER = Fault("timeout after Telegram acted")
REFUSED = Fault("connection refused")

# Faults that come and go: a burst repeats one of these.
TRANSIENT = (FLOOD, BAD_GATEWAY, TIMEOUT_BEFORE, TIMEOUT_AFTER, REFUSED)
EVERY_FAULT = (*TRANSIENT, BLOCKED, CHAT_NOT_FOUND, NO_RIGHTS, NOT_MODIFIED, EDIT_GONE, QUERY_OLD)


@dataclass
class Entry:
    """One call as the chaos transport handled it."""

    method: str
    params: dict[str, Any]
    fault: Fault | None
    acted: bool  # whether Telegram did what was asked (a message sent, an answer taken)


@dataclass
class Chaos:
    """Which calls fail and how: each call fails with probability `rate`; a failure starts a
    burst (the same fault for the next few calls of any target method) with probability `bursts`."""

    seed: int
    rate: float = 0.2
    bursts: float = 0.1
    burst_length: tuple[int, int] = (3, 12)
    faults: tuple[Fault, ...] = EVERY_FAULT
    on: bool = True
    ledger: list[Entry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self._burst: tuple[Fault, int] | None = None

    def choose(self, method: str) -> Fault | None:
        """The fault for this call, if any."""
        if not self.on or method not in TARGETS:
            return None
        if self._burst is not None:
            fault, left = self._burst
            self._burst = (fault, left - 1) if left > 1 else None
            return fault
        if self.random.random() >= self.rate:
            return None
        fault = self.random.choice([f for f in self.faults if method in f.methods])
        if fault in TRANSIENT and self.random.random() < self.bursts:
            self._burst = (fault, self.random.randint(*self.burst_length))
        return fault

    def counts(self) -> Counter[str]:
        """Faults injected, by name."""
        return Counter(entry.fault.name for entry in self.ledger if entry.fault is not None)


class ChaosRequest(FakeRequest):
    """The in-process fake Bot API, with faults in front of it."""

    def __init__(self, api: FakeBotAPI, chaos: Chaos) -> None:
        super().__init__(api)
        self.chaos = chaos

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        fault = self.chaos.choose(endpoint)
        params = dict(request_data.parameters) if request_data else {}
        if fault is None or fault is TIMEOUT_AFTER:
            status, body = await super().do_request(url, method, request_data, *args, **kwargs)
            acted = status == 200
            self.chaos.ledger.append(Entry(endpoint, params, fault, acted))
            if fault is TIMEOUT_AFTER:
                raise TimedOut("chaos: Telegram acted, the answer was lost")
            return status, body
        self.chaos.ledger.append(Entry(endpoint, params, fault, acted=False))
        self.api._record(Call(endpoint, params, ok=False))
        if fault is TIMEOUT_BEFORE:
            raise TimedOut("chaos: timed out before Telegram acted")
        if fault is REFUSED:
            raise NetworkError("chaos: [Errno 111] Connection refused")
        return fault.status, fault.body()
