import json

import nbformat
import pytest
from chapter_support import tiny_chapter

from companion.book import pipeline

CHAPTER = tiny_chapter(
    "full",
    "from companion.book.chapter import ChapterRun\n"
    'run = ChapterRun("tiny", profile=PROFILE, device="cpu")\n'
    'run.record("answer", 42)\n'
    'print("profile is", PROFILE)',
)


@pytest.fixture
def book(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nparts:\n  - caption: Part\n    chapters:\n"
        "      - file: book/tiny\n        sections:\n          - file: book/appendix\n"
    )
    (tmp_path / "_config.yml").write_text("title: test\n")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "book" / "appendix.md").write_text("# Appendix\n")
    (tmp_path / "book" / "tiny.md").write_text(CHAPTER)
    return tmp_path


def test_toc_pages_in_reading_order(book):
    pages = [str(p) for p in pipeline.toc_pages(book)]
    assert pages == ["book/intro.md", "book/tiny.md", "book/appendix.md"]
    assert [pipeline.is_notebook(book / p) for p in pages] == [False, True, False]


def test_execute_injects_the_profile_and_records_metrics(book, monkeypatch):
    monkeypatch.delenv("COMPANION_METRICS_DIR", raising=False)
    stale = book / "_build/metrics/removed-chapter.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    seconds = pipeline.execute(book, "smoke")
    assert not stale.exists()
    assert list(seconds) == ["tiny"]
    executed = nbformat.read(book / "_build/executed/book/tiny.ipynb", as_version=4)
    outputs = "".join(
        o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "profile is smoke" in outputs
    errors = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert [e.evalue for e in errors] == ["shown on purpose"]  # tagged, so allowed
    record = json.loads((book / "_build/metrics/tiny.json").read_text())
    assert record["profile"] == "smoke" and record["results"]["answer"] == 42
    (book / "book" / "references.bib").write_text("% cited works\n")
    site = pipeline.stage(book)
    assert (site / "book/tiny.ipynb").is_file() and not (site / "book/tiny.md").exists()
    assert (site / "book/intro.md").is_file() and (site / "_toc.yml").is_file()
    assert (site / "book/references.bib").read_text() == "% cited works\n"
    # The staged page is what a reader sees: no recording code, no injected parameters.
    staged = nbformat.read(site / "book/tiny.ipynb", as_version=4)
    shown = [c for c in staged.cells if "remove-cell" not in c.metadata.get("tags", [])]
    assert not any("run.record" in c.source for c in shown)
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in shown)
    assert any('run = ChapterRun("tiny"' in c.source for c in shown)
    executed_again = nbformat.read(book / "_build/executed/book/tiny.ipynb", as_version=4)
    assert any("run.record" in c.source for c in executed_again.cells)  # left as it ran
    assert not (site / "src").exists()  # this book has no package to list
    (book / "src" / "pkg").mkdir(parents=True)
    (book / "src" / "pkg" / "mod.py").write_text("x = 1\n")
    assert (pipeline.stage(book) / "src" / "pkg" / "mod.py").read_text() == "x = 1\n"


def test_a_failing_chapter_names_itself(book):
    (book / "book" / "tiny.md").write_text(CHAPTER.replace('print("profile is", PROFILE)', "1 / 0"))
    with pytest.raises(RuntimeError, match="book/tiny.md failed in the smoke profile"):
        pipeline.execute(book, "smoke")


def test_two_jobs_run_every_chapter_and_report_in_reading_order(book, monkeypatch):
    monkeypatch.delenv("COMPANION_METRICS_DIR", raising=False)
    (book / "book" / "second.md").write_text(CHAPTER.replace('"tiny"', '"second"'))
    toc = (book / "_toc.yml").read_text()
    (book / "_toc.yml").write_text(toc + "      - file: book/second\n")
    seconds = pipeline.execute(book, "smoke", jobs=2)
    assert list(seconds) == ["tiny", "second"]
    for name in seconds:
        record = json.loads((book / f"_build/metrics/{name}.json").read_text())
        assert record["chapter"] == name and record["profile"] == "smoke"


def test_bad_input_is_refused(book, tmp_path_factory):
    with pytest.raises(ValueError, match="PROFILE"):
        pipeline.execute(book, "quick")
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        pipeline.execute(book, "smoke", jobs=0)
    with pytest.raises(ValueError, match="no notebook named"):
        pipeline.execute(book, "smoke", only=["missing"])
    with pytest.raises(FileNotFoundError, match="no _toc.yml"):
        pipeline.toc_pages(tmp_path_factory.mktemp("empty"))
    with pytest.raises(FileNotFoundError, match="make execute"):
        pipeline.stage(book)
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/nowhere\n")
    with pytest.raises(FileNotFoundError, match="book/nowhere"):
        pipeline.toc_pages(book)


def test_longest_first_orders_the_executed_notebooks_by_recorded_seconds(book, tmp_path):
    (book / "book" / "slow.md").write_text(CHAPTER)
    toc = (
        (book / "_toc.yml")
        .read_text()
        .replace("      - file: book/tiny\n", "      - file: book/tiny\n      - file: book/slow\n")
    )
    (book / "_toc.yml").write_text(toc)
    metrics = book / "_build" / "metrics"
    metrics.mkdir(parents=True)
    (metrics / "tiny.json").write_text(json.dumps({"results": {"seconds": 3.0}}))
    (metrics / "slow.json").write_text(json.dumps({"results": {"seconds": 30.0}}))
    order = [p.relative_to(book).as_posix() for p in pipeline.longest_first(book)]
    assert order == ["_build/executed/book/slow.ipynb", "_build/executed/book/tiny.ipynb"]
    (metrics / "slow.json").unlink()  # no record: last
    order = [p.stem for p in pipeline.longest_first(book)]
    assert order == ["tiny", "slow"]


def test_build_html_builds_the_staged_book_with_warnings_as_errors(book, monkeypatch):
    pipeline.execute(book, "smoke")
    commands = []
    monkeypatch.setattr(pipeline.subprocess, "run", lambda cmd, check: commands.append(cmd))
    index = pipeline.build_html(book)
    assert index == book / "_build/html/index.html"
    ((program, *arguments),) = commands
    assert program.endswith("jupyter-book")
    assert arguments[:2] == ["build", str(book / "_build/site")]
    assert "-W" in arguments and "-n" in arguments  # every Sphinx warning fails the build
    assert (book / "_build/site/book/tiny.ipynb").is_file()


def test_build_html_says_how_to_install_jupyter_book(book, tmp_path, monkeypatch):
    pipeline.execute(book, "smoke")
    monkeypatch.setattr(pipeline.sys, "executable", str(tmp_path / "bin" / "python"))
    with pytest.raises(FileNotFoundError, match="pip install 'jupyter-book<2'"):
        pipeline.build_html(book)


@pytest.mark.parametrize(
    ("device", "profile"), [("cuda", "full"), ("cpu", "smoke"), ("mps", "smoke")]
)
def test_default_profile_is_full_only_on_a_cuda_gpu(device, profile, monkeypatch):
    import companion.runtime.device

    monkeypatch.setattr(companion.runtime.device, "resolve_device", lambda wanted: device)
    assert pipeline.default_profile() == profile
