"""The machinery that executes, checks and renders the book.

No teaching module imports it. Chapters use :class:`ChapterRun` to seed, record and
glue their results. The command-line entry points are modules of their own, run with
``python -m``: :mod:`companion.book.pipeline` (execute the chapters, build the HTML)
and :mod:`companion.book.notebooks` (the Colab notebooks);
:mod:`companion.book.launch_buttons` is a Sphinx extension.
"""

from .chapter import PROFILES, ChapterRun, check_profile
from .citation import (
    CFF_FILE,
    REQUIRED_KEYS,
    bibtex_authors,
    book_bibtex,
    book_key,
    chapter_bibtex,
    chapter_entries,
    check_cff,
    escape_bibtex,
    find_cff,
    load_cff,
    page_title,
)
from .harness import for_readers, strip_harness
from .listings import Listing, expand_listings, find_listings, listing_text
from .records import (
    METRICS_ENV,
    book_root,
    check_thresholds,
    clean_value,
    metrics_dir,
    metrics_table,
    read_metrics,
    read_thresholds,
    results_table,
    rule_text,
    summary_text,
    write_metrics,
)

__all__ = [
    "CFF_FILE",
    "ChapterRun",
    "Listing",
    "METRICS_ENV",
    "PROFILES",
    "REQUIRED_KEYS",
    "bibtex_authors",
    "book_bibtex",
    "book_key",
    "book_root",
    "chapter_bibtex",
    "chapter_entries",
    "check_cff",
    "check_profile",
    "check_thresholds",
    "clean_value",
    "escape_bibtex",
    "expand_listings",
    "find_cff",
    "find_listings",
    "for_readers",
    "listing_text",
    "load_cff",
    "metrics_dir",
    "metrics_table",
    "page_title",
    "read_metrics",
    "read_thresholds",
    "results_table",
    "rule_text",
    "strip_harness",
    "summary_text",
    "write_metrics",
]
