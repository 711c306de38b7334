"""The content and its validation: the seed is carried faithfully; broken files are named."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from roadmaps import BUILTIN_DIR, MAX_ID_PAIR_BYTES, Level, RoadmapError, check_roadmaps, load_catalog
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
        assert 1 <= len(step.resources) <= 3, step.title
        assert all(resource.url.startswith("https://") for resource in step.resources)


def test_the_built_in_catalog_has_four_valid_roadmaps_one_long_and_in_sections() -> None:
    assert check_roadmaps(BUILTIN_DIR) == []
    catalog = load_catalog()
    assert len(catalog) >= 4
    long_ones = [r for r in catalog if len(r.steps) >= 20 and all(step.section for step in r.steps)]
    assert long_ones, "one roadmap has 20+ steps, all in sections"
    for roadmap in catalog:
        for step in roadmap.steps:
            assert 1 <= len(step.resources) <= 3, (roadmap.id, step.id)


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
