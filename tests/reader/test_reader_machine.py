"""A reader's machine: a fresh virtual environment, built from requirements.txt alone, runs
a generated notebook end to end in the smoke profile, and the tests that read data pass
in a copy of the repository that has nothing beside it.

Only torch is held to the version in ``constraints.txt`` (the CPU build CI
tests with), because the newest torch on PyPI is a multi-GB CUDA build; every
other package is whatever ``requirements.txt`` resolves to today.

The venv lives in ``_build/reader-venv`` and is reused while ``requirements.txt``
(and the interpreter) stay the same, checked by a hash stamp; a change rebuilds
it from nothing, as a fresh clone in CI always does. The package itself is
reinstalled from this checkout on every run, without its dependencies, so
anything a chapter needs that ``requirements.txt`` lacks fails here.

Built with pip, or with uv where ``UV`` is set (CI sets it: the same resolution of
requirements.txt in a quarter of the time). Slow the first time (it installs torch,
TensorFlow, Jupyter Book, ...), so the
unit tests leave it out: run it with ``make reader-check``.
"""

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import nbformat

from companion.data import data_dir

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / "_build" / "reader-venv"
STAMP = VENV / ".requirements.sha256"
BIN = VENV / "bin"
NOTEBOOK = ROOT / "notebooks" / "losses.ipynb"  # the fastest chapter
KERNEL = "reader-venv"
BASE_PYTHON = os.environ.get("PYTHON", "python3")  # the Makefile's name for it
UV = os.environ.get("UV", "").split()  # CI sets UV to uv's executable; a reader has pip


def _run(step: str, command: list, **kwargs) -> None:
    start = time.perf_counter()
    print(f"\n[reader-check] {step} ...", flush=True)
    subprocess.run([str(c) for c in command], check=True, **kwargs)
    print(f"[reader-check] {step}: {time.perf_counter() - start:.1f} s", flush=True)


def _stamp() -> str:
    interpreter = subprocess.run(
        [BASE_PYTHON, "-c", "import sys; print(sys.version)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = (ROOT / "requirements.txt").read_bytes() + interpreter.encode()
    return hashlib.sha256(data).hexdigest()


def _pinned(package: str) -> str:
    """Return ``package``'s line in constraints.txt (``name==version``)."""
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.split("==")[0].strip().lower() == package:
            return line.strip()
    raise LookupError(f"constraints.txt pins no version of {package}")


def _reader_venv(scratch: Path) -> None:
    """Create or reuse the venv; always reinstall the package from this checkout."""
    stamp = _stamp()
    if STAMP.is_file() and STAMP.read_text() == stamp and (BIN / "python").exists():
        print(f"[reader-check] reusing {VENV.relative_to(ROOT)} (requirements.txt unchanged)")
    else:
        shutil.rmtree(VENV, ignore_errors=True)
        if UV:  # CI: uv resolves requirements.txt as pip does, in a quarter of the time
            _run("create the venv", [*UV, "venv", "-q", "--seed", "--python", BASE_PYTHON, VENV])
            install = [*UV, "pip", "install", "--python", BIN / "python"]
        else:
            _run("create the venv", [BASE_PYTHON, "-m", "venv", VENV])
            install = [BIN / "python", "-m", "pip", "--disable-pip-version-check", "install"]
            _run("upgrade pip", [*install, "-q", "--upgrade", "pip"])
        # requirements.txt asks for torch>=2.3, and the newest torch on PyPI is a
        # multi-GB CUDA build; a reader picks the build for their machine, and
        # CI's machine has no GPU, so only torch is held to the CPU build CI pins.
        torch_pin = scratch / "torch-build.txt"
        torch_pin.write_text(_pinned("torch") + "\n")
        _run(
            "install requirements.txt",
            [*install, "-q", "-r", ROOT / "requirements.txt", "-c", torch_pin],
        )
        _run(
            "register the venv's kernel",
            [BIN / "python", "-m", "ipykernel", "install", "--prefix", VENV, "--name", KERNEL],
        )
        STAMP.write_text(stamp)
    # From a copy: setuptools builds in the source tree and would leave build/ in the checkout.
    source = scratch / "package"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "src", source / "src", ignore=ignore)
    _run(
        "install the package (no dependencies)",
        [BIN / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "--no-deps", "--force-reinstall", source],
    )  # fmt: skip


def _reader_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    # Metrics go to a scratch folder, never into the book's _build/metrics.
    env["COMPANION_METRICS_DIR"] = str(tmp_path / "metrics")
    return env


def test_a_fresh_venv_from_requirements_runs_a_generated_notebook(tmp_path):
    assert NOTEBOOK.is_file(), f"{NOTEBOOK} is missing: run `make notebooks`"
    start = time.perf_counter()
    _reader_venv(tmp_path)
    env = _reader_env(tmp_path)
    where = subprocess.run(
        [BIN / "python", "-c", "import companion; print(companion.__file__)"],
        capture_output=True, text=True, check=True, env=env, cwd=tmp_path,
    ).stdout.strip()  # fmt: skip
    assert Path(where).is_relative_to(VENV), f"companion came from {where}, not the reader venv"

    executed = tmp_path / NOTEBOOK.name
    _run(
        f"execute {NOTEBOOK.relative_to(ROOT)} (smoke) with papermill",
        [BIN / "python", "-m", "papermill", NOTEBOOK, executed, "-p", "PROFILE", "smoke",
         "-k", KERNEL, "--cwd", tmp_path, "--no-progress-bar"],
        env=env,
    )  # fmt: skip
    notebook = nbformat.read(executed, as_version=4)
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, f"cells raised: {[e.ename for e in errors]}"
    injected = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'PROFILE = "smoke"' in injected[0].source
    # Every cell ran, and the chapter's checks printed what the page shows.
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "a cell did not run"
    printed = "".join(o.get("text", "") for c in code for o in c.get("outputs", []))
    assert "largest difference from autograd" in printed
    # A reader's notebook records nothing: the test harness is not in it.
    assert not (tmp_path / "metrics").exists()
    print(f"\n[reader-check] total: {time.perf_counter() - start:.1f} s", flush=True)


def _tracked_copy(destination: Path) -> Path:
    """Copy the files git tracks (a fresh clone's work tree) to ``destination``."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for name in filter(None, files):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return destination


# The tests that read data files or a pre-trained model: on a reader's machine these
# are the ones that find (or fetch) what they need, never a folder beside the clone.
# tests/test_tests_read_no_prefilled_folder.py checks that no other test looks there.
DATA_TESTS = ("tests/data", "tests/test_pretrained.py")


def test_the_data_tests_pass_in_a_clone_without_a_prefilled_folder_beside_it(tmp_path):
    """What a reader gets: a clone on its own, and a data cache of its own.

    The cache is a writable copy of whatever cache this run uses (CI's is
    pre-filled and read-only), as it stands after a reader's first run; with
    ``HF_HUB_OFFLINE`` and no internet, a test that still looked for data
    beside the repository, or downloaded, would fail here.
    """
    _reader_venv(tmp_path)
    clone = _tracked_copy(tmp_path / "alone" / "book")
    assert list(clone.parent.iterdir()) == [clone]  # nothing beside the clone
    cache = tmp_path / "cache"
    if data_dir().is_dir():
        shutil.copytree(data_dir(), cache)
        for folder in (cache, *(p for p in cache.rglob("*") if p.is_dir())):
            folder.chmod(0o755)  # a reader's own cache is writable
    env = {**_reader_env(tmp_path), "COMPANION_DATA_DIR": str(cache), "HF_HUB_OFFLINE": "1"}
    _run(
        "the tests that read data, in a clone without a pre-filled folder beside it",
        [BIN / "python", "-m", "pytest", *DATA_TESTS, "-q", "-p", "no:cacheprovider"],
        env=env, cwd=clone,
    )  # fmt: skip
