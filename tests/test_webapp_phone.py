"""The page on a 360-px phone in a real browser, as a learner a few steps in sees it: the progress
bar stays in view while the steps scroll, a "Next step" jump goes to the step to take, done steps
are folded to their heading (and open on a tap), and the state buttons look like choices, the
chosen one filled. Screenshots at 360 px, light and dark, go to docs/ only when asked
(`--update-screenshots`)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from progress import StepState
from roadmaps import Catalog
from storage import Storage
from tests.miniapp import USER, browser_required, chromium, chromium_or_skip, init_data, served_app, uvicorn_serving
from tests.support import Clock
from tests.test_webapp_page import ROOT, SEED_ID, Phone, wait_for

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
        chosen, choice = page["todoLooks"], page["doneLooks"]
        assert chosen[0] not in ("rgba(0, 0, 0, 0)", page["pageBg"]), "Not started, chosen, is filled as a choice"
        assert choice[0] == "rgba(0, 0, 0, 0)" and choice[2] == "1", "a choice not taken: outlined, not dimmed"
    assert seen["after_jump"] == "step-relational-databases-sql"
    assert seen["opened"] is True, "a folded step opens on a tap"
    assert seen["console"] == []
    if pytestconfig.getoption("update_screenshots"):  # a person asked; only a passing run gets here
        for picture in pictures:
            shutil.copyfile(picture, ROOT / "docs" / picture.name)
