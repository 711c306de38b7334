"""Test support for the Mini App: initData signed as Telegram signs it, the app served by a real
uvicorn on a free localhost port, and headless Chromium with a stand-in for Telegram.WebApp."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import os
import socket
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from roadmaps import Catalog
from storage import Storage
from tests.fakebotapi import TOKEN
from tests.support import Clock
from webapp import PageHooks, PageRules, build_webapp

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
USER = {"id": 1001, "first_name": "Ada", "last_name": "Lovelace", "username": "ada", "language_code": "en"}


def sign(fields: Mapping[str, str], bot_token: str = TOKEN) -> str:
    """The hash Telegram puts in initData: computed here from Telegram's description, not by the app's code."""
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


def fields_for(user: Mapping[str, Any], signed_at: dt.datetime, **extra: str) -> dict[str, str]:
    """The fields Telegram sends a Mini App opened from a bot's menu button."""
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(dict(user), separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(int(signed_at.timestamp())),
        **extra,
    }


def init_data(user: Mapping[str, Any] = USER, *, signed_at: dt.datetime, bot_token: str = TOKEN, **extra: str) -> str:
    """`Telegram.WebApp.initData` as Telegram would hand it to the page: a signed query string."""
    fields = fields_for(user, signed_at, **extra)
    return urlencode({**fields, "hash": sign(fields, bot_token)})


def authorization(data: str) -> dict[str, str]:
    """The header the page sends with every API call."""
    return {"Authorization": f"tma {data}"}


def served_app(
    catalog: Catalog, storage: Storage, clock: Clock, rules: PageRules | None = None, hooks: PageHooks | None = None
) -> Starlette:
    """The Mini App mounted at /app, as the bot's web server mounts it (with the operator's rules,
    and what it asks of the rest of the bot)."""
    webapp = build_webapp(catalog, storage.progress, TOKEN, clock, rules, hooks)
    return Starlette(routes=[Mount("/app", app=webapp)])


@asynccontextmanager
async def client_for(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client that talks to the app in process."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as client:
        yield client


@asynccontextmanager
async def uvicorn_serving(app: Starlette) -> AsyncIterator[str]:
    """Serve the app with uvicorn on a free 127.0.0.1 port, as a task on this event loop; yield its base URL.

    On this loop, the app shares the test's database engine; the browser is driven from a thread.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if serving.done():
                    serving.result()
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        await serving
        listener.close()


# Telegram's own palettes (its web client's), so the screenshots look as they would inside Telegram.
LIGHT_THEME = {
    "bg_color": "#ffffff",
    "secondary_bg_color": "#f1f1f4",
    "section_bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#707579",
    "subtitle_text_color": "#707579",
    "link_color": "#3390ec",
    "accent_text_color": "#3390ec",
    "section_header_text_color": "#3390ec",
    "button_color": "#3390ec",
    "button_text_color": "#ffffff",
    "section_separator_color": "#e4e4e8",
    "destructive_text_color": "#df3f40",
}
DARK_THEME = {
    "bg_color": "#212121",
    "secondary_bg_color": "#0f0f0f",
    "section_bg_color": "#212121",
    "text_color": "#ffffff",
    "hint_color": "#aaaaaa",
    "subtitle_text_color": "#aaaaaa",
    "link_color": "#8774e1",
    "accent_text_color": "#8774e1",
    "section_header_text_color": "#8774e1",
    "button_color": "#8774e1",
    "button_text_color": "#ffffff",
    "section_separator_color": "#2f2f2f",
    "destructive_text_color": "#ff595a",
}

# Telegram.WebApp as the page sees it inside Telegram, recording what the page asks of it.
TELEGRAM_STUB = """
(() => {
  const calls = [];
  const record = (name) => (...args) => { calls.push([name, ...args]); };
  const handlers = {back: []};
  window.Telegram = {WebApp: {
    initData: %(init_data)s,
    initDataUnsafe: %(unsafe)s,
    version: "8.0",
    platform: "tdesktop",
    colorScheme: %(scheme)s,
    themeParams: %(theme)s,
    isExpanded: false,
    __calls: calls,
    ready: record("ready"),
    expand() { calls.push(["expand"]); this.isExpanded = true; },
    onEvent: record("onEvent"),
    offEvent: record("offEvent"),
    openLink: record("openLink"),
    close: record("close"),
    HapticFeedback: {notificationOccurred: record("haptic")},
    BackButton: {
      isVisible: false,
      show() { calls.push(["BackButton.show"]); this.isVisible = true; },
      hide() { calls.push(["BackButton.hide"]); this.isVisible = false; },
      onClick(handler) { calls.push(["BackButton.onClick"]); handlers.back.push(handler); },
      offClick(handler) { handlers.back = handlers.back.filter((h) => h !== handler); },
      __press() { handlers.back.forEach((h) => h()); },
    },
  }};
})();
"""


def telegram_stub(data: str, user: Mapping[str, Any], scheme: str, start_param: str | None = None) -> str:
    """The stand-in's source, with this initData and this theme (and a `startapp` parameter, if any)."""
    theme = LIGHT_THEME if scheme == "light" else DARK_THEME
    unsafe = {"user": dict(user), **({"start_param": start_param} if start_param else {})}
    return TELEGRAM_STUB % {
        "init_data": json.dumps(data),
        "unsafe": json.dumps(unsafe),
        "scheme": json.dumps(scheme),
        "theme": json.dumps(theme),
    }


def browser_required(config: pytest.Config) -> bool:
    """Whether a missing browser fails the test instead of skipping it: in CI, and when a person asked
    for the pictures (--update-screenshots), who would otherwise get none without being told."""
    return os.environ.get("CI") == "true" or bool(config.getoption("update_screenshots"))


def chromium_or_skip(required: bool) -> None:
    """Skip without a browser, unless it is required, where a missing browser is a failure."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        reason = f"no browser: {', '.join(missing)} missing (apt-get install chromium chromium-driver)"
        if required:
            pytest.fail(f"the Mini App test needs a browser here (CI or --update-screenshots): {reason}")
        pytest.skip(reason)


@contextmanager
def chromium(profile: Path, required: bool, width: int = 390, height: int = 844) -> Iterator[Any]:
    """Headless Chromium through the system's ChromeDriver (Selenium Manager never downloads anything),
    phone-sized, with the browser's console kept for the test to read; one that will not start skips
    the test unless it is required."""
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-color-profile=srgb",
        "--lang=en-US",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    except WebDriverException as error:
        if required:
            raise
        pytest.skip(f"Chromium would not start: {error.msg}")
    try:
        yield driver
    finally:
        driver.quit()
