import json
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest
from chapter_support import tiny_chapter

from companion.book import notebooks
from companion.book.pipeline import toc_pages

ROOT = Path(__file__).resolve().parents[1]
REPO = "https://github.com/companion-book/deep-learning-tested"

CHAPTER = tiny_chapter("smoke", 'print("profile is", PROFILE)')
# A notebook page that takes no parameters: the book's own tables, not a chapter.
PAGE = CHAPTER.replace(":tags: [parameters]\n", "").replace("# A chapter", "# Tables")


@pytest.fixture
def book(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/tiny\n  - file: book/tables\n"
    )
    (tmp_path / "_config.yml").write_text(f"title: test\nrepository:\n  url: {REPO}/\n")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "book" / "tiny.md").write_text(CHAPTER)
    (tmp_path / "book" / "tables.md").write_text(PAGE)
    return tmp_path


def test_only_pages_with_a_parameters_cell_are_chapters(book):
    assert notebooks.chapter_pages(book) == [Path("book/tiny.md")]
    assert notebooks.repository_url(book) == REPO


def test_the_generated_notebook(book):
    text = notebooks.colab_notebook(book / "book/tiny.md", REPO, "0.1.0")
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    install, *cells = nb.cells
    assert install.metadata.tags == [notebooks.INSTALL_TAG]
    assert f"companion[chapters] @ git+{REPO}@v0.1.0" in install.source
    assert [c.metadata.get("tags", []) for c in cells] == [
        [], ["parameters"], [], ["raises-exception"]
    ]  # fmt: skip
    assert cells[-1].source.startswith("# This cell fails on purpose")
    assert cells[-1].source.endswith('raise ValueError("shown on purpose")')
    assert all(c.outputs == [] and c.execution_count is None for c in nb.cells if "outputs" in c)
    assert [c.id for c in nb.cells] == [f"cell-{i}" for i in range(5)]
    # The same source gives the same bytes, so the committed copies do not churn.
    assert notebooks.colab_notebook(book / "book/tiny.md", REPO, "0.1.0") == text


def _run_install_cell(source, in_colab, monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "check_call", calls.append)
    if in_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(source, "install-cell", "exec"), {})
    return calls


def test_the_install_cell_installs_in_colab_only(monkeypatch):
    source = notebooks.install_cell_source(REPO, "1.2.0")
    assert _run_install_cell(source, in_colab=False, monkeypatch=monkeypatch) == []
    calls = _run_install_cell(source, in_colab=True, monkeypatch=monkeypatch)
    assert calls == [
        [sys.executable, "-m", "pip", "install", "-q", f"companion[chapters] @ git+{REPO}@v1.2.0"]
    ]


def test_write_check_and_prune(book, capsys):
    folder = book / notebooks.NOTEBOOKS_DIR
    assert notebooks.stale_notebooks(book, "0.1.0") == ["tiny.ipynb is missing"]
    folder.mkdir()
    (folder / "removed.ipynb").write_text("{}")
    (folder / "notes.txt").write_text("not a notebook: left alone")
    written = notebooks.write_notebooks(book, "0.1.0")
    assert written == [folder / "tiny.ipynb"]
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "tiny.ipynb"]
    assert notebooks.stale_notebooks(book, "0.1.0") == []
    assert notebooks.stale_notebooks(book, "0.2.0") == ["tiny.ipynb is out of date"]
    (folder / "extra.ipynb").write_text("{}")
    assert notebooks.stale_notebooks(book, "0.1.0") == ["extra.ipynb belongs to no chapter"]
    with pytest.raises(SystemExit, match="make notebooks"):
        notebooks.main(["--root", str(book), "--check"])
    assert "notebooks/extra.ipynb belongs to no chapter" in capsys.readouterr().err


def test_bad_input_is_refused(book):
    for version in ("0.0.0+unknown", "1.0.dev0", "", "v1.0"):
        with pytest.raises(ValueError, match="not a release"):
            notebooks.install_cell_source(REPO, version)
    (book / "_config.yml").write_text("title: test\n")
    with pytest.raises(ValueError, match="repository.url"):
        notebooks.generate(book, "0.1.0")
    (book / "_config.yml").write_text("repository:\n  url: git@github.com:a/b\n")
    with pytest.raises(ValueError, match="https"):
        notebooks.repository_url(book)


def test_committed_notebooks_match_the_chapters():
    """notebooks/ is what Colab opens: it must be regenerated whenever a chapter changes."""
    problems = notebooks.stale_notebooks(ROOT)
    assert not problems, "run `make notebooks`: " + "; ".join(problems)


def test_committed_notebooks_install_the_packages_version():
    from companion import __version__

    chapters = {p.stem for p in notebooks.chapter_pages(ROOT)}
    assert chapters and chapters <= {p.stem for p in toc_pages(ROOT)}
    for stem in chapters:
        first = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text())["cells"][0]
        assert f"@v{__version__}" in "".join(first["source"])


def test_the_staged_book_carries_the_notebooks_for_the_buttons(book):
    from companion.book import pipeline

    notebooks.write_notebooks(book, "0.1.0")
    for stem in ("tiny", "tables"):  # stand-ins for the executed copies
        executed = book / pipeline.BUILD / "executed" / "book" / f"{stem}.ipynb"
        executed.parent.mkdir(parents=True, exist_ok=True)
        executed.write_text(nbformat.writes(nbformat.v4.new_notebook()))
    site = pipeline.stage(book)
    staged = site / notebooks.NOTEBOOKS_DIR / "tiny.ipynb"
    assert staged.read_text() == (book / notebooks.NOTEBOOKS_DIR / "tiny.ipynb").read_text()


def test_exercises_become_plain_markdown():
    text = (
        "Before.\n\n```{exercise} A title\n:label: ex-a\n\nDo this.\n```\n\n"
        "```{solution-start} ex-a\n:class: dropdown\n```\n\nThe answer.\n\n"
        "```{solution-end}\n```\n"
    )
    plain = notebooks.plain_exercises(text)
    assert plain.split("\n\n")[:4] == [
        "Before.",
        "**Exercise: A title**",
        "Do this.",
        "**Solution**",
    ]
    assert "{exercise}" not in plain and "solution-" not in plain and "The answer." in plain
    assert notebooks.plain_exercises("No exercise here.") == "No exercise here."
