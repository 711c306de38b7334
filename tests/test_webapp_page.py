"""The Mini App in a real browser: headless Chromium opens the page served by uvicorn, as Telegram
would show it (Telegram.WebApp stood in for, Telegram's script blocked: nothing leaves the machine),
and a mark made there is the chat's progress too."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from i18n.shared_views import nothing_to_count
from progress import StepState
from roadmaps import Catalog
from storage import Storage
from storage.tables import step_states
from tests.miniapp import (
    USER,
    browser_required,
    chromium,
    chromium_or_skip,
    init_data,
    served_app,
    telegram_stub,
    uvicorn_serving,
)
from tests.support import ChatSession, Clock
from webapp import PageHooks, PageRules

NOTHING_TO_COUNT = nothing_to_count()  # in English, as the tests speak

ROOT = Path(__file__).resolve().parent.parent
SEED = "Backend Engineer (AI era)"
SEED_ID = "backend-engineer-ai-era"
FIRST_STEP = "A typed language + git"
DEVOPS_ID = "devops-platform-engineer"
DONE_THERE = dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.UTC)  # three days before the tests' clock

# The seed page (seeds/backend-engineer-ai-era.txt), word for word: each step's title, text and signals.
SEED_STEPS = [
    (
        "A typed language + git",
        "Go, TypeScript, or Python with types. Master the language before the framework.",
        "Importance High Market demand High Automation risk Low",
    ),
    (
        "HTTP & REST APIs",
        "Status codes, idempotency, pagination, versioning. The contract is the product.",
        "Importance High Market demand High Automation risk Medium",
    ),
    (
        "Relational databases & SQL",
        "Schema design, indexes, transactions, query plans. Postgres is a safe default.",
        "Importance High Market demand High Automation risk Low",
    ),
    (
        "Auth & security",
        "Sessions vs tokens, OAuth2/OIDC, hashing, OWASP Top 10. Don't roll your own crypto.",
        "Importance High Market demand High Automation risk Low",
    ),
    (
        "Testing & CI",
        "Unit, integration, and contract tests in a pipeline. AI writes tests fast — you decide what to verify.",
        "Importance High Market demand Medium Automation risk High",
    ),
    (
        "Caching & message queues",
        "Redis, idempotent consumers, the outbox pattern. Decouple to scale.",
        "Importance Medium Market demand High Automation risk Low",
    ),
    (
        "Observability",
        "Structured logs, metrics, traces (OpenTelemetry). You can't fix what you can't see.",
        "Importance High Market demand High Automation risk Low",
    ),
    (
        "Containers & deployment",
        "Docker, a registry, and one orchestrator or PaaS. Reproducible beats 'works on my machine'.",
        "Importance High Market demand High Automation risk Medium",
    ),
    (
        "System design",
        "Trade-offs, consistency models, capacity. The senior interview and the senior job.",
        "Importance High Market demand High Automation risk Low",
    ),
    (
        "LLM-backed services",
        "Call models safely from a backend: streaming, retries, cost & token budgets, prompt injection defense.",
        "Importance High Market demand High Automation risk Low",
    ),
]

# What a person sees of the roadmap page: innerText, whitespace collapsed (the level meters are CSS only).
READ_PAGE = """
const text = (node) => node ? node.innerText.replace(/\\s+/g, ' ').trim() : null;
const view = document.getElementById('roadmap-view');
return {
  title: text(document.getElementById('roadmap-title')),
  summary: text(document.getElementById('roadmap-summary')),
  headings: [...view.querySelectorAll('.panel h2')].map(text),
  progress: text(document.getElementById('progress-line')),
  effortLeft: text(document.getElementById('effort-left')),
  signals: text(document.getElementById('roadmap-signals')),
  legend: text(document.getElementById('signals-legend')),
  backLinks: [...view.querySelectorAll('a.back-link')].map(text),
  steps: [...document.querySelectorAll('#steps > li.step')].map((card) => ({
    number: text(card.querySelector('.step-number')),
    title: text(card.querySelector('.step-title-text')),
    summary: text(card.querySelector('.step-summary')),
    signals: text(card.querySelector('.signals')),
    why: text(card.querySelector('.step-why')),
    effort: text(card.querySelector('.step-effort')),
    doneWhen: [...card.querySelectorAll('.done-when li')].map(text),
    practice: text(card.querySelector('.practice summary')),
    practiceOpen: card.querySelector('.practice').open,
    resources: [...card.querySelectorAll('.resources a')].map((a) => [text(a), a.href]),
    state: text(card.querySelector('.step-state')),
    pressed: [...card.querySelectorAll('button[aria-pressed="true"]')].map(text),
    buttons: [...card.querySelectorAll('button')].map(text),
  })),
};
"""


def wait_for(driver: Any, script: str, *args: Any, timeout: float = 10) -> Any:
    """Run a script until it returns something truthy; fail with its last answer after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        answer = driver.execute_script(script, *args)
        if answer or time.monotonic() > deadline:
            assert answer, f"waited {timeout}s for: {script}"
            return answer
        time.sleep(0.05)


class Phone:
    """A 390-px-wide phone showing the page as Telegram would: its Telegram.WebApp is a stand-in."""

    def __init__(self, driver: Any, base_url: str, init_data: str) -> None:
        self.driver, self.base_url, self.init_data = driver, base_url, init_data
        self.stub: str | None = None
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
        )
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*://telegram.org/*", "*://*.telegram.org/*"]})

    def open(self, path: str, scheme: str = "light", start_param: str | None = None) -> None:
        """Load a page of the app with Telegram's stand-in in this color scheme, before any page script."""
        if self.stub is not None:
            self.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": self.stub})
        source = telegram_stub(self.init_data, USER, scheme, start_param)
        self.stub = self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})[
            "identifier"
        ]
        self.driver.get(f"{self.base_url}/app/{path}")

    def telegram_calls(self) -> list[list[Any]]:
        """What the page asked of Telegram.WebApp, in order."""
        return self.driver.execute_script("return Telegram.WebApp.__calls")  # type: ignore[no-any-return]

    def requests(self) -> tuple[list[str], dict[str, str]]:
        """The URLs the browser asked for since the last call, and why any of them failed."""
        urls, failures, ids = [], {}, {}
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message["params"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(params["request"]["url"])
                ids[params["requestId"]] = params["request"]["url"]
            elif message["method"] == "Network.loadingFailed" and params["requestId"] in ids:
                failures[ids[params["requestId"]]] = params.get("blockedReason") or params["errorText"]
        return urls, failures

    def console(self) -> list[str]:
        """The browser console's messages since the last call (CSP violations land here)."""
        return [entry["message"] for entry in self.driver.get_log("browser")]

    def screenshot(self, path: Path) -> None:
        """The phone's screen, top of the page."""
        self.driver.execute_script("window.scrollTo(0, 0); document.activeElement.blur();")
        time.sleep(0.2)  # let the focus ring and scroll settle
        self.driver.save_screenshot(str(path))


def walk_the_seed_roadmap(phone: Phone, roadmaps: int) -> dict[str, Any]:
    """Open the catalog, tap the seed roadmap, read the page, tap Done on its first step, go back."""
    driver = phone.driver
    phone.requests(), phone.console()  # forget what the browser did before this page
    phone.open("")
    wait_for(driver, f"return document.querySelectorAll('#catalog-list a').length === {roadmaps}")
    seen: dict[str, Any] = {"catalog": wait_for(driver, "return document.getElementById('catalog-list').innerText")}
    [link] = [a for a in driver.find_elements("css selector", "#catalog-list a") if a.text.startswith(SEED)]
    link.click()
    wait_for(driver, "return !document.getElementById('roadmap-view').hidden")
    seen["before"] = driver.execute_script(READ_PAGE)
    seen["focus_on_open"] = driver.execute_script("return document.activeElement.id")

    [card] = [
        li
        for li in driver.find_elements("css selector", "#steps > li.step")
        if li.find_element("css selector", ".step-title-text").text == FIRST_STEP
    ]
    done = card.find_element("css selector", 'button[data-state="done"]')
    done.click()
    wait_for(driver, "return arguments[0].getAttribute('aria-pressed') === 'true'", done)
    seen["after"] = driver.execute_script(READ_PAGE)
    seen["focus_after_mark"] = driver.execute_script("return document.activeElement === arguments[0]", done)
    seen["announced"] = wait_for(driver, "return document.getElementById('announcer').textContent")

    driver.find_element("css selector", "#roadmap-view a.back-link").click()
    wait_for(driver, "return !document.getElementById('catalog-view').hidden")
    seen["catalog_after"] = wait_for(
        driver, "const t = document.getElementById('catalog-list').innerText; return t.includes('10%') && t"
    )
    seen["telegram"] = phone.telegram_calls()
    seen["requests"], seen["failures"] = phone.requests()
    seen["console"] = phone.console()
    return seen


def take_screenshots(phone: Phone, folder: Path) -> dict[str, str]:
    """The roadmap page in Telegram's light and dark themes, as webapp-light.png and -dark.png in `folder`."""
    backgrounds = {}
    for scheme in ("light", "dark"):
        phone.open(f"?roadmap={SEED_ID}", scheme)
        wait_for(phone.driver, "return !document.getElementById('roadmap-view').hidden")
        backgrounds[scheme] = phone.driver.execute_script(
            "return getComputedStyle(document.querySelector('li.step')).backgroundColor"
        )
        phone.screenshot(folder / f"webapp-{scheme}.png")
    assert phone.console() == []
    return backgrounds


def use_with_keyboard_on_a_small_phone(phone: Phone) -> dict[str, Any]:
    """At 360 px, opened by a `startapp` link to the seed roadmap: nothing scrolls sideways; Space and
    Enter on the second step's buttons mark it and undo it."""
    from selenium.webdriver.common.keys import Keys

    driver = phone.driver
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": True}
    )
    phone.open("", start_param=SEED_ID)
    wait_for(driver, "return !document.getElementById('roadmap-view').hidden")
    seen: dict[str, Any] = {"page_width": driver.execute_script("return document.documentElement.scrollWidth")}
    card = driver.find_elements("css selector", "#steps > li.step")[1]
    working = card.find_element("css selector", 'button[data-state="working"]')
    working.send_keys(Keys.SPACE)
    wait_for(driver, "return arguments[0].getAttribute('aria-pressed') === 'true'", working)
    seen["working"] = driver.execute_script(READ_PAGE)["progress"]
    not_started = card.find_element("css selector", 'button[data-state="todo"]')
    not_started.send_keys(Keys.ENTER)
    wait_for(driver, "return arguments[0].getAttribute('aria-pressed') === 'true'", not_started)
    seen["undone"] = driver.execute_script(READ_PAGE)["progress"]
    seen["focus_ring"] = driver.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    seen["console"] = phone.console()

    phone.open("?roadmap=no-such-roadmap")  # an old link
    wait_for(driver, "return !document.getElementById('catalog-view').hidden")
    seen["gone"] = wait_for(driver, "return document.getElementById('problem').innerText")
    return seen


def count_a_topic_done_elsewhere(phone: Phone, screenshot: Path) -> dict[str, Any]:
    """Open the seed roadmap with Observability done in another roadmap: its card says where and
    when; ✅ Count it here marks it done here on that day."""
    driver = phone.driver
    phone.console()  # forget what the browser said before this page
    phone.open(f"?roadmap={SEED_ID}")
    wait_for(driver, "return !document.getElementById('roadmap-view').hidden")
    card = driver.find_element("css selector", "#step-observability")
    seen: dict[str, Any] = {
        "cards": driver.execute_script(
            "return [...document.querySelectorAll('.elsewhere-slot')].filter((s) => s.innerText).length"
        ),
        "shown": card.find_element("css selector", ".elsewhere-slot").text,
        "summary": driver.find_element("css selector", "#countable").text,
    }
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", card)
    driver.save_screenshot(str(screenshot))
    card.find_element("css selector", ".count-button").click()
    wait_for(driver, "return arguments[0].dataset.state === 'done'", card)
    seen["state"] = card.find_element("css selector", ".step-state").text
    seen["slot_after"] = card.find_element("css selector", ".elsewhere-slot").text
    seen["focus"] = driver.execute_script("return document.activeElement.dataset.state")
    seen["announced"] = wait_for(driver, "return document.getElementById('announcer').textContent")
    seen["progress"] = driver.find_element("css selector", "#progress-line").text
    seen["summary_after"] = driver.find_element("css selector", "#countable").text
    seen["console"] = phone.console()
    return seen


def open_the_step_whose_topic_is_done_elsewhere(phone: Phone) -> None:
    """Open the seed roadmap and wait for Containers & deployment to offer ✅ Count it here."""
    phone.open(f"?roadmap={SEED_ID}")
    wait_for(phone.driver, "return document.querySelector('#step-containers-and-deployment .count-button')")


def count_after_it_was_undone_there(phone: Phone) -> dict[str, Any]:
    """The page was opened before the other roadmap's step was undone in the chat: the count is
    refused in words, and the card shows the step as it is now."""
    driver = phone.driver
    card = driver.find_element("css selector", "#step-containers-and-deployment")
    card.find_element("css selector", ".count-button").click()
    problem = wait_for(driver, "const p = document.getElementById('problem'); return !p.hidden && p.innerText")
    wait_for(driver, "return !arguments[0].querySelector('.elsewhere-slot').innerText", card)
    return {
        "problem": problem,
        "summary": driver.find_element("css selector", "#countable").text,
        "state": card.find_element("css selector", ".step-state").text,
        "focus": driver.execute_script("return document.activeElement.dataset.state"),
        "console": phone.console(),
    }


@pytest.mark.parametrize("make_storage", ["sqlite"], indirect=True)  # one browser run; the API tests cover both
async def test_a_person_marks_a_step_done_on_the_page_and_the_chat_counts_it(
    chat: ChatSession, storage: Storage, catalog: Catalog, clock: Clock, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    required = browser_required(pytestconfig)
    chromium_or_skip(required)
    signed = init_data(signed_at=clock())
    screenshots = tmp_path / "screenshots"  # never the repository: docs/ gets them only when asked, below
    screenshots.mkdir()
    async with uvicorn_serving(served_app(catalog, storage, clock)) as base_url:
        with chromium(tmp_path / "profile", required) as driver:
            phone = Phone(driver, base_url, signed)
            seen = await asyncio.to_thread(walk_the_seed_roadmap, phone, len(catalog))
            backgrounds = await asyncio.to_thread(take_screenshots, phone, screenshots)
            small = await asyncio.to_thread(use_with_keyboard_on_a_small_phone, phone)
            devops = catalog.get(DEVOPS_ID)
            assert devops is not None
            for step_id in ("logs-and-traces", "containers"):
                done = devops.step(step_id)
                assert done is not None
                await storage.progress.set_step_state(USER["id"], DEVOPS_ID, done, StepState.DONE, DONE_THERE)
            counted = await asyncio.to_thread(count_a_topic_done_elsewhere, phone, tmp_path / "elsewhere.png")
            await asyncio.to_thread(open_the_step_whose_topic_is_done_elsewhere, phone)
            containers = devops.step("containers")
            assert containers is not None
            await storage.progress.set_step_state(USER["id"], DEVOPS_ID, containers, StepState.TODO, clock())
            stale = await asyncio.to_thread(count_after_it_was_undone_there, phone)

    before, after = seen["before"], seen["after"]
    assert before["title"] == SEED
    assert before["summary"] == (
        "From language fundamentals to AI-augmented services: build systems that are correct, observable, "
        "and ready to call models."
    )
    assert before["headings"] == ["Roadmap progress", "How to read the signals"]
    assert before["progress"] == "0% · 0 of 10 steps done"
    assert before["signals"] == "Importance High Market demand Medium Automation risk Low"
    assert before["legend"] == (
        "Importance: how central it is to the job. Market demand: how often employers ask for it. "
        "Automation risk: how much of it AI tools already do."
    )
    assert before["backLinks"] == ["← All roadmaps", "← All roadmaps"]
    assert [(s["title"], s["summary"], s["signals"]) for s in before["steps"]] == SEED_STEPS
    assert [s["number"] for s in before["steps"]] == [str(n) for n in range(1, 11)]
    first = before["steps"][0]
    assert first["resources"][0] == ["Pro Git (the official Git book)", "https://git-scm.com/book/en/v2"]
    step = catalog.roadmaps[0].steps[0]
    assert first["why"] == f"Why it matters: {step.why}"
    assert first["effort"] == "⏱ About 40–80 hours" and before["effortLeft"] == "⏱ About 245–490 hours left"
    assert first["doneWhen"] == [check.text for check in step.done_when]
    assert first["practice"] == "Practice task" and first["practiceOpen"] is False, "the task waits to be opened"
    assert first["state"] == "State: ⬜ Not yet" and first["pressed"] == ["⬜ Not started"]
    assert first["buttons"] == ["✅ Done", "🟡 Working on it", "⏭ Skipped", "⬜ Not started"]
    assert seen["focus_on_open"] == "roadmap-title", "the new page's heading has the focus"

    assert after["progress"] == "10% · 1 of 10 steps done" and after["effortLeft"] == "⏱ About 205–410 hours left"
    assert after["steps"][0]["state"] == "State: ✅ Done on 27 Nov 2026"
    assert after["steps"][0]["pressed"] == ["✅ Done"]
    assert [s["state"] for s in after["steps"][1:]] == ["State: ⬜ Not yet"] * 9
    assert seen["focus_after_mark"], "the focus stays on the button pressed"
    assert seen["announced"] == f"{FIRST_STEP}: Done. 10% · 1 of 10 steps done"
    assert "10% · 1 of 10 steps done" in seen["catalog_after"]

    calls = [call[0] for call in seen["telegram"]]
    assert calls[:2] == ["ready", "expand"]
    assert "BackButton.onClick" in calls
    assert calls.index("BackButton.show") < len(calls) - 1 - calls[::-1].index("BackButton.hide")
    assert ["haptic", "success"] in seen["telegram"]

    outside = {url for url in seen["requests"] if not url.startswith((base_url, "data:"))}
    assert outside == {"https://telegram.org/js/telegram-web-app.js"}, "only Telegram's script, and it is blocked"
    assert seen["failures"] == {"https://telegram.org/js/telegram-web-app.js": "inspector"}
    assert seen["console"] == [], "no CSP violation, no script error, nothing missing"

    async with storage.engine.connect() as connection:
        rows = (await connection.execute(select(step_states))).all()
    assert sorted((r.chat_id, r.roadmap_id, r.step_id, r.state, r.changed_at) for r in rows) == [
        (USER["id"], SEED_ID, "observability", "done", DONE_THERE),
        (USER["id"], SEED_ID, "typed-language-and-git", "done", clock()),
        (USER["id"], DEVOPS_ID, "logs-and-traces", "done", DONE_THERE),
    ]
    await chat.send("/progress")
    assert f"{SEED}\n▰▰▱▱▱▱▱▱▱▱ 20% · 2 of 10 steps done" in chat.last.text, "the page's mark and its count"

    assert small["page_width"] <= 360, "fits a 360-px-wide phone"
    assert small["working"] == "10% · 1 of 10 steps done · 1 in progress"
    assert small["undone"] == "10% · 1 of 10 steps done"
    assert small["focus_ring"] == "solid", "the focused button shows it"
    assert small["console"] == []
    assert small["gone"] == "That roadmap is not here any more; here are the ones there are."

    assert counted["cards"] == 2, "Observability and Containers & deployment: done in DevOps, not counted here"
    assert counted["shown"] == (
        "✅ Done in DevOps & Platform Engineer on 24 Nov 2026 (step 19, Logs & traces)\n✅ Count it here"
    )
    assert counted["state"] == "State: ✅ Done on 24 Nov 2026", "counted on the day it was done there"
    assert counted["slot_after"] == "" and counted["focus"] == "done"
    assert counted["announced"] == (
        "Observability: ✅ Counted here: done in DevOps & Platform Engineer on 24 Nov 2026. 20% · 2 of 10 steps done"
    )
    assert counted["progress"] == "20% · 2 of 10 steps done"
    assert counted["summary"] == "🔗 2 steps are done in another roadmap: their cards below can count them here."
    assert counted["summary_after"] == "🔗 1 step is done in another roadmap: its card below can count it here."
    assert counted["console"] == []
    assert stale["problem"] == NOTHING_TO_COUNT
    assert stale["state"] == "State: ⬜ Not yet" and stale["focus"] == "done"
    assert stale["summary"] == "", "nothing left to count: the line goes"
    [refused] = stale["console"]  # the browser notes the 409; no script error beside it
    assert refused.endswith(
        "/count-here - Failed to load resource: the server responded with a status of 409 (Conflict)"
    )

    assert backgrounds["light"] != backgrounds["dark"], "the page follows Telegram's theme"
    pictures = [screenshots / f"webapp-{scheme}.png" for scheme in ("light", "dark")]
    for picture in pictures:
        assert picture.stat().st_size > 10_000
    if pytestconfig.getoption("update_screenshots"):  # a person asked; only a passing run gets there
        for picture in pictures:
            shutil.copyfile(picture, ROOT / "docs" / picture.name)


def read_the_refusal(phone: Phone) -> dict[str, Any]:
    """Open the page with initData signed two hours ago: what the page says, and what its button does."""
    driver = phone.driver
    phone.console()
    phone.open("")
    wait_for(driver, "return !document.getElementById('problem').hidden")
    seen: dict[str, Any] = {
        "said": driver.find_element("css selector", "#problem .problem-text").text,
        "button": driver.find_element("css selector", "#problem .reopen-button").text,
    }
    driver.find_element("css selector", "#problem .reopen-button").click()
    seen["telegram"] = wait_for(
        driver, "const c = Telegram.WebApp.__calls; return c.some((x) => x[0] === 'close') && c"
    )
    seen["console"] = phone.console()
    return seen


def mark_too_often(phone: Phone) -> dict[str, Any]:
    """Open the seed roadmap (one call), mark its first step done (two), then its second (three: past
    the person's calls): what the page says, and the second step's state."""
    driver = phone.driver
    phone.console()
    phone.open(f"?roadmap={SEED_ID}")
    wait_for(driver, "return !document.getElementById('roadmap-view').hidden")
    first, second = driver.find_elements("css selector", "#steps > li.step")[:2]
    done = first.find_element("css selector", 'button[data-state="done"]')
    done.click()
    wait_for(driver, "return arguments[0].getAttribute('aria-pressed') === 'true'", done)
    second.find_element("css selector", 'button[data-state="working"]').click()
    wait_for(driver, "return !document.getElementById('problem').hidden")
    return {
        "said": driver.find_element("css selector", "#problem .problem-text").text,
        "button": driver.find_element("css selector", "#problem .reopen-button").text,
        "state": second.find_element("css selector", ".step-state").text,
        "console": phone.console(),
    }


@pytest.mark.parametrize("make_storage", ["sqlite"], indirect=True)
async def test_a_refused_call_is_said_in_words_with_a_way_back_to_the_chat(
    storage: Storage, catalog: Catalog, clock: Clock, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    required = browser_required(pytestconfig)
    chromium_or_skip(required)
    rules = PageRules(calls_per_minute=2)
    async with uvicorn_serving(served_app(catalog, storage, clock, rules)) as base_url:
        with chromium(tmp_path / "profile", required) as driver:
            old = init_data(signed_at=clock() - dt.timedelta(hours=2))
            expired = await asyncio.to_thread(read_the_refusal, Phone(driver, base_url, old))
            busy = await asyncio.to_thread(mark_too_often, Phone(driver, base_url, init_data(signed_at=clock())))

    assert expired["said"] == (
        "This page has been open too long for the bot to be sure it is you. Reopen it from the chat to carry on."
    )
    assert expired["button"] == "Back to the chat"
    assert ["close"] in expired["telegram"], "the button closes the page: the chat's menu button opens it afresh"
    assert [line.rsplit(" - ", 1)[1] for line in expired["console"]] == [
        "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
    ]
    assert busy["said"] == (
        "That was a lot of changes at once. Wait 30 seconds and try again, or reopen the page from the chat."
    )
    assert busy["button"] == "Back to the chat"
    assert busy["state"] == "State: ⬜ Not yet", "the refused mark changed nothing"
    assert [line.rsplit(" - ", 1)[1] for line in busy["console"]] == [
        "Failed to load resource: the server responded with a status of 429 (Too Many Requests)"
    ]


# The page as a person reads it in their language: words, direction, and where the step's number sits.
READ_LANGUAGE = """
const text = (node) => node ? node.innerText.replace(/\\s+/g, ' ').trim() : null;
const card = document.querySelector('#steps > li.step');
const number = card.querySelector('.step-number').getBoundingClientRect();
const title = card.querySelector('.step-title-text').getBoundingClientRect();
return {
  lang: document.documentElement.lang,
  dir: document.documentElement.dir,
  direction: getComputedStyle(document.body).direction,
  title: text(document.getElementById('roadmap-title')),
  headings: [...document.querySelectorAll('#roadmap-view .panel h2')].map(text),
  progress: text(document.getElementById('progress-line')),
  firstStep: text(card.querySelector('.step-title-text')),
  summaryDirection: getComputedStyle(card.querySelector('.step-summary')).direction,
  buttons: [...card.querySelectorAll('button')].map(text),
  numberRightOfTitle: number.left > title.right - 1,
  backLink: text(document.querySelector('#roadmap-view a.back-link')),
  width: document.documentElement.scrollWidth,
};
"""


def read_in_a_language(phone: Phone, picture: Path) -> dict[str, Any]:
    """Open the seed roadmap at 360 px; what it says and how it is laid out; a screenshot of its top;
    then the catalog, where a roadmap not translated keeps its own (left-to-right) direction."""
    driver = phone.driver
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True}
    )
    phone.console()
    phone.open(f"?roadmap={SEED_ID}")
    wait_for(driver, "return !document.getElementById('roadmap-view').hidden && document.documentElement.lang")
    seen: dict[str, Any] = driver.execute_script(READ_LANGUAGE)
    phone.screenshot(picture)
    phone.open("")
    wait_for(driver, "return document.querySelectorAll('#catalog-list a').length > 1")
    seen["english_title_direction"] = driver.execute_script(
        "const a = [...document.querySelectorAll('#catalog-list a')].find((a) => a.innerText.includes('DevOps'));"
        "return getComputedStyle(a.querySelector('.roadmap-link-title')).direction"
    )
    seen["console"] = phone.console()
    return seen


@pytest.mark.parametrize("make_storage", ["sqlite"], indirect=True)
async def test_the_page_speaks_the_chat_s_language_persian_right_to_left(
    storage: Storage, catalog: Catalog, clock: Clock, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    required = browser_required(pytestconfig)
    chromium_or_skip(required)
    roadmap = catalog.get(SEED_ID)
    assert roadmap is not None
    await storage.progress.set_step_state(USER["id"], SEED_ID, roadmap.steps[0], StepState.DONE, clock())
    await storage.languages.choose(USER["id"], "fa", clock())  # chosen by /language; the app says English
    russian_app = {**USER, "id": 1002, "language_code": "ru"}  # never chose: the page follows the app
    hooks = PageHooks(language_of=storage.languages.of)
    screenshots = tmp_path / "screenshots"
    screenshots.mkdir()
    seen = {}
    async with uvicorn_serving(served_app(catalog, storage, clock, hooks=hooks)) as base_url:
        with chromium(tmp_path / "profile", required) as driver:
            for language, user in (("fa", USER), ("ru", russian_app)):
                phone = Phone(driver, base_url, init_data(user, signed_at=clock()))
                picture = screenshots / f"webapp-{language}.png"
                seen[language] = await asyncio.to_thread(read_in_a_language, phone, picture)

    persian, russian = seen["fa"], seen["ru"]
    assert (persian["lang"], persian["dir"], persian["direction"]) == ("fa", "rtl", "rtl")
    assert persian["title"] == "مهندس بک‌اند (عصر هوش مصنوعی)"
    assert persian["progress"] == "۱۰%، ۱ از ۱۰ قدم انجام شده"
    assert persian["firstStep"] == "یک زبان نوع‌دار + git"
    assert persian["numberRightOfTitle"], "mirrored: a step's number on the right of its title"
    assert persian["summaryDirection"] == "rtl", "a Persian text that starts with 'Go, TypeScript' reads right to left"
    assert persian["english_title_direction"] == "ltr", "an English title keeps its own direction"
    assert (russian["lang"], russian["dir"], russian["direction"]) == ("ru", "ltr", "ltr")
    assert russian["title"] == "Backend-инженер (эпоха ИИ)"
    assert russian["progress"] == "0 % · 0 из 10 шагов выполнено"
    assert russian["firstStep"] == "Типизированный язык + git" and not russian["numberRightOfTitle"]
    for page in (persian, russian):
        assert page["width"] <= 360 and page["console"] == []
        assert all(button and not button.isascii() for button in page["buttons"] if button.strip("✅🟡⏭⬜ "))
    pictures = [screenshots / f"webapp-{language}.png" for language in ("fa", "ru")]
    for picture in pictures:
        assert picture.stat().st_size > 10_000
    if pytestconfig.getoption("update_screenshots"):
        for picture in pictures:
            shutil.copyfile(picture, ROOT / "docs" / picture.name)


# --- the page on a 360-px phone, a learner a few steps in -----------------------------------------
# The progress bar stays in view while the steps scroll, a "Next step" jump goes to the step to
# take, done steps are folded to their heading (and open on a tap), and the state buttons look like
# choices, the chosen one filled. Screenshots at 360 px, light and dark, go to docs/ only when asked
# (`--update-screenshots`), beside the `-before` ones of the page before these changes.

# What the page shows, read in the browser: the sticky bar's place after a scroll, the jump, the
# folded cards, and the state buttons' looks.
READ_PHONE = """
const bar = document.getElementById('progress-sticky');
const next = document.getElementById('next-step-link');
const cards = [...document.querySelectorAll('#steps > li.step')];
const button = (card, state) => card.querySelector('.state-button[data-state="' + state + '"]');
const looks = (b) => { const s = getComputedStyle(b); return [s.backgroundColor, s.color, s.opacity]; };
return {
  barTop: bar ? Math.round(bar.getBoundingClientRect().top) : null,
  barText: bar ? bar.innerText : null,
  next: next && !next.hidden ? next.innerText : null,
  nextHref: next ? next.getAttribute('href') : null,
  folded: cards.map((c) => c.querySelector('.step-body') && !c.querySelector('.step-body').open),
  todoLooks: looks(button(cards[5], 'todo')),
  doneLooks: looks(button(cards[5], 'done')),
  pageBg: getComputedStyle(document.body).backgroundColor,
  thirdState: cards[2].querySelector('.step-state').innerText,
  thirdChecks: [...cards[2].querySelectorAll('.done-when li')].map((li) => li.className),
  width: document.documentElement.scrollWidth,
  scrollY: Math.round(window.scrollY),
};
"""


def look_at_the_page(phone: Phone, folder: Path) -> dict[str, Any]:
    """At 360 px, light and dark: the top of the seed roadmap, then the page scrolled to its steps
    (screenshots of each); then the jump to the next step, and a folded step opened."""
    driver = phone.driver
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True}
    )
    seen: dict[str, Any] = {}
    for scheme in ("light", "dark"):
        phone.open(f"?roadmap={SEED_ID}", scheme)
        wait_for(driver, "return !document.getElementById('roadmap-view').hidden")
        phone.screenshot(folder / f"webapp-360-{scheme}-top.png")
        driver.execute_script("document.querySelectorAll('#steps > li.step')[3].scrollIntoView()")
        driver.save_screenshot(str(folder / f"webapp-360-{scheme}-steps.png"))
        seen[scheme] = driver.execute_script(READ_PHONE)
    link = driver.find_elements("css selector", "#next-step-link")
    if link and link[0].is_displayed():
        driver.execute_script("window.scrollTo(0, 0)")
        link[0].click()
        seen["after_jump"] = wait_for(driver, "return window.scrollY > 300 && document.activeElement.id")
    summary = driver.find_elements("css selector", "#steps > li.step summary")
    if summary:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary[0])
        summary[0].click()
        seen["opened"] = driver.execute_script("return document.querySelector('#steps > li.step .step-body').open")
    seen["console"] = phone.console()
    return seen


@pytest.mark.parametrize("make_storage", ["sqlite"], indirect=True)  # one browser run
async def test_the_page_on_a_phone_keeps_progress_in_view_jumps_to_the_next_step_and_folds_done_ones(
    storage: Storage, catalog: Catalog, clock: Clock, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    required = browser_required(pytestconfig)
    chromium_or_skip(required)
    roadmap = catalog.get(SEED_ID)
    assert roadmap is not None
    for step, state in zip(roadmap.steps, (StepState.DONE, StepState.DONE, StepState.WORKING), strict=False):
        await storage.progress.set_step_state(USER["id"], SEED_ID, step, state, clock())
    third = roadmap.steps[2]
    await storage.progress.toggle_check(USER["id"], SEED_ID, third, third.done_when[1], clock())  # ticked in the chat
    screenshots = tmp_path / "screenshots"
    screenshots.mkdir()
    async with uvicorn_serving(served_app(catalog, storage, clock)) as base_url:
        with chromium(tmp_path / "profile", required) as driver:
            phone = Phone(driver, base_url, init_data(signed_at=clock()))
            seen = await asyncio.to_thread(look_at_the_page, phone, screenshots)

    pictures = sorted(screenshots.glob("*.png"))
    assert len(pictures) == 4 and all(picture.stat().st_size > 10_000 for picture in pictures)
    for scheme in ("light", "dark"):
        page = seen[scheme]
        assert page["width"] <= 360
        assert page["scrollY"] > 300 and page["barTop"] == 0, "the progress bar stays in view as the steps scroll"
        assert "20% · 2 of 10 steps done · 1 in progress" in page["barText"]
        assert page["next"] == "👉 Next step: Relational databases & SQL"
        assert page["nextHref"] == "#step-relational-databases-sql"
        assert page["folded"] == [True, True] + [False] * 8, "done steps folded to their heading"
        assert page["thirdState"] == "State: 🟡 Working on it since 27 Nov 2026 · ☑️ 1 of 3 checks"
        assert page["thirdChecks"] == ["open", "ticked", "open"]
        chosen, choice = page["todoLooks"], page["doneLooks"]
        assert chosen[0] not in ("rgba(0, 0, 0, 0)", page["pageBg"]), "Not started, chosen, is filled as a choice"
        assert choice[0] == "rgba(0, 0, 0, 0)" and choice[2] == "1", "a choice not taken: outlined, not dimmed"
    assert seen["after_jump"] == "step-relational-databases-sql"
    assert seen["opened"] is True, "a folded step opens on a tap"
    assert seen["console"] == []
    if pytestconfig.getoption("update_screenshots"):  # a person asked; only a passing run gets here
        for picture in pictures:
            shutil.copyfile(picture, ROOT / "docs" / picture.name)
