"""The content and its validation: the seed is carried faithfully; broken files are named."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from roadmaps import (
    BUILTIN_DIR,
    MAX_ID_PAIR_BYTES,
    MAX_RESOURCES,
    Check,
    Effort,
    Level,
    RoadmapError,
    check_roadmaps,
    inspect_roadmaps,
    load_catalog,
)
from roadmaps.limits import MAX_DONE_WHEN, MAX_DONE_WHEN_ITEM, MAX_PRACTICE, MAX_WHY, MIN_DONE_WHEN
from tests.support import VALID_STEP

# The seed page, step by step: title, text, and (importance, market demand, automation risk).
SEED = [
    (
        "A typed language + git",
        "Go, TypeScript, or Python with types. Master the language before the framework.",
        "HHL",
    ),
    ("HTTP & REST APIs", "Status codes, idempotency, pagination, versioning. The contract is the product.", "HHM"),
    (
        "Relational databases & SQL",
        "Schema design, indexes, transactions, query plans. Postgres is a safe default.",
        "HHL",
    ),
    ("Auth & security", "Sessions vs tokens, OAuth2/OIDC, hashing, OWASP Top 10. Don't roll your own crypto.", "HHL"),
    (
        "Testing & CI",
        "Unit, integration, and contract tests in a pipeline. AI writes tests fast — you decide what to verify.",
        "HMH",
    ),
    ("Caching & message queues", "Redis, idempotent consumers, the outbox pattern. Decouple to scale.", "MHL"),
    ("Observability", "Structured logs, metrics, traces (OpenTelemetry). You can't fix what you can't see.", "HHL"),
    (
        "Containers & deployment",
        "Docker, a registry, and one orchestrator or PaaS. Reproducible beats 'works on my machine'.",
        "HHM",
    ),
    ("System design", "Trade-offs, consistency models, capacity. The senior interview and the senior job.", "HHL"),
    (
        "LLM-backed services",
        "Call models safely from a backend: streaming, retries, cost & token budgets, prompt injection defense.",
        "HHL",
    ),
]
LEVEL = {"H": Level.HIGH, "M": Level.MEDIUM, "L": Level.LOW}


def test_the_seed_roadmap_carries_the_seed_page_word_for_word() -> None:
    roadmap = load_catalog().get("backend-engineer-ai-era")
    assert roadmap is not None
    assert roadmap.title == "Backend Engineer (AI era)"
    assert roadmap.summary == (
        "From language fundamentals to AI-augmented services: "
        "build systems that are correct, observable, and ready to call models."
    )
    assert (roadmap.signals.importance, roadmap.signals.market_demand, roadmap.signals.automation_risk) == (
        Level.HIGH,
        Level.MEDIUM,
        Level.LOW,
    )
    assert len(roadmap.steps) == len(SEED)
    for step, (title, text, levels) in zip(roadmap.steps, SEED, strict=True):
        assert (step.title, step.summary) == (title, text)
        signals = step.signals
        assert (signals.importance, signals.market_demand, signals.automation_risk) == tuple(LEVEL[c] for c in levels)
        assert 3 <= len(step.resources) <= MAX_RESOURCES, step.title
        assert all(resource.url.startswith("https://") for resource in step.resources)


def test_the_built_in_catalog_has_five_valid_roadmaps_one_long_and_in_sections() -> None:
    assert check_roadmaps(BUILTIN_DIR) == []
    catalog = load_catalog()
    assert len(catalog) >= 5
    long_ones = [r for r in catalog if len(r.steps) >= 20 and all(step.section for step in r.steps)]
    assert long_ones, "one roadmap has 20+ steps, all in sections"
    for roadmap in catalog:
        for step in roadmap.steps:
            assert 3 <= len(step.resources) <= MAX_RESOURCES, (roadmap.id, step.id)
            assert all(resource.url.startswith("https://") for resource in step.resources), (roadmap.id, step.id)


def test_the_built_in_roadmaps_have_no_warning() -> None:
    inspection = inspect_roadmaps(BUILTIN_DIR)
    assert inspection.errors == ()
    assert inspection.warnings == (), "\n".join(str(warning) for warning in inspection.warnings)


def test_every_built_in_step_says_why_when_it_is_done_how_to_practise_and_how_long() -> None:
    for roadmap in load_catalog():
        for step in roadmap.steps:
            where = (roadmap.id, step.id)
            assert step.why and len(step.why) <= MAX_WHY, where
            assert MIN_DONE_WHEN <= len(step.done_when) <= MAX_DONE_WHEN, where
            assert all(len(check.text) <= MAX_DONE_WHEN_ITEM for check in step.done_when), where
            assert step.practice and len(step.practice) <= MAX_PRACTICE, where
            assert step.effort_hours is not None and 1 <= step.effort_hours.low < step.effort_hours.high, where


def test_every_topic_is_shared_by_steps_of_at_least_two_roadmaps() -> None:
    catalog = load_catalog()
    for topic in catalog.topics:
        assert len({roadmap.id for roadmap, _ in catalog.teaching(topic)}) >= 2, topic
    # Only steps of which either covers the other share one (README: "Give two steps one topic...").
    assert {topic: sorted(f"{r.id}/{s.id}" for r, s in catalog.teaching(topic)) for topic in catalog.topics} == {
        "containers": ["backend-engineer-ai-era/containers-and-deployment", "devops-platform-engineer/containers"],
        "observability": ["backend-engineer-ai-era/observability", "devops-platform-engineer/logs-and-traces"],
        "llm-apis": ["backend-engineer-ai-era/llm-backed-services", "llm-engineer/model-apis"],
        "retrieval": ["llm-engineer/embeddings-and-retrieval", "ml-engineer/retrieval-and-embeddings"],
    }


def test_only_the_seed_keeps_the_ai_writes_x_you_y_phrasing() -> None:
    pattern = re.compile(r"\bAI \w+ .*— you\b")
    texts = [(r.id, s.id, text) for r in load_catalog() for s in r.steps for text in (s.summary, s.why or "")]
    assert [(r, s) for r, s, text in texts if pattern.search(text)] == [("backend-engineer-ai-era", "testing-and-ci")]


def test_the_ai_engineer_roadmap_follows_the_seed() -> None:
    catalog = load_catalog()
    roadmap = catalog.get("llm-engineer")
    assert roadmap is not None and roadmap.title == "AI Engineer (LLM apps)"
    assert catalog.roadmaps[0].id == "backend-engineer-ai-era", "the seed stays first in the catalog"
    assert 10 <= len(roadmap.steps) <= 14
    for step in roadmap.steps:
        assert step.section, step.id
        assert len(re.findall(r"[.!?](?:\s|$)", step.summary)) == 2, step.summary
        assert len(roadmap.id) + len(step.id) <= MAX_ID_PAIR_BYTES
    assert {step.topic for step in roadmap.steps} >= {"llm-apis", "retrieval"}


def write(directory: Path, name: str, body: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def _write_roadmap(directory: Path, name: str, header: str, steps: str) -> Path:
    header = header or (
        "id: demo\ntitle: Demo\nsummary: A demo.\n"
        "signals: {importance: high, market_demand: high, automation_risk: low}\n"
    )
    path = directory / name
    path.write_text(header + "steps:\n" + steps, encoding="utf-8")
    return path


def problems_in(directory: Path) -> list[tuple[str, str, str]]:
    return [(Path(p.file).name, p.field, p.message) for p in check_roadmaps(directory)]


def test_a_valid_file_loads_into_frozen_objects(tmp_path: Path) -> None:
    _write_roadmap(tmp_path, "demo.yaml", "", VALID_STEP)
    roadmap = load_catalog(tmp_path).get("demo")
    assert roadmap is not None and roadmap.steps[0].title == "First"
    with pytest.raises(AttributeError):
        roadmap.title = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("step", "field", "words"),
    [
        (
            VALID_STEP.replace("importance: high", "importance: huge"),
            "steps[0] (first).signals.importance",
            "unknown level 'huge'",
        ),
        (VALID_STEP.replace("    summary: The first step.\n", ""), "steps[0] (first).summary", "is missing"),
        (VALID_STEP.replace("id: first", "id: First Step"), "steps[0] (First Step).id", "not a slug"),
        (VALID_STEP + VALID_STEP, "steps[1].id", "duplicate step id 'first'"),
        (
            VALID_STEP.replace("title: First", "title: First\n    sumary: typo"),
            "steps[0] (first).sumary",
            "unknown field",
        ),
        (
            VALID_STEP.replace("id: first", "id: " + "s" * MAX_ID_PAIR_BYTES),
            f"steps[0] ({'s' * MAX_ID_PAIR_BYTES}).id",
            "Telegram button",
        ),
        (
            VALID_STEP + "    resources:\n      - {title: Docs, url: 'ftp://example.org'}\n",
            "steps[0] (first).resources[0].url",
            "not an http(s) URL",
        ),
        (VALID_STEP + "    formerly: [first]\n", "steps[0].formerly[0]", "duplicate step id 'first'"),
    ],
)
def test_every_problem_names_the_file_and_the_field(tmp_path: Path, step: str, field: str, words: str) -> None:
    _write_roadmap(tmp_path, "broken.yaml", "", step)
    found = problems_in(tmp_path)
    assert any(f == "broken.yaml" and fld == field and words in message for f, fld, message in found), found
    with pytest.raises(RoadmapError):
        load_catalog(tmp_path)


def test_invalid_yaml_and_a_non_mapping_are_named(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "id: [unclosed\n")
    write(tmp_path, "b.yaml", "- just a list\n")
    found = problems_in(tmp_path)
    assert ("a.yaml", "(file)") in [(f, fld) for f, fld, _ in found]
    assert ("b.yaml", "(file)") in [(f, fld) for f, fld, _ in found]


def test_two_files_with_one_roadmap_id_are_both_named(tmp_path: Path) -> None:
    _write_roadmap(tmp_path, "one.yaml", "", VALID_STEP)
    _write_roadmap(tmp_path, "two.yaml", "", VALID_STEP)
    [(file, field, message)] = problems_in(tmp_path)
    assert (file, field) == ("two.yaml", "id")
    assert "duplicate roadmap id 'demo'" in message and "one.yaml" in message


def test_an_empty_directory_is_a_problem(tmp_path: Path) -> None:
    assert problems_in(tmp_path) == [(tmp_path.name, "(directory)", "no .yaml roadmap files")]


def test_former_ids_find_the_renamed_step(tmp_path: Path) -> None:
    _write_roadmap(
        tmp_path, "demo.yaml", "", VALID_STEP.replace("id: first", "id: first-step") + "    formerly: [first]\n"
    )
    roadmap = load_catalog(tmp_path).get("demo")
    assert roadmap is not None
    assert roadmap.step("first") is roadmap.step("first-step") is roadmap.steps[0]
    assert roadmap.step("second") is None


# A step with every field a learner sees: two resources, why, done_when, practice, effort and a topic.
FULL_STEP = """\
  - id: full
    title: Full
    summary: A step with everything.
    signals: {importance: high, market_demand: low, automation_risk: medium}
    resources:
      - {title: One, url: 'https://example.org/one'}
      - {title: Two, url: 'https://example.org/two'}
    why: Because the job needs it now.
    done_when:
      - {id: explain-it, text: You can explain it to a colleague.}
      - {id: built-it, text: You have built a small thing with it.}
    practice: Build the small thing in an afternoon.
    effort_hours: [4, 8]
    topic: shared
"""


def test_a_step_carries_why_done_when_practice_effort_and_topic(tmp_path: Path) -> None:
    _write_roadmap(tmp_path, "demo.yaml", "", FULL_STEP + FULL_STEP.replace("id: full", "id: also-full"))
    roadmap = load_catalog(tmp_path).get("demo")
    assert roadmap is not None
    step = roadmap.steps[0]
    assert step.why == "Because the job needs it now."
    assert step.done_when == (
        Check("explain-it", "You can explain it to a colleague."),
        Check("built-it", "You have built a small thing with it."),
    )
    assert step.practice == "Build the small thing in an afternoon."
    assert step.effort_hours == Effort(4, 8)
    assert step.topic == "shared"
    catalog = load_catalog(tmp_path)
    assert catalog.topics == ("shared",)
    assert [(r.id, s.id) for r, s in catalog.teaching("shared")] == [("demo", "full"), ("demo", "also-full")]
    assert catalog.teaching("nothing") == ()


def test_the_new_fields_are_optional(tmp_path: Path) -> None:
    _write_roadmap(tmp_path, "demo.yaml", "", VALID_STEP)
    roadmap = load_catalog(tmp_path).get("demo")
    assert roadmap is not None
    step = roadmap.steps[0]
    assert (step.why, step.done_when, step.practice, step.effort_hours, step.topic) == (None, (), None, None, None)


def _with(field: str, value: str) -> str:
    """FULL_STEP with one field's line replaced (or added) by `field: value`."""
    lines = [line for line in FULL_STEP.splitlines() if not line.startswith(f"    {field}:")]
    if field == "done_when":
        lines = [line for line in lines if not line.startswith("      - {id: ")]
    return "\n".join(lines) + f"\n    {field}: {value}\n"


@pytest.mark.parametrize(
    ("step", "field", "words"),
    [
        (_with("why", "'" + "w" * (MAX_WHY + 1) + "'"), "steps[0] (full).why", f"at most {MAX_WHY}"),
        (_with("why", "[a, list]"), "steps[0] (full).why", "must be non-empty text"),
        (_with("done_when", "[Only one outcome.]"), "steps[0] (full).done_when", "2 to 4 checkable outcomes"),
        (_with("done_when", "[a, b, c, d, e]"), "steps[0] (full).done_when", "2 to 4 checkable outcomes"),
        (_with("done_when", "You can do it."), "steps[0] (full).done_when", "2 to 4 checkable outcomes"),
        (
            _with("done_when", "[{id: a, text: Fine.}, {id: b, text: '" + "d" * (MAX_DONE_WHEN_ITEM + 1) + "'}]"),
            "steps[0] (full).done_when[1].text",
            f"at most {MAX_DONE_WHEN_ITEM}",
        ),
        (
            _with("done_when", "[{id: a, text: Fine.}, {id: b, text: '  '}]"),
            "steps[0] (full).done_when[1].text",
            "must be non-empty text",
        ),
        (
            _with("done_when", "[Fine., Also fine.]"),
            "steps[0] (full).done_when[0]",
            "must be a mapping with id and text",
        ),
        (_with("done_when", "[{text: Fine.}, {id: b, text: Also.}]"), "steps[0] (full).done_when[0].id", "is missing"),
        (
            _with("done_when", "[{id: a, text: Fine.}, {id: a, text: Also.}]"),
            "steps[0] (full).done_when[1].id",
            "give each check its own id",
        ),
        (
            _with("done_when", "[{id: A b, text: Fine.}, {id: b, text: Also.}]"),
            "steps[0] (full).done_when[0].id",
            "not a slug",
        ),
        (
            _with("practice", "'" + "p" * (MAX_PRACTICE + 1) + "'"),
            "steps[0] (full).practice",
            f"at most {MAX_PRACTICE}",
        ),
        (_with("effort_hours", "[4]"), "steps[0] (full).effort_hours", "is not [low, high]"),
        (_with("effort_hours", "[2, 4, 8]"), "steps[0] (full).effort_hours", "is not [low, high]"),
        (_with("effort_hours", "'4-8'"), "steps[0] (full).effort_hours", "is not [low, high]"),
        (_with("effort_hours", "[4.5, 8]"), "steps[0] (full).effort_hours", "is not [low, high]"),
        (_with("effort_hours", "[true, 8]"), "steps[0] (full).effort_hours", "is not [low, high]"),
        (_with("effort_hours", "[0, 8]"), "steps[0] (full).effort_hours", "hours must be between 1 and"),
        (_with("effort_hours", "[-4, 8]"), "steps[0] (full).effort_hours", "hours must be between 1 and"),
        (_with("topic", "Shared Topic"), "steps[0] (full).topic", "not a slug"),
        (_with("topic", "[git]"), "steps[0] (full).topic", "must be non-empty text"),
    ],
)
def test_every_problem_in_the_new_fields_names_the_file_and_the_field(
    tmp_path: Path, step: str, field: str, words: str
) -> None:
    _write_roadmap(tmp_path, "broken.yaml", "", step)
    found = problems_in(tmp_path)
    assert any(f == "broken.yaml" and fld == field and words in message for f, fld, message in found), found
    with pytest.raises(RoadmapError):
        load_catalog(tmp_path)


def warnings_in(directory: Path) -> list[tuple[str, str, str]]:
    inspection = inspect_roadmaps(directory)
    assert inspection.errors == ()
    assert all(problem.is_warning and "warning: " in str(problem) for problem in inspection.warnings)
    return [(Path(p.file).name, p.field, p.message) for p in inspection.warnings]


@pytest.mark.parametrize(
    ("steps", "field", "words"),
    [
        (VALID_STEP, "steps[0] (first).resources", "has 0 resource(s); give at least 2"),
        (
            VALID_STEP + "    resources:\n      - {title: Docs, url: 'https://example.org/docs'}\n",
            "steps[0] (first).resources",
            "has 1 resource(s)",
        ),
        (
            FULL_STEP.replace("/two'", "/one'"),
            "steps[0] (full).resources[1].url",
            "https://example.org/one is already used by steps[0] (full).resources[0]",
        ),
        (
            FULL_STEP
            + FULL_STEP.replace("id: full", "id: next").replace("/one'", "/three'").replace("/two'", "/one/'"),
            "steps[1] (next).resources[1].url",
            "already used by steps[0] (full).resources[0] in this roadmap",
        ),
        (
            FULL_STEP.replace("topic: shared", "topic: lonely"),
            "steps[0] (full).topic",
            "no other step in the catalog has topic 'lonely'",
        ),
        (
            FULL_STEP.replace("[4, 8]", "[8, 8]"),
            "steps[0] (full).effort_hours",
            "[8, 8] is not a range",
        ),
        (
            FULL_STEP.replace("[4, 8]", "[12, 3]").replace("topic: shared\n", ""),
            "steps[0] (full).effort_hours",
            "[12, 3] is not a range; write [low, high] with low below high",
        ),
    ],
)
def test_each_warning_names_the_file_and_the_field_and_never_stops_loading(
    tmp_path: Path, steps: str, field: str, words: str
) -> None:
    _write_roadmap(tmp_path, "thin.yaml", "", steps)
    found = warnings_in(tmp_path)
    assert any(f == "thin.yaml" and fld == field and words in message for f, fld, message in found), found
    assert check_roadmaps(tmp_path) == []
    assert load_catalog(tmp_path).get("demo") is not None


def test_a_topic_shared_across_files_is_no_warning_and_a_url_may_recur_in_another_roadmap(tmp_path: Path) -> None:
    _write_roadmap(tmp_path, "demo.yaml", "", FULL_STEP)
    other = (
        "id: other\ntitle: Other\nsummary: B.\nsignals: {importance: high, market_demand: high, automation_risk: low}\n"
    )
    _write_roadmap(tmp_path, "other.yaml", other, FULL_STEP.replace("id: full", "id: elsewhere"))
    assert warnings_in(tmp_path) == []
    (tmp_path / "other.yaml").unlink()
    assert [fld for _, fld, _ in warnings_in(tmp_path)] == ["steps[0] (full).topic"]
