"""The bibliography: every key the book cites exists, and every entry is complete.

The HTML build (``-W``) also fails on an unknown key, but only after every
chapter has been executed; this test says so in a second.
"""

import re
import unicodedata
from pathlib import Path

from pybtex.database import BibliographyData, parse_file, parse_string

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "book" / "references.bib"
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]*)`")
# Where an entry may say it was published: one of these must be present.
VENUE_FIELDS = ("journal", "booktitle", "publisher", "institution", "howpublished", "eprint")
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
ARXIV = re.compile(r"^\d{4}\.\d{4,5}$")
PAGES = re.compile(r"^\d+(--\d+)?$")


def cited_keys(text: str) -> set[str]:
    """The keys of every {cite}, {cite:p} and {cite:t} role in a MyST text."""
    return {key.strip() for group in CITE.findall(text) for key in group.split(",") if key.strip()}


def plain(name: str) -> str:
    """A BibTeX name as lowercase ASCII letters: {\\'e} and é both become e."""
    name = re.sub(r"\\[a-zA-Z]+|[{}\\'\"`^~]", "", name)
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", name.lower())


def entry_problems(data: BibliographyData) -> list[str]:
    """One message per missing or malformed field, over every entry."""
    problems = []
    for key, entry in data.entries.items():
        fields, authors = entry.fields, entry.persons.get("author", [])
        if not authors:
            problems.append(f"{key}: no author")
        for name in ("title", "year"):
            if not fields.get(name):
                problems.append(f"{key}: no {name}")
        if not any(fields.get(name) for name in VENUE_FIELDS):
            problems.append(f"{key}: no venue (one of {', '.join(VENUE_FIELDS)})")
        year = fields.get("year", "")
        if not re.fullmatch(r"(19|20)\d\d", year):
            problems.append(f"{key}: year {year!r}")
        if "doi" in fields and not DOI.match(fields["doi"]):
            problems.append(f"{key}: doi {fields['doi']!r} is not a DOI")
        if "eprint" in fields:
            if not ARXIV.match(fields["eprint"]):
                problems.append(f"{key}: eprint {fields['eprint']!r} is not an arXiv id")
            if fields.get("archiveprefix", "").lower() != "arxiv":
                problems.append(f"{key}: eprint without archiveprefix = arXiv")
        if "pages" in fields and not PAGES.match(fields["pages"]):
            problems.append(f"{key}: pages {fields['pages']!r} (write 12--34)")
        # Keys are <first author's last name><year><first word of the title>.
        if authors:
            expected = plain(" ".join(authors[0].prelast_names + authors[0].last_names)) + year
            if not key.startswith(expected):
                problems.append(f"{key}: key should start with {expected!r}")
    return problems


def test_every_key_the_book_cites_is_in_the_bibliography():
    keys = set(parse_file(BIB).entries)
    missing = {}
    for page in sorted((ROOT / "book").glob("*.md")):
        unknown = cited_keys(page.read_text(encoding="utf-8")) - keys
        if unknown:
            missing[page.name] = sorted(unknown)
    assert not missing, f"cited but not in {BIB.name}: {missing}"


def test_every_entry_has_authors_title_year_and_venue_in_good_form():
    problems = entry_problems(parse_file(BIB))
    assert not problems, "\n".join(problems)


def test_cited_keys_reads_every_form_of_the_role():
    text = "see {cite:p}`a2020x, b2021y`, {cite:t}`c2019z` and {cite}`d2018w`; not `e2017v`"
    assert cited_keys(text) == {"a2020x", "b2021y", "c2019z", "d2018w"}


def test_an_incomplete_or_malformed_entry_is_reported():
    bad = parse_string(
        """
        @article{smith2020wrong,
          author = {Jones, Ann},
          title  = {A title},
          year   = {2021},
          doi    = {not-a-doi},
          eprint = {12345},
          pages  = {1-9},
        }
        @misc{nobody2020nothing,
          year = {20},
        }
        """,
        "bibtex",
    )
    report = "\n".join(entry_problems(bad))
    for expected in (
        "smith2020wrong: doi 'not-a-doi'",
        "smith2020wrong: eprint '12345' is not an arXiv id",
        "smith2020wrong: eprint without archiveprefix",
        "smith2020wrong: pages '1-9'",
        "smith2020wrong: key should start with 'jones2021'",
        "nobody2020nothing: no author",
        "nobody2020nothing: no title",
        "nobody2020nothing: no venue",
        "nobody2020nothing: year '20'",
    ):
        assert expected in report, report


def test_plain_names_drop_accents_and_latex():
    assert plain('Schmidhuber, J{\\"u}rgen') == "schmidhuberjurgen"
    assert plain("LeCun") == "lecun"
    assert plain("Merriënboer") == "merrienboer"
