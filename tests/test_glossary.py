"""The glossary covers every Chinese term the chapters give, and links each to the book."""

import re
from pathlib import Path

import pytest

from companion.book.pipeline import toc_pages

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "book" / "glossary.md"
HAN = re.compile(r"[\u4e00-\u9fff]+")
ENTRY = re.compile(r"^(\S[^\n]*)\n((?:[ ]{2,}[^\n]*\n|\n)+)", re.MULTILINE)


def _entries() -> dict[str, str]:
    text = GLOSSARY.read_text(encoding="utf-8")
    block = re.search(r":::\{glossary\}\n(.*?)\n:::", text, re.DOTALL)
    assert block, "book/glossary.md has no :::{glossary} block"
    return {term: body for term, body in ENTRY.findall(block.group(1) + "\n")}


def _chinese_terms_in(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # code, not prose
    # Source check boxes quote the source's own phrases; those are not terms.
    text = re.sub(r":::\{admonition\} Source check.*?\n:::", "", text, flags=re.DOTALL)
    text = re.sub(r"《[^》]*》", "", text)  # titles of books
    return {term for group in re.findall(r"\(([^()]*)\)", text) for term in HAN.findall(group)}


def test_every_chinese_term_in_the_chapters_is_in_the_glossary():
    glossary = GLOSSARY.read_text(encoding="utf-8")
    missing = {}
    for page in toc_pages(ROOT):
        if page.name == "glossary.md":
            continue
        absent = sorted(t for t in _chinese_terms_in(ROOT / page) if t not in glossary)
        if absent:
            missing[str(page)] = absent
    assert not missing, f"Chinese terms missing from book/glossary.md: {missing}"


def test_every_entry_gives_the_chinese_and_links_to_an_explanation():
    entries = _entries()
    assert len(entries) >= 40, f"only {len(entries)} glossary entries parsed"
    bad = [
        term
        for term, body in entries.items()
        if not HAN.search(body) or not re.search(r"\{(ref|doc)\}`[^`]+`", body)
    ]
    assert not bad, f"entries without Chinese or without a link into the book: {bad}"


def test_entries_are_in_alphabetical_order():
    terms = list(_entries())
    assert terms == sorted(terms, key=str.lower), "keep the glossary sorted"


@pytest.mark.parametrize("text", ["(注意力机制)", "(多头注意力, MHA)"])
def test_the_term_finder_sees_parenthesised_chinese_in_prose_only(tmp_path, text):
    page = tmp_path / "page.md"
    page.write_text(
        f"Some **term** {text} in prose, a book (《深度学习》).\n"
        "```python\nx = '(代码)'\n```\n"
        ":::{admonition} Source check: a quote\nIt says (引用).\n:::\n"
    )
    assert _chinese_terms_in(page) == set(HAN.findall(text))
