"""Checks on what executing the book produced: run after `make execute` and `make nbval`."""

import json
from pathlib import Path

import pytest

from companion.book.chapter import PROFILES
from companion.book.pipeline import is_notebook, toc_pages
from companion.book.records import (
    NEEDS,
    TABLES,
    check_thresholds,
    determinism_failures,
    display_only,
    not_run,
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
    assert set(THRESHOLDS) - set(TABLES) == set(CHAPTERS), (
        "thresholds.toml names a chapter that is not in _toc.yml"
    )
    for table in TABLES:
        assert set(THRESHOLDS.get(table, {})) <= set(CHAPTERS), f"[{table}] names a non-chapter"


def test_rules_that_need_what_a_machine_may_lack_are_full_profile_rules():
    # A [needs_*] table lists full-profile rules; the value that tells whether
    # the need was met is recorded, and shown rather than ruled.
    for table, (key, _) in NEEDS.items():
        for chapter, names in THRESHOLDS.get(table, {}).items():
            unknown = set(names) - set(THRESHOLDS[chapter]["full"])
            assert not unknown, f"[{table}] {chapter}: no full-profile rule for {sorted(unknown)}"
            assert key in display_only(THRESHOLDS, chapter), (
                f"[{table}] {chapter}: {key} must be recorded and display-only"
            )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_meets_its_profiles_thresholds(chapter):
    record = load("metrics", chapter)
    rules = THRESHOLDS[chapter][record["profile"]]
    # rules this run could not test (a full run without the full MNIST, say) are not run
    skipped = not_run(THRESHOLDS, chapter, record["profile"], record["results"])
    failures = check_thresholds(
        record["results"], {k: v for k, v in rules.items() if k not in skipped}
    )
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
