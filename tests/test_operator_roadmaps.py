"""The operator's own roadmaps: ROADMAPS_DIR beside (or instead of) the built-in ones, validated as one
catalog with a version, refused at start with every problem."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from roadmaps import BUILTIN_DIR, inspect_folders, load_catalog
from tests.process import roadmap_bot
from tests.support import VALID_STEP

SEED = "backend-engineer-ai-era"


def roadmap_file(folder: Path, roadmap_id: str, title: str, steps: str = VALID_STEP, name: str | None = None) -> Path:
    """Write a small valid roadmap into a folder."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name or roadmap_id}.yaml"
    path.write_text(
        f"id: {roadmap_id}\ntitle: {title}\nsummary: An operator's own.\n"
        "signals: {importance: high, market_demand: high, automation_risk: low}\nsteps:\n" + steps,
        encoding="utf-8",
    )
    return path


def test_an_operator_s_folder_is_served_beside_the_built_in_roadmaps_and_in_their_languages(tmp_path: Path) -> None:
    roadmap_file(tmp_path / "ours", "community-python", "Community Python")
    inspection = inspect_folders([tmp_path / "ours"])
    assert inspection.errors == ()
    catalog = inspection.catalog
    built_in = load_catalog()
    assert [r.id for r in catalog] == [*(r.id for r in built_in), "community-python"]
    russian = catalog.in_language("ru")
    assert russian.get(SEED).title == "Backend-инженер (эпоха ИИ)"  # type: ignore[union-attr]
    assert russian.get("community-python").title == "Community Python", "English where no translation"  # type: ignore[union-attr]
    assert len(catalog.version) == 12

    alone = inspect_folders([tmp_path / "ours"], builtin=False).catalog
    assert [r.id for r in alone] == ["community-python"] and alone.version != catalog.version


def test_a_catalog_s_version_follows_its_content(tmp_path: Path) -> None:
    path = roadmap_file(tmp_path, "ours", "Ours")
    first = inspect_folders([tmp_path]).catalog.version
    assert inspect_folders([tmp_path]).catalog.version == first, "the same files, the same version"
    path.write_text(path.read_text().replace("Ours", "Ours, fixed"), encoding="utf-8")
    assert inspect_folders([tmp_path]).catalog.version != first


def test_an_id_given_twice_is_an_error_naming_both_files_unless_the_built_ins_are_off(tmp_path: Path) -> None:
    mine = roadmap_file(tmp_path / "a", SEED, "Our backend", name="our-backend")
    inspection = inspect_folders([tmp_path / "a"])
    [error] = inspection.errors
    assert str(error) == (
        f"{mine}: id: roadmap id {SEED!r} is a built-in roadmap's ({BUILTIN_DIR / (SEED + '.yaml')}); "
        "give it another id, or set ROADMAPS_BUILTIN=false to serve your own roadmaps only"
    )
    assert inspect_folders([tmp_path / "a"], builtin=False).errors == ()

    other = roadmap_file(tmp_path / "b", SEED, "Their backend")
    [error] = inspect_folders([tmp_path / "a", tmp_path / "b"], builtin=False).errors
    assert str(error) == f"{other}: id: duplicate roadmap id {SEED!r}, also in {mine}"


def test_roadmaps_dir_takes_one_or_more_folders() -> None:
    assert Settings(roadmaps_dir=f"/srv/a{os.pathsep}/srv/b").roadmaps_dir == [Path("/srv/a"), Path("/srv/b")]  # type: ignore[arg-type]
    assert Settings(roadmaps_dir="/srv/a, /srv/b").roadmaps_dir == [Path("/srv/a"), Path("/srv/b")]  # type: ignore[arg-type]
    assert Settings().roadmaps_dir == [] and Settings().roadmaps_builtin
    with pytest.raises(ValidationError, match="ROADMAPS_BUILTIN is false, so ROADMAPS_DIR must name a folder"):
        Settings(roadmaps_builtin=False)


def test_run_stops_at_start_with_every_problem_of_the_folders_and_check_prints_the_same(tmp_path: Path) -> None:
    folder = tmp_path / "roadmaps"
    clashing = roadmap_file(folder, SEED, "Our backend", name="our-backend")
    broken = folder / "broken.yaml"
    broken.write_text("id: broken\nsummary: No title.\n", encoding="utf-8")
    result = roadmap_bot(
        "run", cwd=tmp_path, TELEGRAM_BOT_TOKEN="123:abcdefghijklmnopqrstuvwxyz", ROADMAPS_DIR=str(folder)
    )
    assert result.returncode == 1
    assert "the roadmaps to serve do not validate" in result.stderr
    assert f"{broken}: title: is missing" in result.stderr
    assert f"{clashing}: id: roadmap id {SEED!r} is a built-in roadmap's" in result.stderr
    assert not (tmp_path / "roadmap-bot.sqlite3").exists(), "it stopped before touching the database"

    check = roadmap_bot("roadmaps", "check", cwd=tmp_path, ROADMAPS_DIR=str(folder))
    assert check.returncode == 1
    assert f"{broken}: title: is missing" in check.stderr and f"{clashing}: id: roadmap id" in check.stderr

    clashing.unlink()
    broken.unlink()
    roadmap_file(folder, "community-python", "Community Python")
    check = roadmap_bot("roadmaps", "check", cwd=tmp_path, ROADMAPS_DIR=str(folder))
    assert check.returncode == 0 and "6 roadmaps, 72 steps: all valid; 1 warning(s)" in check.stdout, check.stderr
