"""What every chapter page promises a reader: the taught code on the page, exercises, no harness.

The listing and exercise rules cover the chapters that have had their second
edition (``LISTED`` and ``EXERCISES``); each chapter's issue adds its chapter.
"""

import ast
import importlib
import json
import re
import types
import unicodedata
from pathlib import Path

import jupytext
import pytest

from companion.book.harness import HARNESS_CALLS
from companion.book.listings import find_listings, listing_text
from companion.book.notebooks import chapter_pages

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = [page.stem for page in chapter_pages(ROOT)]
# Chapters whose taught code must be on the page, and how many exercises each has at least.
LISTED = ["losses"]
EXERCISES = {"losses": 4}
# Machinery a chapter uses without teaching it.
NOT_TAUGHT = ("companion.book", "companion.runtime", "companion.data", "companion._")


def chapter_text(chapter: str) -> str:
    return (ROOT / "book" / f"{chapter}.md").read_text(encoding="utf-8")


def imported_modules(chapter: str) -> set[str]:
    """The modules of companion that define what the chapter's code cells import from it."""
    notebook = jupytext.read(ROOT / "book" / f"{chapter}.md")
    modules = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("companion"):
                package = importlib.import_module(node.module)
                for alias in node.names:
                    value = getattr(package, alias.name)
                    is_module = isinstance(value, types.ModuleType)
                    modules.add(value.__name__ if is_module else value.__module__)
    return modules


def listed_modules(chapter: str) -> set[str]:
    found = set()
    for listing in find_listings(chapter_text(chapter)):
        path = (ROOT / "book" / listing.path).resolve().relative_to(ROOT / "src")
        found.add(".".join(path.with_suffix("").parts))
    return found


def test_the_contract_names_chapters_of_the_book():
    assert set(LISTED) <= set(CHAPTERS) and set(EXERCISES) <= set(CHAPTERS)


@pytest.mark.parametrize("chapter", LISTED)
def test_every_taught_module_a_chapter_imports_is_shown_on_its_page(chapter):
    taught = {m for m in imported_modules(chapter) if not m.startswith(NOT_TAUGHT)}
    assert taught, f"{chapter} imports no teaching module of companion"
    missing = taught - listed_modules(chapter)
    assert not missing, (
        f"{chapter} imports from {sorted(missing)} but shows none of their code: add a "
        "literalinclude listing (see CONTRIBUTING.md)"
    )


def test_imported_modules_resolves_names_to_their_defining_modules():
    # The losses chapter imports optimizers as a module and fit from companion.training.
    modules = imported_modules("losses")
    assert {"companion.foundations.optimizers", "companion.training.loop"} <= modules


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_listing_finds_its_code(chapter):
    for listing in find_listings(chapter_text(chapter)):
        assert listing_text(listing, ROOT / "book").strip(), listing
        assert "caption" in listing.options and "name" in listing.options, (
            f"{chapter}: listing of {listing.options.get('pyobject')} needs :caption: and :name:"
        )


@pytest.mark.parametrize(("chapter", "least"), EXERCISES.items())
def test_exercises_have_solutions_and_a_heading(chapter, least):
    text = chapter_text(chapter)
    exercises = re.findall(r"^```\{exercise\}.*\n:label: (\S+)", text, re.MULTILINE)
    solutions = re.findall(r"^```\{solution-start\} (\S+)\n:class: dropdown", text, re.MULTILINE)
    assert len(exercises) >= least, f"{chapter} has {len(exercises)} exercises, wants {least}"
    assert solutions == exercises, "each exercise needs a solution (behind a dropdown) after it"
    assert text.count("```{solution-end}") == len(solutions)
    # The exercises appear in the page's table of contents.
    assert re.search(r"^## Exercises$", text, re.MULTILINE)
    # Every solution runs code and records what the thresholds check.
    for label in solutions:
        block = text.split(f"```{{solution-start}} {label}", 1)[1].split("```{solution-end}")[0]
        assert "```{code-cell}" in block and "run.record(" in block, f"{label}: no checked code"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_colab_notebook_shows_no_harness_and_no_directive(chapter):
    notebook = json.loads((ROOT / "notebooks" / f"{chapter}.ipynb").read_text())
    sources = ["".join(cell["source"]) for cell in notebook["cells"]]
    harness = re.compile(rf"\brun\.({'|'.join(HARNESS_CALLS)})\(|\bsummary_text\(")
    assert not [s for s in sources if harness.search(s)]
    assert not [s for s in sources if "{literalinclude}" in s]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapter_ends_in_a_results_table(chapter):
    notebook = jupytext.read(ROOT / "book" / f"{chapter}.md")
    code = [c for c in notebook.cells if c.cell_type == "code"]
    last = code[-1]
    assert "results-table" in last.metadata.get("tags", []), f"{chapter}: no closing results table"
    assert "remove-input" in last.metadata["tags"]
    assert "run.results_table(" in last.source


# The widths, in monospace columns, that fit a page's code blocks at 1280×900
# (the browser check measures them): a code cell or listing, one inside a tab,
# one inside an exercise's solution.
WIDTH, WIDTH_IN_TAB, WIDTH_IN_SOLUTION = 76, 69, 74


def columns(line: str) -> int:
    """How many monospace columns ``line`` takes: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def spans(text: str, start: str, end: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(f"{start}.*?{end}", text, re.DOTALL)]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_code_on_the_page_fits_without_scrolling(chapter):
    text = chapter_text(chapter)
    tabs = spans(text, r":::\{tab-item\}", r"\n:::\n")
    solutions = spans(text, r"```\{solution-start\}", r"```\{solution-end\}")
    too_wide = []
    for listing in find_listings(text):
        inside_tab = any(a <= listing.span[0] < b for a, b in tabs)
        limit = WIDTH_IN_TAB if inside_tab else WIDTH
        code = listing_text(listing, ROOT / "book")
        too_wide += [line for line in code.splitlines() if columns(line) > limit]
    for match in re.finditer(r"^```\{code-cell\} ipython3\n(.*?)^```$", text, re.M | re.S):
        if re.search(r"^:tags: .*remove-(input|cell)", match[1], re.MULTILINE):
            continue  # the page shows no code of this cell
        inside = any(a <= match.start() < b for a, b in solutions)
        limit = WIDTH_IN_SOLUTION if inside else WIDTH
        body = match[1].split("\n")
        first = body.index("---", 1) + 1 if body[0] == "---" else 0  # skip the cell's YAML
        too_wide += [line for line in body[first:] if columns(line) > limit]
    assert not too_wide, f"{chapter}: lines too wide for the page:\n" + "\n".join(too_wide)


def test_columns_counts_chinese_characters_twice():
    assert columns("loss") == 4 and columns("损失") == 4
