"""Checks on what executing the book produced: run after `make execute` and `make nbval`."""

import json
from pathlib import Path

import pytest

from companion.book.chapter import PROFILES
from companion.book.pipeline import is_notebook, toc_pages
from companion.book.records import (
    DISPLAY_ONLY,
    check_thresholds,
    determinism_failures,
    display_only,
    read_thresholds,
    unruled_metrics,
)

ROOT = Path(__file__).resolve().parents[2]
THRESHOLDS = read_thresholds(ROOT)

# A chapter is a notebook of the book that records metrics through ChapterRun.
CHAPTERS = [
    page.stem
    for page in toc_pages(ROOT)
    if is_notebook(ROOT / page) and "ChapterRun(" in (ROOT / page).read_text(encoding="utf-8")
]


def load(folder: str, chapter: str) -> dict:
    path = ROOT / "_build" / folder / f"{chapter}.json"
    assert path.is_file(), f"{path} is missing: run `make execute` and `make nbval` first"
    return json.loads(path.read_text())


def test_the_book_has_chapters_and_each_has_thresholds_for_both_profiles():
    assert CHAPTERS, "no chapter found in _toc.yml"
    for chapter in CHAPTERS:
        assert set(THRESHOLDS.get(chapter, {})) == set(PROFILES), (
            f"{chapter}: thresholds need {PROFILES}"
        )
    assert set(THRESHOLDS) - {DISPLAY_ONLY} == set(CHAPTERS), (
        "thresholds.toml names a chapter that is not in _toc.yml"
    )
    assert set(THRESHOLDS.get(DISPLAY_ONLY, {})) <= set(CHAPTERS)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_meets_its_profiles_thresholds(chapter):
    record = load("metrics", chapter)
    failures = check_thresholds(record["results"], THRESHOLDS[chapter][record["profile"]])
    assert not failures, f"{chapter} ({record['profile']}):\n" + "\n".join(failures)


@pytest.mark.parametrize("chapter", CHAPTERS)
@pytest.mark.parametrize("profile", PROFILES)
def test_every_recorded_metric_has_a_rule_or_is_display_only(chapter, profile):
    # The metric names are this run's; a profile records the same names.
    record = load("metrics", chapter)
    rules = THRESHOLDS[chapter][profile]
    failures = unruled_metrics(record["results"], rules, display_only(THRESHOLDS, chapter))
    assert not failures, f"{chapter} ({profile}):\n" + "\n".join(failures)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_rerun_with_the_same_seed_reproduces_every_metric(chapter):
    first, second = load("metrics", chapter), load("nbval-metrics", chapter)
    assert "seconds" in first["unreproducible"]
    failures = determinism_failures(first, second)
    assert not failures, f"{chapter}:\n" + "\n".join(failures)
