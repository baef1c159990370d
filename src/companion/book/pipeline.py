"""The book's pipeline: execute every chapter with papermill, then build the HTML.

``make book`` and ``make test`` call this module; run it directly with
``python -m companion.book.pipeline --help``. Chapters are Jupytext MyST notebooks
listed in ``_toc.yml``. Each is converted to ``.ipynb``, given its ``PROFILE``
by papermill (injected after its ``parameters`` cell), executed by nbclient
(the engine papermill itself runs on), and written to ``_build/executed/``.
The HTML is then built by ``jupyter-book`` from a staged copy of the book in
which every chapter is its executed notebook, so that Sphinx renders the
outputs of that execution and executes nothing itself.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from companion.book.chapter import check_profile
from companion.book.harness import for_readers
from companion.book.records import METRICS_ENV

BUILD = "_build"
CELL_TIMEOUT_S = 3600  # one cell of a full-profile chapter may train for a long time


def toc_pages(root: Path) -> list[Path]:
    """Return every page of ``_toc.yml``, in reading order, as paths relative to ``root``."""
    import yaml

    toc_file = root / "_toc.yml"
    if not toc_file.is_file():
        raise FileNotFoundError(f"no _toc.yml in {root}: run this from the book's root folder")
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections", []))
            walk(entry.get("chapters", []))

    walk(toc.get("parts", []) + toc.get("chapters", []))
    return [_source_of(root, page) for page in pages]


def _source_of(root: Path, page: str) -> Path:
    for suffix in (".md", ".ipynb"):
        if (root / (page + suffix)).is_file():
            return Path(page + suffix)
    raise FileNotFoundError(f"_toc.yml lists {page!r} but neither .md nor .ipynb exists")


def is_notebook(path: Path) -> bool:
    """Whether a page is a notebook (an ``.ipynb``, or Markdown with a Jupytext header)."""
    if path.suffix == ".ipynb":
        return True
    text = path.read_text(encoding="utf-8")
    return text.startswith("---") and "jupytext:" in text.split("\n---", 1)[0]


def execute(
    root: Path,
    profile: str,
    only: list[str] | None = None,
    jobs: int = 1,
    build: Path | None = None,
) -> dict[str, float]:
    """Execute the book's notebooks in ``profile`` and return seconds per notebook.

    Args:
        root: the book's root folder (the one with ``_toc.yml``).
        profile: ``"full"`` or ``"smoke"``, injected as the ``PROFILE`` parameter.
        only: names (stems) of the notebooks to run; all of them when ``None``.
        jobs: how many notebooks to execute at once, each in its own kernel.
        build: the folder for ``executed/`` and ``metrics/``; ``root/_build`` by
            default (the GPU check writes elsewhere, see ``tools/gpu``).

    Raises:
        ValueError: ``jobs`` is below 1, or ``only`` names a notebook not in ``_toc.yml``.
        RuntimeError: a notebook failed; the message names it and where its
            partly executed copy is, with the failing cell's traceback in it.

    """
    check_profile(profile)
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    # Progress bars are for people at a keyboard; in stored outputs they are noise.
    os.environ.setdefault("TQDM_DISABLE", "1")
    build = root / BUILD if build is None else Path(build)
    metrics = build / "metrics"
    os.environ[METRICS_ENV] = str(metrics)
    notebooks = [p for p in toc_pages(root) if is_notebook(root / p)]
    if not only:
        # A whole-book run starts clean, so no record of an earlier run (or of a
        # chapter since removed) can reach the Reproducibility page.
        shutil.rmtree(metrics, ignore_errors=True)
    else:
        unknown = set(only) - {p.stem for p in notebooks}
        if unknown:
            raise ValueError(f"no notebook named {sorted(unknown)} in _toc.yml")
        notebooks = [p for p in notebooks if p.stem in only]
    # Each notebook runs in a kernel of its own, so threads are enough to run
    # several at once; the work happens in the kernels' processes.
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {
            pool.submit(execute_page, root, page, profile, build): page for page in notebooks
        }
        seconds = {futures[f].stem: f.result() for f in futures}
    return seconds


def execute_page(root: Path, page: Path, profile: str, build: Path | None = None) -> float:
    """Execute one notebook into ``<build>/executed`` and return its wall time in seconds.

    The chapter writes its metrics wherever ``COMPANION_METRICS_DIR`` points
    (:func:`execute` points it at ``<build>/metrics``). ``page`` is relative
    to ``root``, as :func:`toc_pages` gives it; ``build`` is ``root/_build``
    by default.
    """
    import jupytext
    import papermill

    build = root / BUILD if build is None else Path(build)
    target = build / "executed" / page.with_suffix(".ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = target.with_suffix(".source.ipynb")
    notebook = jupytext.read(root / page)
    jupytext.write(notebook, source)
    # Chapters take PROFILE; pages without a parameters cell (the metrics
    # table, say) are executed as they are.
    takes_parameters = any("parameters" in c.metadata.get("tags", []) for c in notebook.cells)
    print(f"executing {page} ({profile}) ...", flush=True)
    start = time.perf_counter()
    try:
        # papermill injects the parameters; nbclient executes. papermill's own
        # execution would refuse the cells tagged raises-exception, which show
        # on purpose what a broken listing does.
        papermill.execute_notebook(
            str(source),
            str(target),
            parameters={"PROFILE": profile} if takes_parameters else None,
            prepare_only=True,
            progress_bar=False,
        )
        _run_notebook(target, cwd=(root / page).parent)
    except Exception as error:  # papermill's and nbclient's error types vary by version
        raise RuntimeError(
            f"{page} failed in the {profile} profile; the executed copy with the "
            f"traceback is {target}"
        ) from error
    finally:
        source.unlink(missing_ok=True)
    elapsed = time.perf_counter() - start
    print(f"finished {page} in {elapsed:.1f} s", flush=True)
    return elapsed


def _run_notebook(path: Path, cwd: Path) -> None:
    """Execute a notebook in place; a cell tagged raises-exception may raise, no other may."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": str(cwd)}}
    )
    try:
        client.execute()
    finally:
        nbformat.write(notebook, path)  # also when it failed: the traceback is in there


def stage(root: Path) -> Path:
    """Copy the book into ``_build/site`` with each notebook replaced by its executed copy.

    The executed copies are staged as a reader sees them: recording statements
    stripped, harness cells and papermill's injected parameters hidden
    (:func:`companion.book.harness.for_readers`).
    """
    site = root / BUILD / "site"
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml", "references.bib"):
        if (root / name).is_file():
            shutil.copy2(root / name, site / name)
    for page in toc_pages(root):
        if is_notebook(root / page):
            executed = root / BUILD / "executed" / page.with_suffix(".ipynb")
            if not executed.is_file():
                raise FileNotFoundError(
                    f"{executed} is missing: run `make execute` (or `make book`) first"
                )
            (site / page).parent.mkdir(parents=True, exist_ok=True)
            _stage_notebook(executed, site / page.with_suffix(".ipynb"))
        else:
            (site / page).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / page, site / page)
    # Everything else in book/ (the bibliography, images, static files) goes as it is.
    for asset in (root / "book").rglob("*"):
        if asset.is_file() and asset.suffix not in (".md", ".ipynb"):
            (site / asset.relative_to(root)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(asset, site / asset.relative_to(root))
    # The package's source, which the chapters' listings include (literalinclude
    # paths are relative to the page: ../src/companion/...).
    if (root / "src").is_dir():
        ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
        shutil.copytree(root / "src", site / "src", ignore=ignore)
    # The generated chapter notebooks, which the launch and download buttons
    # serve (see companion.book.launch_buttons); _config.yml excludes them as pages.
    if (root / "notebooks").is_dir():
        shutil.copytree(root / "notebooks", site / "notebooks")
    return site


def _stage_notebook(executed: Path, staged: Path) -> None:
    """Copy an executed notebook for rendering, with the test harness hidden (see harness)."""
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    notebook.cells = for_readers(notebook.cells, colab=False)
    nbformat.write(notebook, staged)


def build_html(root: Path) -> Path:
    """Build the HTML from the staged, executed book, with every Sphinx warning an error."""
    site = stage(root)
    # The console script beside this interpreter: jupyter-book has no ``__main__``.
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    if not jupyter_book.exists():
        raise FileNotFoundError(f"{jupyter_book} not found: pip install 'jupyter-book<2'")
    command = [
        str(jupyter_book), "build", str(site),
        "--path-output", str(root), "--builder", "html", "-W", "-n", "--keep-going",
    ]  # fmt: skip
    subprocess.run(command, check=True)
    return root / BUILD / "html" / "index.html"


def default_profile() -> str:
    """``"full"`` where a CUDA GPU is visible, else ``"smoke"``."""
    from companion.runtime.device import resolve_device

    return "full" if resolve_device("auto") == "cuda" else "smoke"


def longest_first(root: Path) -> list[Path]:
    """The executed notebooks, the slowest first, by the seconds their run recorded.

    For the re-execution of the determinism check (nbval): with two workers,
    starting the two slowest chapters first keeps one worker from being left
    with a long chapter at the end while the other idles. Notebooks that
    recorded no seconds (pages without a chapter run) go last.
    """
    from companion.book.records import read_metrics

    recorded = read_metrics(root / BUILD / "metrics")
    executed = [
        root / BUILD / "executed" / page.with_suffix(".ipynb")
        for page in toc_pages(root)
        if is_notebook(root / page)
    ]

    def seconds(notebook: Path) -> float:
        return float(recorded.get(notebook.stem, {}).get("results", {}).get("seconds", 0.0))

    return sorted(executed, key=seconds, reverse=True)


def _report(seconds: dict[str, float]) -> None:
    width = max(len(name) for name in seconds)
    print("\nseconds per notebook")
    for name, value in seconds.items():
        print(f"  {name:<{width}}  {value:7.1f}")
    print(f"  {'total':<{width}}  {sum(seconds.values()):7.1f}", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: ``execute``, ``html``, ``default-profile``, ``longest-first``."""
    parser = argparse.ArgumentParser(prog="python -m companion.book.pipeline", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the book's root folder")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("execute", help="execute the notebooks with papermill")
    run.add_argument("--profile", default=None, help="full or smoke (default: full on a GPU)")
    run.add_argument("--only", nargs="*", help="notebook names to run (default: all)")
    run.add_argument("--jobs", type=int, default=1, help="notebooks to execute at once")
    run.add_argument("--build-dir", type=Path, default=None, help="default: <root>/_build")
    commands.add_parser("html", help="build the HTML from the executed notebooks")
    commands.add_parser("default-profile", help="print the profile for this machine")
    commands.add_parser("longest-first", help="print the executed notebooks, the slowest first")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.command == "execute":
        profile = args.profile or default_profile()
        _report(execute(root, profile, args.only, args.jobs, args.build_dir))
    elif args.command == "html":
        print(build_html(root))
    elif args.command == "longest-first":
        print("\n".join(str(path.relative_to(root)) for path in longest_first(root)))
    else:
        print(default_profile())


if __name__ == "__main__":
    main()
