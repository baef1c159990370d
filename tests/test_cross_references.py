"""Every chapter numbers its headline figure and equation, and its prose refers to both."""

import re
from pathlib import Path

import pytest

from companion.pipeline import toc_pages

ROOT = Path(__file__).resolve().parents[1]
FIGURE = re.compile(
    r"^mystnb:\n  figure:\n    caption: \"[^\"]+\"\n    name: (fig-[a-z0-9-]+)$", re.M
)
EQUATION = re.compile(r"^\$\$ \((eq-[a-z0-9-]+)\)$", re.M)


def chapters() -> list[Path]:
    pages = [ROOT / page for page in toc_pages(ROOT)]
    return [p for p in pages if "ChapterRun(" in p.read_text(encoding="utf-8")]


def missing_references(text: str) -> list[str]:
    """Labels of captioned figures and labelled equations that the prose never refers to."""
    figures = FIGURE.findall(text)
    equations = EQUATION.findall(text)
    problems = [] if figures else ["no captioned figure"]
    problems += [] if equations else ["no labelled equation"]
    problems += [f"{name} never cited" for name in figures if f"{{numref}}`{name}`" not in text]
    problems += [f"{name} never cited" for name in equations if f"{{eq}}`{name}`" not in text]
    return problems


@pytest.mark.parametrize("page", chapters(), ids=lambda p: p.stem)
def test_chapter_numbers_and_cites_a_figure_and_an_equation(page):
    assert missing_references(page.read_text(encoding="utf-8")) == []


def test_the_checker_sees_uncited_and_missing_labels():
    cited = 'mystnb:\n  figure:\n    caption: "A plot."\n    name: fig-a\n$$\nx\n$$ (eq-a)\n'
    assert missing_references(cited + "See {numref}`fig-a` and {eq}`eq-a`.") == []
    assert missing_references(cited) == ["fig-a never cited", "eq-a never cited"]
    assert missing_references("plain prose") == ["no captioned figure", "no labelled equation"]
