"""The export file read back (handlers/export_format.py), a pure rule: each limit at its edge on both
sides, each reason a file is refused with the details its words name, and what a valid file's plan
holds. The chat's words for each reason are tested through the bot in tests/test_data.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from typing import Any

import pytest
from sqlalchemy import select

from bot.application import RoadmapBot
from handlers.export_format import (
    MAX_ID,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_DEPTH,
    MAX_NUMBER_DIGITS,
    ImportProblem,
    read_export,
)
from handlers.note_views import MAX_NOTE
from progress import Mark, Note, StepState
from roadmaps import Catalog
from storage import Storage
from storage.tables import step_states
from tests.fakebotapi import FakeBotAPI
from tests.support import CardChat, at

SEED = "backend-engineer-ai-era"
FIRST = "typed-language-and-git"
NOW = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)
UTC = dt.UTC


def document(*roadmaps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"format": "roadmap-bot/progress", "version": 1, "roadmaps": list(roadmaps), **fields}


def seed(*steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"id": SEED, "started_at": "2026-11-01T08:00:00+00:00", "steps": list(steps), **fields}


def done(changed_at: str = "2026-11-02T08:00:00+00:00", step: str = FIRST, **fields: Any) -> dict[str, Any]:
    return {"id": step, "state": "done", "changed_at": changed_at, **fields}


def read(catalog: Catalog, value: dict[str, Any] | bytes) -> Any:
    data = value if isinstance(value, bytes) else json.dumps(value).encode()
    return read_export(data, catalog, NOW)


def refusal(catalog: Catalog, value: dict[str, Any] | bytes) -> tuple[str, dict[str, object]]:
    with pytest.raises(ImportProblem) as refused:
        read(catalog, value)
    return refused.value.reason, refused.value.details


def test_a_file_of_exactly_the_size_limit_is_read_and_one_byte_more_is_refused(catalog: Catalog) -> None:
    data = json.dumps(document(seed(done()))).encode()
    assert read(catalog, data + b" " * (MAX_IMPORT_BYTES - len(data))).roadmaps
    too_big = data + b" " * (MAX_IMPORT_BYTES + 1 - len(data))
    assert refusal(catalog, too_big) == ("too_big", {"size": 1_000_001, "limit": 1_000_000})


def test_nesting_is_taken_to_the_depth_an_export_has_and_refused_past_it(catalog: Catalog) -> None:
    deepest = document(seed(done(extra=[])))  # document, roadmaps, roadmap, steps, step, a list: 6
    assert read(catalog, deepest).roadmaps
    assert refusal(catalog, document(seed(done(extra=[[]])))) == ("too_deep", {"limit": MAX_IMPORT_DEPTH})
    assert refusal(catalog, b"[" * 100_000 + b"]" * 100_000)[0] == "too_deep"


def test_numbers_are_taken_to_twenty_digits(catalog: Catalog) -> None:
    assert read(catalog, b'{"format": "roadmap-bot/progress", "version": 1, "roadmaps": [], "n": 12345678901234567890}')
    longest_float = b"1." + b"1" * (MAX_NUMBER_DIGITS - 2)
    assert read(
        catalog, b'{"format": "roadmap-bot/progress", "version": 1, "roadmaps": [], "n": ' + longest_float + b"}"
    )
    too_long = b'{"format": "roadmap-bot/progress", "version": 1, "roadmaps": [], "n": 123456789012345678901}'
    assert refusal(catalog, too_long) == ("long_number", {"digits": 21, "limit": 20})
    long_float = b'{"format": "roadmap-bot/progress", "version": 1, "roadmaps": [], "n": ' + longest_float + b"1}"
    assert refusal(catalog, long_float) == ("long_number", {"digits": 21, "limit": 20})
    assert refusal(catalog, b'{"format": "roadmap-bot/progress", "n": NaN}') == ("not_a_number", {"text": "NaN"})


def test_what_is_not_an_export_says_so(catalog: Catalog) -> None:
    reason, details = refusal(catalog, b"\xff\xfe")
    assert reason == "not_json" and list(details) == ["error"]
    assert refusal(catalog, b"[]") == ("not_an_export", {})
    assert refusal(catalog, {"format": "other"}) == ("not_an_export", {})
    assert refusal(catalog, {"format": "roadmap-bot/progress", "version": 2}) == (
        "version",
        {"found": "2", "wanted": 1},
    )
    assert refusal(catalog, {"format": "roadmap-bot/progress", "version": 1}) == ("no_roadmaps", {})
    version = "v" * 100
    assert refusal(catalog, {"format": "roadmap-bot/progress", "version": version})[1] == {
        "found": ("'" + version)[:39] + "…",
        "wanted": 1,
    }, "a value quoted back is cut to 40 characters"
    exactly = "v" * 38  # quoted: 40 characters, shown whole
    assert refusal(catalog, {"format": "roadmap-bot/progress", "version": exactly})[1]["found"] == f"'{exactly}'"


def test_ids_are_taken_to_64_characters(catalog: Catalog) -> None:
    longest = "x" * MAX_ID
    plan = read(catalog, document(seed(done(), {"id": longest, "state": "todo"})))
    assert plan.unknown_steps == 1
    assert refusal(catalog, document(seed(done(), {"id": longest + "x"}))) == (
        "not_a_step",
        {"where": "roadmaps[0].steps[1]"},
    )
    assert refusal(catalog, document(seed({"id": ""}))) == ("not_a_step", {"where": "roadmaps[0].steps[0]"})
    assert refusal(catalog, document(seed(), {"id": longest + "x", "steps": []})) == (
        "not_a_roadmap",
        {"where": "roadmaps[1]"},
    )
    assert refusal(catalog, document(seed(), "seed")) == ("not_a_roadmap", {"where": "roadmaps[1]"})
    assert refusal(catalog, document(seed(), seed())) == (
        "repeated_roadmap",
        {"where": "roadmaps[1]", "roadmap": f"'{SEED}'"},
    )
    assert refusal(catalog, document(seed(steps=None))) == ("bad_steps", {"where": "roadmaps[0]", "limit": 500})


def test_times_are_read_as_utc_from_2000_to_ten_minutes_ahead(catalog: Catalog) -> None:
    plan = read(
        catalog, document(seed(done("2026-11-02T10:00:00+02:00"), done("2026-11-03T08:00:00", "http-rest-apis")))
    )
    marks = plan.roadmaps[0].marks
    assert marks[FIRST] == Mark(StepState.DONE, at(2026, 11, 2, 8)), "an offset turned into UTC"
    assert marks["http-rest-apis"] == Mark(StepState.DONE, at(2026, 11, 3, 8)), "no offset: UTC"
    assert read(catalog, document(seed(done("2000-01-01T00:00:00+00:00")))).roadmaps
    assert refusal(catalog, document(seed(done("1999-12-31T23:59:59+00:00")))) == (
        "time_too_early",
        {"where": "roadmaps[0].steps[0].changed_at", "value": "'1999-12-31T23:59:59+00:00'", "earliest": 2000},
    )
    assert read(catalog, document(seed(done("2026-11-27T09:40:00+00:00")))).roadmaps
    assert refusal(catalog, document(seed(done("2026-11-27T09:40:01+00:00")))) == (
        "time_in_future",
        {"where": "roadmaps[0].steps[0].changed_at", "value": "'2026-11-27T09:40:01+00:00'"},
    )
    longest = "2026-11-01T08:00:00.0000+00:00:00.000000"  # 40 characters
    assert read(catalog, document(seed(done(longest)))).roadmaps[0].marks[FIRST].changed_at == at(2026, 11, 1, 8)
    assert refusal(catalog, document(seed(done(longest.replace(".0000", ".00000")))))[0] == "bad_time"
    for value in (None, 20261101, "yesterday", "9999-12-31T23:59:59-23:59"):
        assert refusal(catalog, document(seed(done(value))))[0] == "bad_time", value


def test_states_and_notes_as_the_file_has_them(catalog: Catalog) -> None:
    longest = "n" * MAX_NOTE
    plan = read(
        catalog,
        document(
            seed(
                {"id": FIRST},  # no state: to do, no mark, no time needed
                {
                    "id": "http-rest-apis",
                    "state": "todo",
                    "note": f"  {longest}  ",
                    "note_changed_at": "2026-11-05T08:00:00Z",
                },
                {"id": "relational-databases-sql", "note": "a\r\nb", "note_changed_at": "2026-11-05T08:00:00Z"},
                {"id": "auth-and-security", "state": "skipped", "changed_at": "2026-11-04T08:00:00Z"},
            )
        ),
    )
    [saved] = plan.roadmaps
    assert saved.marks == {"auth-and-security": Mark(StepState.SKIPPED, at(2026, 11, 4, 8))}
    assert saved.notes == {
        "http-rest-apis": Note(longest, at(2026, 11, 5, 8)),
        "relational-databases-sql": Note("a\nb", at(2026, 11, 5, 8)),
    }
    at_step = {"where": "roadmaps[0].steps[0]", "limit": MAX_NOTE}
    for note in (longest + "n", "   ", 5):
        assert refusal(
            catalog, document(seed({"id": FIRST, "note": note, "note_changed_at": "2026-11-05T08:00:00Z"}))
        ) == (
            "bad_note",
            at_step,
        )
    assert refusal(catalog, document(seed({"id": FIRST, "state": "finished"}))) == (
        "bad_state",
        {"where": "roadmaps[0].steps[0]", "state": "'finished'"},
    )
    assert refusal(catalog, document(seed({"id": FIRST, "state": ["done"]})))[0] == "bad_state"


def test_when_a_roadmap_was_started_and_last_used(catalog: Catalog) -> None:
    [used] = read(catalog, document(seed(done(), last_used_at="2026-11-20T08:00:00+00:00"))).roadmaps
    assert (used.started_at, used.last_activity_at) == (at(2026, 11, 1, 8), at(2026, 11, 20, 8))
    [unused] = read(catalog, document(seed(done()))).roadmaps
    assert unused.last_activity_at == at(2026, 11, 1, 8), "without a last use, the start"
    notes_only = seed(
        {"id": FIRST, "note": "n", "note_changed_at": "2026-11-05T08:00:00Z"},
        started_at=None,
        last_used_at="2026-11-05T08:00:00Z",
    )
    [noted] = read(catalog, document(notes_only)).roadmaps
    assert (noted.started_at, noted.last_activity_at) == (None, at(2026, 11, 5, 8))
    assert refusal(catalog, document(seed(done(), started_at="soon"))) == (
        "bad_time",
        {"where": "roadmaps[0].started_at", "value": "'soon'"},
    )
    assert refusal(catalog, document(seed(done(), last_used_at="later")))[1]["where"] == "roadmaps[0].last_used_at"


def test_roadmaps_this_bot_does_not_know_are_named_by_title_or_id(catalog: Catalog) -> None:
    plan = read(
        catalog,
        document(
            seed(done()),
            {"id": "gone", "title": "Gone Roadmap", "steps": []},
            {"id": "blank", "title": "  ", "steps": []},
            {"id": "untitled", "steps": []},
        ),
    )
    assert [r.roadmap_id for r in plan.roadmaps] == [SEED]
    assert plan.unknown_roadmaps == ["Gone Roadmap", "blank", "untitled"]


def test_a_time_without_an_offset_is_utc_whatever_the_server_s_zone(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        [saved] = read(catalog, document(seed(done("2026-11-03T08:00:00")))).roadmaps
    finally:
        monkeypatch.undo()
        time.tzset()
    assert saved.marks[FIRST].changed_at == at(2026, 11, 3, 8)


def test_an_id_of_one_character_is_an_id(catalog: Catalog) -> None:
    """An id is 1 to 64 characters: a step or roadmap of a one-character id is one this bot does not
    know, counted or named, not a file refused."""
    plan = read(catalog, document(seed(done(), {"id": "x", "state": "todo"}), {"id": "y", "steps": []}))
    assert (plan.unknown_steps, plan.unknown_roadmaps) == (1, ["y"])


def test_steps_a_roadmap_no_longer_has_are_counted_across_roadmaps_and_the_steps_after_them_still_read(
    catalog: Catalog,
) -> None:
    """A step this bot's roadmap no longer has is counted and skipped; every step after it is read
    all the same, and the count adds up over the whole file."""
    other = catalog.roadmaps[1]
    plan = read(
        catalog,
        document(
            seed({"id": "gone-1"}, done(), {"id": "gone-2"}, done(step="http-rest-apis")),
            {"id": other.id, "started_at": "2026-11-01T08:00:00+00:00", "steps": [{"id": "gone-3"}]},
        ),
    )
    assert plan.unknown_steps == 3
    assert set(plan.roadmaps[0].marks) == {FIRST, "http-rest-apis"}


def test_ticked_checks_are_read_by_their_current_ids_and_ids_the_step_no_longer_has_are_left_out(
    catalog: Catalog,
) -> None:
    """A step's `checks` are the ids of the checks ticked: kept under the check's current id (a
    former id counts), ids the step no longer has left out, at most four; a step without `checks`
    has no entry, one with an empty list has none ticked."""
    seed_roadmap = catalog.get(SEED)
    assert seed_roadmap is not None
    http = seed_roadmap.step("http-rest-apis")
    assert http is not None
    say, built, written = http.done_when
    renamed = dataclasses.replace(say, id="say-http-methods", formerly=(say.id,))
    steps = tuple(
        dataclasses.replace(step, done_when=(renamed, built, written)) if step is http else step
        for step in seed_roadmap.steps
    )
    changed = Catalog((dataclasses.replace(seed_roadmap, steps=steps),))
    [saved] = read(
        changed,
        document(
            seed(
                done(checks=[]),
                {"id": "http-rest-apis", "checks": ["say-methods", "written-openapi", "no-such-check", "gone"]},
                {"id": "relational-databases-sql", "state": "working", "changed_at": "2026-11-03T08:00:00Z"},
            )
        ),
    ).roadmaps
    assert saved.ticks == {FIRST: frozenset(), "http-rest-apis": frozenset({"say-http-methods", "written-openapi"})}
    [unchanged] = read(catalog, document(seed({"id": "http-rest-apis", "checks": ["built-endpoint"]}))).roadmaps
    assert unchanged.ticks == {"http-rest-apis": frozenset({"built-endpoint"})}


@pytest.mark.parametrize(
    "checks",
    [
        "say-methods",
        5,
        None,
        {"say-methods": True},
        ["say-methods", "built-endpoint", "written-openapi", "a", "b"],
        [""],
        ["say-methods", 5],
        ["x" * (MAX_ID + 1)],
    ],
)
def test_checks_that_are_not_a_list_of_at_most_four_ids_are_refused_naming_the_step(
    catalog: Catalog, checks: Any
) -> None:
    """`checks` must be a list of at most four ids (a step has at most four checks); anything else
    refuses the file, naming the step."""
    file = document(seed(done(), {"id": "http-rest-apis", "checks": checks}))
    assert refusal(catalog, file) == ("bad_checks", {"where": "roadmaps[0].steps[1]"})


def test_what_json_cannot_read_is_answered_with_the_reader_s_own_words_cut_short(catalog: Catalog) -> None:
    """A file that is not UTF-8 or not JSON is refused with what the reader said, quoted and cut to
    40 characters."""
    assert refusal(catalog, b"\xff\xfe") == ("not_json", {"error": "\"'utf-8' codec can't decode byte 0xff i…"})
    assert refusal(catalog, b"") == ("not_json", {"error": "'Expecting value: line 1 column 1 (char…"})


def test_a_file_nested_past_what_the_json_reader_takes_is_too_deep_naming_the_limit(catalog: Catalog) -> None:
    """Nesting the JSON reader itself gives up on (it runs out of recursion) is refused as too deep,
    with the same limit named as for nesting just past an export's."""
    assert refusal(catalog, b"[" * 100_000 + b"]" * 100_000) == ("too_deep", {"limit": MAX_IMPORT_DEPTH})


def test_a_note_s_time_is_named_where_it_is_wrong(catalog: Catalog) -> None:
    """A note needs its time: a missing or unreadable `note_changed_at` is refused, naming that field."""
    for value, shown in (("soon", "'soon'"), (None, "None")):
        note = {"id": FIRST, "note": "n"} | ({} if value is None else {"note_changed_at": value})
        assert refusal(catalog, document(seed(note))) == (
            "bad_time",
            {"where": "roadmaps[0].steps[0].note_changed_at", "value": shown},
        )


def test_a_time_with_an_offset_is_kept_in_utc_whatever_the_server_s_zone(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every time of a plan is in UTC (offset zero), not in the server's zone, however the file
    wrote it."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        file = document(
            seed(
                done("2026-11-02T10:00:00+02:00"),
                {"id": "http-rest-apis", "note": "n", "note_changed_at": "2026-11-05T08:00:00+05:30"},
                started_at="2026-11-01T08:00:00-03:00",
                last_used_at="2026-11-20T08:00:00Z",
            )
        )
        [saved] = read(catalog, file).roadmaps
    finally:
        monkeypatch.undo()
        time.tzset()
    times = [saved.started_at, saved.last_activity_at, saved.marks[FIRST].changed_at]
    times.append(saved.notes["http-rest-apis"].changed_at)
    assert [moment.utcoffset() if moment else None for moment in times] == [dt.timedelta(0)] * 4
    assert times == [at(2026, 11, 1, 11), at(2026, 11, 20, 8), at(2026, 11, 2, 8), at(2026, 11, 5, 2, 30)]


async def test_an_import_with_steps_removed_since_the_export_brings_back_every_step_after_them(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage
) -> None:
    """Through the bot: an export from before two steps were removed is imported whole but for
    them; the answer counts both, and the steps after each are in the database."""
    chat = CardChat(app, api, chat_id=1001)  # its `last` is the import's answer, not the reminder question below
    steps = (done(), done(step="gone-1"), done(step="http-rest-apis"), done(step="gone-2"))
    data = json.dumps(document(seed(*steps, title="Backend Engineer (AI era)"))).encode()
    await chat.process(api.document_update(chat.chat_id, "roadmap-progress.json", data))
    assert chat.last.text.startswith("📥 Imported.\n• Backend Engineer (AI era): 2 of 10 steps done"), chat.last.text
    assert "Left out: 2 steps these roadmaps no longer have." in chat.last.text
    query = select(step_states.c.step_id, step_states.c.state).where(step_states.c.chat_id == chat.chat_id)
    async with storage.engine.connect() as connection:
        rows = set(await connection.execute(query))
    assert rows == {(FIRST, "done"), ("http-rest-apis", "done")}
