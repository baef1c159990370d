"""How to cite the book: BibTeX for the whole book and for each chapter.

Title, authors, date and URLs come from ``CITATION.cff`` (the Citation File
Format, which GitHub's "Cite this repository" button reads); the version comes
from the installed package, ``companion.__version__``, and must agree with the
file's, so that a release cannot cite itself under the previous number. The
"How to cite" page (``book/cite.md``) prints these entries.
"""

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path

CFF_FILE = "CITATION.cff"
# The keys this book's CITATION.cff must have, with their types (CFF 1.2.0 names).
REQUIRED_KEYS: dict[str, type | tuple[type, ...]] = {
    "cff-version": str,
    "message": str,
    "title": str,
    "authors": list,
    "version": str,
    "date-released": (str, date),
    "license": (str, list),
    "repository-code": str,
    "url": str,
}
_BIBTEX_SPECIAL = re.compile(r"[\\&%$#_{}~^]")
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def find_cff(start: Path | None = None) -> Path:
    """Return the ``CITATION.cff`` in ``start`` (default: the current folder) or above it."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CFF_FILE).is_file():
            return folder / CFF_FILE
    raise FileNotFoundError(f"no {CFF_FILE} in {here} or any folder above it")


def check_cff(cff: object) -> list[str]:
    """List what is missing or mistyped in a parsed ``CITATION.cff``; ``[]`` if nothing is."""
    if not isinstance(cff, Mapping):
        return [f"{CFF_FILE} must be a YAML mapping, got {type(cff).__name__}"]
    problems = []
    for key, kind in REQUIRED_KEYS.items():
        if key not in cff:
            problems.append(f"{key} is missing")
        elif not isinstance(cff[key], kind) or cff[key] in ("", []):
            problems.append(f"{key} must be a non-empty {_kind_name(kind)}, got {cff[key]!r}")
    if cff.get("cff-version") not in (None, "1.2.0"):
        problems.append(f"cff-version must be 1.2.0, got {cff['cff-version']!r}")
    if isinstance(cff.get("date-released"), str):
        try:
            date.fromisoformat(cff["date-released"])
        except ValueError:
            problems.append(f"date-released must be YYYY-MM-DD, got {cff['date-released']!r}")
    for key in ("repository-code", "url"):
        if isinstance(cff.get(key), str) and not cff[key].startswith("https://"):
            problems.append(f"{key} must be an https:// URL, got {cff[key]!r}")
    for index, author in enumerate(cff.get("authors") or []):
        if not isinstance(author, Mapping) or not (
            author.get("name") or author.get("family-names")
        ):
            problems.append(f"authors[{index}] needs a name (an entity) or family-names")
    return problems


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def load_cff(path: Path | None = None) -> dict:
    """Read and check ``CITATION.cff`` (default: :func:`find_cff` from the current folder).

    Raises:
        ValueError: the file lacks a key the citations need, or has one of the wrong type.

    """
    import yaml

    path = find_cff() if path is None else Path(path)
    cff = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = check_cff(cff)
    if problems:
        raise ValueError(f"{path} is not a valid citation file:\n  " + "\n  ".join(problems))
    return cff


def escape_bibtex(text: str) -> str:
    """Escape the characters that (La)TeX treats as commands in a BibTeX field."""
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_ESCAPES.get(m[0], "\\" + m[0]), text)


def bibtex_authors(authors: list[Mapping]) -> str:
    """Return CFF authors as one BibTeX ``author`` value, joined with ``and``.

    A person becomes ``von Family, Jr, Given``; an entity (a ``name``) is
    wrapped in braces so that BibTeX does not split it into first and last names.
    """
    names = []
    for author in authors:
        if author.get("family-names"):
            last = " ".join(filter(None, (author.get("name-particle"), author["family-names"])))
            parts = [last, author.get("name-suffix"), author.get("given-names")]
            names.append(", ".join(escape_bibtex(p) for p in parts if p))
        elif author.get("name"):
            names.append("{" + escape_bibtex(author["name"]) + "}")
        else:
            raise ValueError(f"an author needs a name or family-names, got {dict(author)}")
    return " and ".join(names)


def _release(cff: Mapping, version: str | None) -> str:
    if version is None:
        import companion

        version = companion.__version__
    if str(cff["version"]) != version:
        raise ValueError(
            f"{CFF_FILE} says version {cff['version']} but the package is {version}: "
            f"update {CFF_FILE} (version and date-released) with every release"
        )
    return version


def book_key(cff: Mapping) -> str:
    """Return the book's BibTeX key, its short title and year: ``deep_learning_tested_2026``."""
    short = re.sub(r"[^a-z0-9]+", "_", cff["title"].split(":")[0].lower()).strip("_")
    return f"{short}_{_year(cff)}"


def _year(cff: Mapping) -> int:
    released = cff["date-released"]
    return (released if isinstance(released, date) else date.fromisoformat(released)).year


def _entry(kind: str, key: str, fields: dict[str, str]) -> str:
    width = max(len(name) for name in fields)
    lines = [f"  {name:<{width}} = {{{value}}}," for name, value in fields.items()]
    return f"@{kind}{{{key},\n" + "\n".join(lines) + "\n}"


def _common_fields(cff: Mapping, version: str) -> dict[str, str]:
    return {
        "author": bibtex_authors(cff["authors"]),
        "year": str(_year(cff)),
        "version": version,
    }


def _note(cff: Mapping, version: str) -> str:
    return f"Release v{version}; code and notebooks at \\url{{{cff['repository-code']}}}"


def book_bibtex(cff: Mapping, version: str | None = None) -> str:
    """Return the ``@book`` entry for the whole book.

    Args:
        cff: the parsed ``CITATION.cff`` (see :func:`load_cff`).
        version: the release to cite; default ``companion.__version__``.

    Raises:
        ValueError: ``version`` differs from the version in ``CITATION.cff``.

    """
    version = _release(cff, version)
    fields = {
        # Double braces keep the title's capitals in styles that lower-case titles.
        "title": "{" + escape_bibtex(cff["title"]) + "}",
        **_common_fields(cff, version),
        "url": cff["url"],
        "note": _note(cff, version),
    }
    return _entry("book", book_key(cff), fields)


def chapter_bibtex(cff: Mapping, page: Path, title: str, version: str | None = None) -> str:
    """Return the ``@incollection`` entry for one chapter.

    Args:
        cff: the parsed ``CITATION.cff``.
        page: the chapter's source path relative to the book's root, e.g.
            ``book/losses.md``; its web page is the same path with ``.html``.
        title: the chapter's title (see :func:`page_title`).
        version: the release to cite; default ``companion.__version__``.

    """
    version = _release(cff, version)
    page = Path(page)
    if page.is_absolute() or not page.suffix:
        raise ValueError(f"page must be a file path relative to the book's root, got {page}")
    fields = {
        "title": "{" + escape_bibtex(title) + "}",
        "booktitle": "{" + escape_bibtex(cff["title"]) + "}",
        **_common_fields(cff, version),
        "url": f"{cff['url'].rstrip('/')}/{page.with_suffix('.html').as_posix()}",
        "note": _note(cff, version),
    }
    return _entry("incollection", f"{book_key(cff)}_{page.stem}", fields)


def page_title(path: Path) -> str:
    """Return a page's title: the first level-one heading (``# Title``) of its Markdown."""
    import jupytext

    for cell in jupytext.read(path).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError(f"{path} has no '# ' heading to take a title from")


def chapter_entries(root: Path, cff: Mapping, version: str | None = None) -> dict[str, str]:
    """Return ``{chapter title: @incollection entry}`` for every chapter, in reading order."""
    from companion.book.notebooks import chapter_pages

    entries = {}
    for page in chapter_pages(root):
        title = page_title(root / page)
        entries[title] = chapter_bibtex(cff, page, title, version)
    return entries
