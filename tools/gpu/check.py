"""`make gpu-check`: every chapter in the full profile on one GPU, checked, in one command.

Runs on the GPU machine's own ``python3`` (3.12, PyTorch, no internet), from the
repository's root, with the folder ``tools/gpu/prepare.py`` filled here
(``_gpu/``) carried beside the tree. It

1. installs the carried wheels into ``<work>/site`` (``pip --no-index --no-deps``),
   which it puts on ``PYTHONPATH`` with ``src/``;
2. unpacks the carried data cache and Hugging Face cache into ``<work>``, the data
   cache read-only, and points ``COMPANION_DATA_DIR`` and ``HF_HOME`` at them;
   Keras runs on PyTorch where TensorFlow is not installed (``KERAS_BACKEND``);
3. executes the chapters at once (``--jobs``, default all of them), each in its
   own kernel on the one GPU, the slowest first, CPU threads shared out;
4. checks each chapter's metrics against its rules in ``book/thresholds.toml``:
   passed, failed, or not run (a ``[needs_*]`` rule whose need the machine lacks,
   see ``companion.book.records.not_run``);
5. writes into ``--out`` (``$OUT`` on the device tool): ``gpu-report.md`` (the table),
   ``gpu-report.json`` (every metric, rule and verdict, the seconds and the peak
   GPU memory per chapter, the device), ``nvidia-smi.txt`` and ``executed.tar.gz``
   (the executed notebooks and metrics files), after each chapter and at the end.

Exit status 0 when every chapter ran, no rule failed and a full run kept to its
budget (``BUDGET_S``, 8 minutes, install included). A deadline (``--deadline-s``,
9 minutes) stops the run and reports what finished, so that a command's time
limit never swallows the report.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Estimated full-profile seconds on one H100/H200 (the sizing): the order
# in which the chapters start, the longest first.
ESTIMATED_SECONDS = {
    "bert": 170,
    "transfer": 150,
    "gan": 125,
    "attention": 85,
    "cnn_rnn": 75,
    "mnist_frameworks": 45,
    "losses": 40,
}
REPORT_FILES = ("gpu-report.md", "gpu-report.json", "nvidia-smi.txt", "executed.tar.gz")
# The budget for the whole run, install included, on one H100/H200.
BUDGET_S = 480
_lock = threading.Lock()


def log(message: str) -> None:
    """Print a line with the seconds since the start, at once."""
    print(f"[{time.perf_counter() - START:6.1f} s] {message}", flush=True)


START = time.perf_counter()


def install(prepared: Path, site: Path) -> str:
    """Install the carried wheels into ``site`` once; return what was done."""
    wheels = sorted((prepared / "wheels").glob("*.whl"))
    stamp = site / ".installed"
    names = "\n".join(w.name for w in wheels)
    if stamp.is_file() and stamp.read_text() == names:
        return f"{len(wheels)} wheels already installed in {site}"
    shutil.rmtree(site, ignore_errors=True)
    if wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--no-index", "--no-deps", "--no-compile", "--no-cache-dir", "--target", str(site),
             *map(str, wheels)],
            check=True,
        )  # fmt: skip
    site.mkdir(parents=True, exist_ok=True)
    stamp.write_text(names)
    return f"installed {len(wheels)} wheels into {site}"


def unpack(archive: Path, target: Path, read_only: bool) -> None:
    """Unpack a carried ``.tar.gz`` into ``target`` (afresh)."""
    if target.exists():
        for folder in (target, *(p for p in target.rglob("*") if p.is_dir())):
            folder.chmod(0o755)
        shutil.rmtree(target)
    target.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    if read_only:
        # A read-only cache is never written: a file that is not there (the full
        # MNIST training set) is reported missing at once instead of downloaded.
        for folder in sorted((p for p in target.rglob("*") if p.is_dir()), reverse=True):
            folder.chmod(0o555)
        target.chmod(0o555)


def device_line() -> tuple[str, str]:
    """``nvidia-smi``'s one-line summary of the GPU, and its full output."""
    if shutil.which("nvidia-smi") is None:
        return "no nvidia-smi (no NVIDIA GPU: a CPU dry run)", ""
    query = subprocess.run(
        ["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
        capture_output=True, text=True,
    )  # fmt: skip
    full = subprocess.run(["nvidia-smi"], capture_output=True, text=True)
    return query.stdout.strip() or query.stderr.strip(), full.stdout + full.stderr


def first_error(notebook: Path) -> str:
    """The first error output of an executed notebook, shortened."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return ""
    for cell in cells:
        tags = cell.get("metadata", {}).get("tags", [])
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and "raises-exception" not in tags:
                tail = "\n".join(output.get("traceback", [])[-3:])
                return f"{output.get('ename')}: {output.get('evalue')}\n{tail}"[-3000:]
    return ""


def check_chapter(thresholds: dict, record: dict) -> dict:
    """Every rule of one chapter's profile against its record: passed, failed or not run."""
    from companion.book.records import (
        check_thresholds,
        display_only,
        not_run,
        unruled_metrics,
    )

    chapter, profile, results = record["chapter"], record["profile"], record["results"]
    rules = thresholds.get(chapter, {}).get(profile, {})
    skipped = not_run(thresholds, chapter, profile, results)
    verdicts = {}
    for name, rule in rules.items():
        if name in skipped:
            verdict = f"not run: {skipped[name]}"
        else:
            failures = check_thresholds(results, {name: rule})
            verdict = "failed: " + "; ".join(failures) if failures else "passed"
        verdicts[name] = {"rule": rule, "value": results.get(name), "verdict": verdict}
    return {
        "verdicts": verdicts,
        "unruled": unruled_metrics(results, rules, display_only(thresholds, chapter)),
        "shown": {k: results[k] for k in sorted(display_only(thresholds, chapter)) if k in results},
    }


def write_report(out: Path, work: Path, state: dict) -> None:
    """Write the report files into ``out`` from what has finished so far."""
    from companion.book.records import read_metrics, read_thresholds

    with _lock:
        thresholds = read_thresholds(ROOT)
        records = read_metrics(work / "metrics") if (work / "metrics").is_dir() else {}
        chapters = {}
        for chapter, run in state["chapters"].items():
            entry = dict(run)
            record = records.get(chapter)
            if record is not None:
                entry["results"] = record["results"]
                entry["device"] = record.get("device")
                entry["cuda_peak_bytes"] = record.get("cuda_peak_bytes")
                entry["chapter_seconds"] = record["results"].get("seconds")
                if run["status"] == "executed":
                    entry.update(check_chapter(thresholds, record))
            chapters[chapter] = entry
        report = {**{k: v for k, v in state.items() if k != "chapters"}, "chapters": chapters}
        report["wall_seconds"] = round(time.perf_counter() - START, 1)
        report["budget_seconds"] = BUDGET_S
        report["within_budget"] = report["wall_seconds"] <= BUDGET_S
        out.mkdir(parents=True, exist_ok=True)
        text = json.dumps(report, indent=2, sort_keys=True, default=str) + "\n"
        (out / "gpu-report.json").write_text(text, encoding="utf-8")
        (out / "gpu-report.md").write_text(markdown(report), encoding="utf-8")
        with tarfile.open(out / "executed.tar.gz", "w:gz") as tar:
            for folder in ("executed", "metrics"):
                if (work / folder).is_dir():
                    tar.add(work / folder, arcname=folder)


def _count(entry: dict, word: str) -> int:
    return sum(v["verdict"].startswith(word) for v in entry.get("verdicts", {}).values())


def markdown(report: dict) -> str:
    """The report as a reader reads it: one row per chapter, then what failed or did not run."""
    lines = [
        f"# GPU check ({report['profile']} profile)",
        "",
        f"- device: {report['device']}",
        f"- wall time: {report['wall_seconds']} s in all, budget {report['budget_seconds']} s"
        f" ({report['install']})",
        f"- chapters at once: {report['jobs']}, CPU threads each: {report['threads']}",
        f"- environment: {report['environment']}",
        "",
        "| chapter | status | seconds | peak GPU memory (MiB) | passed | failed | not run |"
        " shown |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for chapter, entry in report["chapters"].items():
        peak = entry.get("cuda_peak_bytes")
        shown = ", ".join(f"{k} = {v}" for k, v in entry.get("shown", {}).items())
        lines.append(
            f"| {chapter} | {entry['status']} | {entry.get('chapter_seconds', '')} "
            f"({entry.get('wall_seconds', '')} wall) | "
            f"{'' if peak is None else round(peak / 2**20)} | {_count(entry, 'passed')} | "
            f"{_count(entry, 'failed')} | {_count(entry, 'not run')} | {shown} |"
        )
    for chapter, entry in report["chapters"].items():
        verdicts = entry.get("verdicts", {}).items()
        notes = [
            f"- `{name}` = {v['value']!r}: {v['verdict']}"
            for name, v in verdicts
            if v["verdict"] != "passed"
        ]
        notes += [f"- {problem}" for problem in entry.get("unruled", [])]
        if entry.get("error"):
            notes.append("```\n" + entry["error"] + "\n```")
        if notes:
            lines += ["", f"## {chapter}", "", *notes]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prepared", type=Path, default=ROOT / "_gpu", help="default: _gpu/")
    parser.add_argument(
        "--out", type=Path, default=Path(os.environ.get("OUT") or ROOT / "_build" / "gpu-check"),
        help="the report's folder (default: $OUT, else _build/gpu-check)",
    )  # fmt: skip
    parser.add_argument(
        "--work", type=Path, default=ROOT / "_build" / "gpu-work",
        help="installed wheels, unpacked data, executed notebooks (default: _build/gpu-work)",
    )  # fmt: skip
    parser.add_argument("--profile", default="full", choices=("full", "smoke"))
    parser.add_argument("--only", nargs="*", help="chapters to run (default: all)")
    parser.add_argument("--jobs", type=int, default=0, help="chapters at once (default: all)")
    parser.add_argument(
        "--threads", type=int, default=0, help="CPU threads per chapter (default: shared out)"
    )
    parser.add_argument("--deadline-s", type=float, default=540, help="stop and report then")
    args = parser.parse_args(argv)
    out, work, prepared = args.out.resolve(), args.work.resolve(), args.prepared.resolve()
    work.mkdir(parents=True, exist_ok=True)
    for name in REPORT_FILES:
        (out / name).unlink(missing_ok=True)

    site = work / "site"
    installed = install(prepared, site)
    log(installed)
    sys.path[:0] = [str(site), str(ROOT / "src")]
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(site), str(ROOT / "src")] + [p for p in [os.environ.get("PYTHONPATH")] if p]
    )
    environment = {}
    if (prepared / "data.tar.gz").is_file():
        unpack(prepared / "data.tar.gz", work / "data", read_only=True)
        environment["COMPANION_DATA_DIR"] = str(work / "data")
    if (prepared / "hf.tar.gz").is_file():
        unpack(prepared / "hf.tar.gz", work / "hf", read_only=False)
        environment.update(HF_HOME=str(work / "hf"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    import importlib.util

    if importlib.util.find_spec("tensorflow") is None:
        environment["KERAS_BACKEND"] = "torch"  # the chapters record it (keras_backend)
    log(f"data and model unpacked; environment {environment}")

    from companion.book.pipeline import execute_page, is_notebook, toc_pages
    from companion.book.records import METRICS_ENV

    pages = [
        page
        for page in toc_pages(ROOT)
        if is_notebook(ROOT / page) and "ChapterRun(" in (ROOT / page).read_text(encoding="utf-8")
    ]
    if args.only:
        unknown = set(args.only) - {p.stem for p in pages}
        if unknown:
            parser.error(f"no chapter named {sorted(unknown)}")
        pages = [p for p in pages if p.stem in args.only]
    pages.sort(key=lambda p: -ESTIMATED_SECONDS.get(p.stem, 0))
    jobs = args.jobs or len(pages)
    threads = args.threads or max(1, (os.cpu_count() or 1) // jobs)
    shutil.rmtree(work / "metrics", ignore_errors=True)
    shutil.rmtree(work / "executed", ignore_errors=True)
    environment.update(
        TQDM_DISABLE="1", PYTHONHASHSEED="0", PYTHONUNBUFFERED="1",
        OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
    )  # fmt: skip
    os.environ.update(environment)
    os.environ[METRICS_ENV] = str(work / "metrics")
    device, smi = device_line()
    out.mkdir(parents=True, exist_ok=True)
    (out / "nvidia-smi.txt").write_text(smi or device + "\n", encoding="utf-8")
    state = {
        "profile": args.profile,
        "device": device,
        "install": installed,
        "jobs": jobs,
        "threads": threads,
        "environment": {k: v for k, v in environment.items() if not k.endswith("_DIR")},
        "chapters": {p.stem: {"status": "waiting"} for p in pages},
    }
    log(f"device: {device}; {len(pages)} chapters, {jobs} at once, {threads} threads each")

    def one(page: Path) -> None:
        entry = state["chapters"][page.stem]
        entry["status"] = "running"
        began = time.perf_counter()
        try:
            execute_page(ROOT, page, args.profile, work)
            entry["status"] = "executed"
        except Exception as error:  # a failed chapter is reported, the others go on
            entry["status"] = "failed"
            notebook = work / "executed" / page.with_suffix(".ipynb")
            cause = "".join(traceback.format_exception_only(error.__cause__ or error))
            entry["error"] = first_error(notebook) or cause
        entry["wall_seconds"] = round(time.perf_counter() - began, 1)
        log(f"{page.stem}: {entry['status']} in {entry['wall_seconds']} s")
        write_report(out, work, state)

    pool = ThreadPoolExecutor(max_workers=jobs)
    futures = [pool.submit(one, page) for page in pages]
    deadline = START + args.deadline_s
    while not all(f.done() for f in futures) and time.perf_counter() < deadline:
        time.sleep(1)
    late = [p.stem for p, f in zip(pages, futures, strict=True) if not f.done()]
    for chapter in late:
        state["chapters"][chapter]["status"] = f"stopped at the {args.deadline_s:.0f} s deadline"
    write_report(out, work, state)
    report = json.loads((out / "gpu-report.json").read_text(encoding="utf-8"))
    print((out / "gpu-report.md").read_text(encoding="utf-8"), flush=True)
    ok = report["within_budget"] or args.profile != "full"
    ok = ok and all(
        entry["status"] == "executed" and _count(entry, "failed") == 0
        for entry in report["chapters"].values()
    )
    if late:  # kernels still running: leave without waiting for them
        os._exit(2)
    pool.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
