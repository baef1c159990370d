"""Every *Source check* box has a label, and book/source_notes.md lists and links them all.

A chapter explains each error of the source text in a box next to the cell
that demonstrates it; the notes page lists every error in one place with a
link to its box. These checks read the pages as text (nothing is executed),
so a box added without a label, or a label the notes page forgets, fails in
a second instead of going unnoticed.
"""

import re
from pathlib import Path

from companion.book.pipeline import is_notebook, toc_pages

ROOT = Path(__file__).resolve().parents[1]
NOTES = Path("book/source_notes.md")
NOTES_LABEL = "source-notes"

BOX = re.compile(r"^(?::{3,}|`{3,})\{admonition\}\s+Source check\b")
LABEL = re.compile(r"^\(([^()\s]+)\)=\s*$")
SOURCE_LABEL = re.compile(r"^source-[a-z0-9]+(?:-[a-z0-9]+)*$")
# {ref}`label` or {ref}`any text <label>`
REF = re.compile(r"\{ref\}`([^`]*?)(?:\s*<([^<>`]+)>)?`", re.DOTALL)


def unlabelled_boxes(text: str) -> list[str]:
    """One message per Source check box not labelled as the notes page needs.

    The line right above the box must be a ``(source-...)=`` label, and the
    line above the label blank: glued to a paragraph, MyST would read the
    label as text.
    """
    lines = text.splitlines()
    problems = []
    for number, line in enumerate(lines):
        if not BOX.match(line):
            continue
        above = LABEL.match(lines[number - 1]) if number >= 1 else None
        if not above or not SOURCE_LABEL.match(above.group(1)):
            problems.append(f"line {number + 1}: box without a (source-...)= label right above it")
        elif number >= 2 and lines[number - 2].strip():
            problems.append(f"line {number}: label {above.group(1)} needs a blank line above it")
    return problems


def labels(text: str) -> list[str]:
    """Every MyST target ``(name)=`` in a page, in order, repeats included."""
    return [m.group(1) for line in text.splitlines() if (m := LABEL.match(line))]


def box_labels(text: str) -> list[str]:
    """The labels placed right above Source check boxes."""
    lines = text.splitlines()
    found = []
    for number, line in enumerate(lines):
        if BOX.match(line) and number >= 1 and (m := LABEL.match(lines[number - 1])):
            found.append(m.group(1))
    return found


def refs(text: str) -> list[tuple[str, bool]]:
    """Every ``{ref}`` in a page as (target, whether it gives an explicit title)."""
    found = []
    for m in REF.finditer(text):
        if m.group(2) is not None:
            found.append((m.group(2).strip(), True))
        else:
            found.append((m.group(1).strip(), False))
    return found


def notes_problems(pages: dict[str, str], notes: str) -> list[str]:
    """Everything wrong between the book's pages and the notes page.

    Args:
        pages: the text of every page of the book (the notes page excluded),
            by path.
        notes: the text of the notes page.
    """
    problems = []
    every_label: list[str] = labels(notes)
    for path, text in pages.items():
        problems += [f"{path}: {p}" for p in unlabelled_boxes(text)]
        every_label += labels(text)
    repeated = sorted({name for name in every_label if every_label.count(name) > 1})
    if repeated:
        problems.append(f"labels defined more than once: {repeated}")
    targets = refs(notes)
    linked = {target for target, _ in targets}
    for path, text in pages.items():
        for name in box_labels(text):
            if name not in linked:
                problems.append(f"{path}: box {name} is not listed on the notes page")
    for target, titled in targets:
        if target not in every_label:
            problems.append(f"notes page: {{ref}} to unknown label {target}")
        elif SOURCE_LABEL.match(target) and target != NOTES_LABEL and not titled:
            # Sphinx cannot take a link text from an admonition: it needs one given.
            problems.append(f"notes page: {{ref}} to {target} needs a title: `text <{target}>`")
    return problems


def chapters_without_link(pages: dict[str, str]) -> list[str]:
    """The chapters (pages that create a ``ChapterRun``) that never link to the notes page."""
    return [
        path
        for path, text in pages.items()
        if "ChapterRun(" in text and NOTES_LABEL not in {target for target, _ in refs(text)}
    ]


def _book_pages() -> dict[str, str]:
    return {
        str(page): (ROOT / page).read_text(encoding="utf-8")
        for page in toc_pages(ROOT)
        if page != NOTES
    }


def test_the_notes_page_is_in_the_book():
    assert NOTES in toc_pages(ROOT), f"add `- file: {NOTES.with_suffix('')}` to _toc.yml"
    first_line = (ROOT / NOTES).read_text(encoding="utf-8").splitlines()[0]
    assert first_line == f"({NOTES_LABEL})=", "the notes page must open with its label"


def test_every_box_is_labelled_and_listed_and_every_link_resolves():
    problems = notes_problems(_book_pages(), (ROOT / NOTES).read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_the_book_has_boxes_to_list():
    found = [name for text in _book_pages().values() for name in box_labels(text)]
    assert len(found) >= 10, f"only {len(found)} labelled Source check boxes found"


def test_every_chapter_links_to_the_notes_page():
    pages = _book_pages()
    chapters = [path for path in pages if is_notebook(ROOT / path)]
    assert chapters, "no notebook chapters found in _toc.yml"
    missing = chapters_without_link({path: pages[path] for path in chapters})
    assert not missing, f"chapters without a {{ref}} to {NOTES_LABEL}: {missing}"


# The checker itself, on small synthetic pages.

GOOD = """# A page

Some text.

(source-page-good)=
:::{admonition} Source check: a labelled box
:class: warning
Right.
:::
"""
NOTES_TEXT = "(source-notes)=\n# Notes\n\n- {ref}`demonstrated here <source-page-good>`\n"


def _write(folder: Path, name: str, text: str) -> str:
    (folder / name).write_text(text, encoding="utf-8")
    return (folder / name).read_text(encoding="utf-8")


def test_a_labelled_and_listed_box_passes(tmp_path):
    page = _write(tmp_path, "page.md", GOOD)
    assert notes_problems({"page.md": page}, NOTES_TEXT) == []


def test_an_unlabelled_box_is_caught(tmp_path):
    page = _write(tmp_path, "page.md", GOOD.replace("(source-page-good)=\n", ""))
    problems = notes_problems({"page.md": page}, NOTES_TEXT)
    assert any("page.md: line 5: box without" in p for p in problems), problems
    assert any("unknown label source-page-good" in p for p in problems), problems


def test_a_label_glued_to_a_paragraph_is_caught():
    problems = unlabelled_boxes(GOOD.replace("Some text.\n\n", "Some text.\n"))
    assert len(problems) == 1 and "blank line" in problems[0]


def test_a_label_of_another_kind_does_not_count():
    assert unlabelled_boxes(GOOD.replace("source-page-good", "page-good"))


def test_a_box_missing_from_the_notes_page_is_caught():
    problems = notes_problems({"page.md": GOOD}, "(source-notes)=\n# Notes\n")
    assert problems == ["page.md: box source-page-good is not listed on the notes page"]


def test_a_link_without_a_title_or_a_repeated_label_is_caught():
    bare = "(source-notes)=\n# Notes\n\n- {ref}`source-page-good`\n"
    assert any("needs a title" in p for p in notes_problems({"page.md": GOOD}, bare))
    twice = {"a.md": GOOD, "b.md": GOOD}
    assert any("more than once" in p for p in notes_problems(twice, NOTES_TEXT))


def test_a_chapter_without_a_link_is_caught():
    chapter = 'run = ChapterRun("x")\n'
    linked = chapter + "See {ref}`the notes <source-notes>`.\n"
    assert chapters_without_link({"a.md": chapter, "b.md": linked, "c.md": GOOD}) == ["a.md"]


def test_refs_reads_both_forms_across_a_line_break():
    text = "{ref}`plain-label` and {ref}`some\ntext <other-label>`"
    assert refs(text) == [("plain-label", False), ("other-label", True)]
