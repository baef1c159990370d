import re
from datetime import date
from pathlib import Path

import pytest
import tomllib
import yaml

from companion import __version__
from companion.book import citation

ROOT = Path(__file__).resolve().parents[1]
CFF = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
# What LICENSE must say for each SPDX identifier CITATION.cff lists.
LICENSE_MARKERS = {
    "MIT": "MIT License",
    "CC-BY-4.0": "creativecommons.org/licenses/by/4.0",
}


# --- the repository's CITATION.cff ------------------------------------------


def test_citation_file_has_every_required_key_well_typed():
    assert citation.check_cff(CFF) == []
    assert citation.load_cff(ROOT / "CITATION.cff") == CFF
    assert CFF["type"] in ("software", "dataset")  # the two types CFF 1.2.0 allows


def test_citation_version_is_the_packages():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert str(CFF["version"]) == pyproject["project"]["version"] == __version__
    assert date.fromisoformat(str(CFF["date-released"])) <= date.today()


def test_citation_licenses_match_the_license_file():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    licenses = CFF["license"] if isinstance(CFF["license"], list) else [CFF["license"]]
    assert set(licenses) == set(LICENSE_MARKERS), "LICENSE_MARKERS lists each licence we use"
    for spdx in licenses:
        assert LICENSE_MARKERS[spdx] in text, f"LICENSE does not grant {spdx}"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] in licenses  # the package's own licence


def test_preferred_citation_agrees_with_the_file():
    preferred = CFF["preferred-citation"]
    assert preferred["type"] == "book"
    for key in ("title", "authors", "version", "date-released", "url", "repository-code"):
        assert preferred[key] == CFF[key], key


def test_repository_and_url_agree_with_the_book_config():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert CFF["repository-code"] == config["repository"]["url"]
    assert CFF["url"].startswith("https://")


# --- BibTeX ------------------------------------------------------------------

SAMPLE = {
    "cff-version": "1.2.0",
    "message": "Cite me.",
    "title": "Nets & Gradients: 100% tested",
    "authors": [
        {"family-names": "Beethoven", "given-names": "Ludwig", "name-particle": "van"},
        {"family-names": "King", "given-names": "Martin Luther", "name-suffix": "Jr."},
        {"name": "The Lab_Team"},
    ],
    "version": "2.1.0",
    "date-released": date(2027, 3, 1),
    "license": "MIT",
    "repository-code": "https://github.com/org/repo",
    "url": "https://org.github.io/repo/",
}


def _fields(entry):
    return dict(re.findall(r"^  (\w+)\s+= \{(.*)\},$", entry, flags=re.MULTILINE))


def _balanced(text):
    depth = 0
    for char in re.sub(r"\\[{}]", "", text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    return depth == 0


def test_book_entry():
    entry = citation.book_bibtex(SAMPLE, version="2.1.0")
    assert entry.startswith("@book{nets_gradients_2027,\n") and entry.endswith("\n}")
    fields = _fields(entry)
    assert fields["title"] == r"{Nets \& Gradients: 100\% tested}"
    assert fields["author"] == (
        "van Beethoven, Ludwig and King, Jr., Martin Luther and {The Lab\\_Team}"
    )
    assert (fields["year"], fields["version"]) == ("2027", "2.1.0")
    assert fields["url"] == "https://org.github.io/repo/"
    assert "v2.1.0" in fields["note"] and r"\url{https://github.com/org/repo}" in fields["note"]
    assert _balanced(entry)


def test_chapter_entry():
    entry = citation.chapter_bibtex(SAMPLE, Path("book/losses.md"), "Losses_1", version="2.1.0")
    assert entry.startswith("@incollection{nets_gradients_2027_losses,\n")
    fields = _fields(entry)
    assert fields["title"] == r"{Losses\_1}"
    assert fields["booktitle"] == r"{Nets \& Gradients: 100\% tested}"
    assert fields["url"] == "https://org.github.io/repo/book/losses.html"
    assert _balanced(entry)


def test_the_version_defaults_to_the_package_and_must_match_the_file():
    assert f"version = {{{__version__}}}" in citation.book_bibtex(CFF)
    with pytest.raises(ValueError, match="says version 2.1.0 but the package is 2.2.0"):
        citation.book_bibtex(SAMPLE, version="2.2.0")


def test_escaping():
    assert citation.escape_bibtex(r"a_b {c} ~ ^ \ $#") == (
        r"a\_b \{c\} \textasciitilde{} \textasciicircum{} \textbackslash{} \$\#"
    )


def test_chapter_entries_follow_the_toc(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/one\n"
    )
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "book" / "one.md").write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
        "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n"
        "(label)=\n# Chapter one\n\n```{code-cell} ipython3\n:tags: [parameters]\n\n"
        'PROFILE = "smoke"\n```\n'
    )
    entries = citation.chapter_entries(tmp_path, SAMPLE, version="2.1.0")
    assert list(entries) == ["Chapter one"]
    assert "nets_gradients_2027_one" in entries["Chapter one"]


def test_bad_input_is_refused(tmp_path):
    broken = {**SAMPLE, "cff-version": "1.1.0", "date-released": "01/03/2027", "url": "ftp://x"}
    del broken["license"]
    broken["authors"] = [{"given-names": "Nobody"}]
    problems = citation.check_cff(broken)
    assert problems == [
        "license is missing",
        "cff-version must be 1.2.0, got '1.1.0'",
        "date-released must be YYYY-MM-DD, got '01/03/2027'",
        "url must be an https:// URL, got 'ftp://x'",
        "authors[0] needs a name (an entity) or family-names",
    ]
    assert citation.check_cff(["not", "a", "mapping"]) == [
        "CITATION.cff must be a YAML mapping, got list"
    ]
    assert "title must be a non-empty str" in citation.check_cff({**SAMPLE, "title": ""})[0]
    (tmp_path / "CITATION.cff").write_text("cff-version: 1.2.0\n")
    with pytest.raises(ValueError, match="message is missing"):
        citation.load_cff(tmp_path / "CITATION.cff")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert citation.find_cff(nested) == tmp_path / "CITATION.cff"
    (tmp_path / "CITATION.cff").unlink()
    with pytest.raises(FileNotFoundError, match="no CITATION.cff"):
        citation.find_cff(nested)
    with pytest.raises(ValueError, match="relative to the book's root"):
        citation.chapter_bibtex(SAMPLE, Path("/abs/losses.md"), "T", version="2.1.0")
    (tmp_path / "untitled.md").write_text("no heading here\n")
    with pytest.raises(ValueError, match="no '# ' heading"):
        citation.page_title(tmp_path / "untitled.md")
