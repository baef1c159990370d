"""Every chapter numbers its figures and its headline equation, and its prose refers to them."""

import re
from pathlib import Path

import jupytext
import pytest

from companion.book.pipeline import toc_pages

ROOT = Path(__file__).resolve().parents[1]
FIGURE = re.compile(
    r"^mystnb:\n  figure:\n    caption: \"[^\"]+\"\n    name: (fig-[a-z0-9-]+)$", re.M
)
EQUATION = re.compile(r"^\$\$ \((eq-[a-z0-9-]+)\)$", re.M)


def chapters() -> list[Path]:
    pages = [ROOT / page for page in toc_pages(ROOT)]
    return [p for p in pages if "ChapterRun(" in p.read_text(encoding="utf-8")]


def missing_references(text: str) -> list[str]:
    """Plots without a caption, and labels of figures and equations that the prose never cites."""
    figures = FIGURE.findall(text)
    uncaptioned = sum(
        "plt.show()" in cell.source
        and not cell.metadata.get("mystnb", {}).get("figure", {}).get("caption")
        for cell in jupytext.reads(text, fmt="md:myst").cells
        if cell.cell_type == "code"
    )
    equations = EQUATION.findall(text)
    problems = [] if figures else ["no captioned figure"]
    problems += [] if equations else ["no labelled equation"]
    problems += [f"{uncaptioned} plot(s) without a caption"] if uncaptioned else []
    problems += [f"{name} never cited" for name in figures if f"{{numref}}`{name}`" not in text]
    problems += [f"{name} never cited" for name in equations if f"{{eq}}`{name}`" not in text]
    return problems


@pytest.mark.parametrize("page", chapters(), ids=lambda p: p.stem)
def test_chapter_captions_and_cites_its_figures_and_an_equation(page):
    assert missing_references(page.read_text(encoding="utf-8")) == []


FIGURE_META = 'mystnb:\n  figure:\n    caption: "A plot."\n    name: fig-a\n'
EQUATION_TEXT = "$$\nx\n$$ (eq-a)\n"
CITES = "See {numref}`fig-a` and {eq}`eq-a`.\n"


def test_the_checker_sees_uncited_and_missing_labels():
    assert missing_references(FIGURE_META + EQUATION_TEXT + CITES) == []
    uncited = missing_references(FIGURE_META + EQUATION_TEXT)
    assert uncited == ["fig-a never cited", "eq-a never cited"]
    assert missing_references("plain prose") == ["no captioned figure", "no labelled equation"]


def test_the_checker_sees_a_plot_without_a_caption():
    captioned = f"```{{code-cell}} ipython3\n---\n{FIGURE_META}---\nplt.show()\n```\n"
    tagged = "```{code-cell} ipython3\n:tags: [hide-input]\n\nplt.show()\n```\n"
    bare = "```{code-cell} ipython3\nplt.plot(x)\nplt.show()\n```\n"
    page = captioned + EQUATION_TEXT + CITES
    assert missing_references(page) == []
    assert missing_references(page + tagged + bare) == ["2 plot(s) without a caption"]
