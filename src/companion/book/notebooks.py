"""The chapters as plain Jupyter notebooks: what Colab, Binder and the download button open.

``make notebooks`` (``python -m companion.book.notebooks``) converts every chapter of
``_toc.yml`` (a notebook page with a cell tagged ``parameters``) with Jupytext
into ``notebooks/<chapter>.ipynb`` at the book's root. These files are
committed, because Colab and Binder open notebooks from the repository, and a
unit test regenerates them to check that they still match ``book/*.md``.

Each generated notebook starts with one extra code cell that, in Colab only,
installs the book's package at the version the notebook was made with. It is
plain Python (no ``%pip`` magic), so the notebook runs unchanged in any kernel.
Outputs are empty, the kernelspec and every cell's tags are kept, and cell ids
are numbered, so that the same sources always give the same bytes. What a
reader sees is the page's teaching code: the test harness is left out
(:mod:`companion.book.harness`), listings become fenced code
(:mod:`companion.book.listings`), and exercises plain Markdown.
"""

import argparse
import re
import sys
from pathlib import Path

from companion.book.harness import for_readers
from companion.book.listings import expand_listings
from companion.book.pipeline import is_notebook, toc_pages

NOTEBOOKS_DIR = "notebooks"
INSTALL_TAG = "colab-install"  # marks the generated first cell
# A version that a release tag can carry: no ".dev", no "+local" part.
_RELEASE = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?")
_KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
_ON_PURPOSE = (
    "# This cell fails on purpose: the text above explains why. Run all stops here;\n"
    "# select the next cell and choose Runtime > Run after (Colab) to go on.\n"
)


def chapter_pages(root: Path) -> list[Path]:
    """Return the chapters of ``_toc.yml``: notebook pages with a cell tagged ``parameters``.

    Pages without one (the Reproducibility and How to cite pages) show the
    book's own build and are not generated: they mean nothing in Colab.
    """
    import jupytext

    chapters = []
    for page in toc_pages(root):
        if not is_notebook(root / page):
            continue
        cells = jupytext.read(root / page).cells
        if any("parameters" in cell.metadata.get("tags", []) for cell in cells):
            chapters.append(page)
    return chapters


def repository_url(root: Path) -> str:
    """Return ``repository.url`` from the book's ``_config.yml``: where Colab installs from."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    url = (config.get("repository") or {}).get("url", "")
    if not isinstance(url, str) or not url.startswith("https://"):
        raise ValueError(f"_config.yml needs repository.url (an https:// URL), got {url!r}")
    return url.rstrip("/")


def install_cell_source(repository: str, version: str) -> str:
    """Return the source of the first cell: in Colab, pip-install the book at ``v<version>``.

    Raises:
        ValueError: ``version`` is not a release (say ``0.0.0+unknown`` from an
            uninstalled source tree), for which no tag exists to install from.

    """
    if not isinstance(version, str) or not _RELEASE.fullmatch(version):
        raise ValueError(
            f"version {version!r} is not a release: install the package "
            "(`make notebooks` does) so that companion.__version__ is its version"
        )
    # The extra brings what the chapters import that Colab may lack (peft, say).
    requirement = f"companion[chapters] @ git+{repository}@v{version}"
    return (
        "# Colab only: install the book's package at the version this notebook was\n"
        "# generated with. Outside Colab this cell does nothing: there, install the\n"
        "# book as its README says (clone it, then `make test`).\n"
        "import subprocess\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    package = "{requirement}"\n'
        '    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", package])'
    )


def colab_notebook(source: Path, repository: str, version: str) -> str:
    """Return the generated notebook for the chapter file ``source``, as ``.ipynb`` text.

    Args:
        source: a chapter (Jupytext MyST Markdown or ``.ipynb``).
        repository: the repository's https URL, from :func:`repository_url`.
        version: the package version the install cell pins, e.g. ``"0.1.0"``.

    """
    import jupytext
    import nbformat

    chapter = jupytext.read(source)
    install = nbformat.v4.new_code_cell(
        install_cell_source(repository, version), metadata={"tags": [INSTALL_TAG]}
    )
    cells = [install]
    for cell in for_readers(chapter.cells, colab=True):
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and "raises-exception" in tags:
            cell.source = _ON_PURPOSE + cell.source
        if cell.cell_type == "markdown":
            cell.source = plain_exercises(expand_listings(cell.source, source.parent))
            if not cell.source.strip():
                continue
        cells.append(cell)
    for index, cell in enumerate(cells):
        # Jupytext draws random ids; numbered ones keep regeneration byte-stable.
        cell.id = f"cell-{index}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook = nbformat.v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": chapter.metadata.get("kernelspec", _KERNELSPEC),
            "language_info": {"name": "python"},
        },
    )
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


_EXERCISE = re.compile(
    r"^(`{3,})\{exercise\}[ \t]*(?P<title>[^\n]*)\n"  # the fence and the title
    r"(?:[ \t]*:[\w-]+:[^\n]*\n)*"  # options (:label:)
    r"(?P<body>.*?)^\1[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_SOLUTION_START = re.compile(
    r"^(`{3,})\{solution-start\}.*\n(?:[ \t]*:[\w-]+:.*\n)*\1[ \t]*$", re.M
)
_SOLUTION_END = re.compile(r"^(`{3,})\{solution-end\}[ \t]*\n\1[ \t]*$", re.MULTILINE)


def plain_exercises(text: str) -> str:
    """Markdown that any notebook renders for sphinx-exercise's exercise and solution blocks.

    An exercise becomes a bold heading and its text; a solution's start becomes
    a bold "Solution" (Colab has no toggle to hide it behind); its end goes.
    """
    text = _EXERCISE.sub(
        lambda m: f"**Exercise: {m['title'].strip()}**\n\n{m['body'].strip()}", text
    )
    text = _SOLUTION_START.sub("**Solution**", text)
    return re.sub(r"\n{3,}", "\n\n", _SOLUTION_END.sub("", text))


def generate(root: Path, version: str | None = None) -> dict[str, str]:
    """Return ``{"<chapter>.ipynb": text}`` for every chapter of the book at ``root``."""
    if version is None:
        import companion

        version = companion.__version__
    repository = repository_url(root)
    return {
        page.with_suffix(".ipynb").name: colab_notebook(root / page, repository, version)
        for page in chapter_pages(root)
    }


def write_notebooks(root: Path, version: str | None = None) -> list[Path]:
    """Write ``notebooks/<chapter>.ipynb`` for every chapter; delete notebooks of no chapter.

    Returns the paths written. The folder holds generated files only, so an
    ``.ipynb`` in it that no chapter produces (a removed chapter's) is deleted.
    """
    wanted = generate(root, version)
    folder = root / NOTEBOOKS_DIR
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.ipynb"):
        if old.name not in wanted:
            old.unlink()
    written = []
    for name, text in wanted.items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_notebooks(root: Path, version: str | None = None) -> list[str]:
    """Name every notebook that is missing, out of date, or of no chapter; ``[]`` if none."""
    wanted = generate(root, version)
    folder = root / NOTEBOOKS_DIR
    present = {p.name for p in folder.glob("*.ipynb")} if folder.is_dir() else set()
    problems = [f"{name} belongs to no chapter" for name in sorted(present - set(wanted))]
    for name, text in wanted.items():
        if name not in present:
            problems.append(f"{name} is missing")
        elif (folder / name).read_text(encoding="utf-8") != text:
            problems.append(f"{name} is out of date")
    return problems


def main(argv: list[str] | None = None) -> None:
    """Command line: write the notebooks, or with ``--check`` only report stale ones."""
    parser = argparse.ArgumentParser(prog="python -m companion.book.notebooks", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the book's root folder")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; fail if a notebook is stale"
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.check:
        problems = stale_notebooks(root)
        for problem in problems:
            print(f"{NOTEBOOKS_DIR}/{problem}", file=sys.stderr)
        if problems:
            sys.exit("run `make notebooks` to regenerate them")
        print(f"{NOTEBOOKS_DIR}/ is up to date")
    else:
        for path in write_notebooks(root):
            print(path.relative_to(root))


if __name__ == "__main__":
    main()
