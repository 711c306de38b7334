"""A new version of a roadmap: two steps renamed (with `formerly`), one moved, one removed, one
added. Progress on kept and renamed steps stays, removed steps leave the counts, and buttons
sent before the change get polite answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from progress import StepState
from roadmaps import BUILTIN_DIR, Catalog, load_catalog
from storage import Storage
from tests.fakebotapi import FakeBotAPI
from tests.support import AppFactory, ChatSession, answers

SEED = "backend-engineer-ai-era"
STEP_GONE = "That step is no longer in this roadmap. Here is the roadmap as it is now."


def second_version(directory: Path) -> Catalog:
    """The seed roadmap, edited as an author would, written to `directory` and loaded from it."""
    content: dict[str, Any] = yaml.safe_load((BUILTIN_DIR / f"{SEED}.yaml").read_text(encoding="utf-8"))
    steps = {step["id"]: step for step in content["steps"]}
    steps["typed-language-and-git"] |= {"id": "typed-language", "formerly": ["typed-language-and-git"]}
    steps["relational-databases-sql"] |= {"id": "sql-databases", "formerly": ["relational-databases-sql"]}
    added = steps["system-design"] | {
        "id": "vector-search",
        "title": "Vector search",
        "summary": "Embeddings, indexes.",
    }
    order = ["typed-language-and-git", "observability", "relational-databases-sql", "auth-and-security",
             "testing-and-ci", "caching-and-queues", "containers-and-deployment", "system-design",
             "llm-backed-services"]  # fmt: skip
    assert set(order) == set(steps) - {"http-rest-apis"}  # HTTP & REST APIs is removed
    content["steps"] = [steps[i] for i in order] + [added]
    (directory / f"{SEED}.yaml").write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return load_catalog(directory)


async def test_a_new_version_keeps_progress_drops_removed_steps_and_answers_old_buttons(
    make_app: AppFactory, api: FakeBotAPI, catalog: Catalog, storage: Storage, tmp_path: Path
) -> None:
    before = ChatSession(await make_app(catalog), api, 7)
    await before.send(f"/start {SEED}")
    view = before.last.message_id
    marks = {
        "typed-language-and-git": "d",
        "http-rest-apis": "d",
        "relational-databases-sql": "w",
        "auth-and-security": "k",
        "observability": "d",
    }
    for step_id, letter in marks.items():
        await before.press(f"{letter}:{SEED}:{step_id}", view)
    await before.press(f"s:{SEED}:relational-databases-sql", view)  # its card: now the current one
    await before.send("/note indexes first")
    sql_card = before.last.message_id
    await before.press(f"s:{SEED}:http-rest-apis", view)
    http_card = view
    await before.send(f"/start {SEED}")
    old_view = before.last.message_id
    assert "30% · 3 of 10 steps done" in before.last.text

    after = ChatSession(await make_app(second_version(tmp_path)), api, 7)
    await after.send("/progress")
    assert "20% · 2 of 10 steps done" in after.last.text, "renamed and kept steps count, the removed one does not"

    await after.send(f"/start {SEED}")
    buttons = after.last.button_texts
    assert buttons[:4] == ["✅ 1. A typed language + git", "✅ 2. Observability", "🟡 3. Relational databases & SQL",
                           "⏭ 4. Auth & security"], buttons  # fmt: skip
    roadmap = load_catalog(tmp_path).get(SEED)
    assert roadmap is not None
    progress = await storage.progress.progress_of(7, SEED)
    assert progress.state_of(roadmap.step("sql-databases")) is StepState.WORKING
    note = progress.note_of(roadmap.step("sql-databases"))
    assert note is not None and note.text == "indexes first", "the note stays with the renamed step"

    await after.send("/next")  # the step in progress, under its new id, with its note
    assert "Step 3 of 10\nRelational databases & SQL" in after.last.text
    assert "🛠 More ▾ 📝" in after.last.button_texts
    await after.tap("🛠 More ▾ 📝")
    assert "indexes first" in after.last.text

    # Buttons sent before the change: a renamed step's still works, a removed step's is answered.
    calls = await after.press(f"d:{SEED}:relational-databases-sql", sql_card)
    assert answers(calls) == ["✅ Marked done"]
    assert (await storage.progress.progress_of(7, SEED)).state_of(roadmap.step("sql-databases")) is StepState.DONE
    calls = await after.press(f"u:{SEED}:http-rest-apis", http_card)
    assert answers(calls) == [STEP_GONE]
    assert "30% · 3 of 10 steps done" in api.messages[7, http_card].text
    calls = await after.press(f"s:{SEED}:http-rest-apis", old_view)
    assert answers(calls) == [STEP_GONE]
