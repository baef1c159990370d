"""A Python environment that has what the GPU machine's image has, and nothing else.

For the CPU dry run of `make gpu-check` (``tests/test_gpu_check.py``): a fresh
virtual environment (no system site-packages) whose site-packages links, from
an existing environment (the project's ``.venv``), only the distributions that
``gpu_image.txt`` lists. Keras, the Jupyter machinery, pooch, mlxtend and
TensorFlow are missing from it as they are from the GPU machine, so the dry run
must install them from the prepared wheels, as the GPU run does. (The versions
are this machine's, and torch is its CPU build; the GPU machine has its own.)

    python tools/gpu/emulate.py /tmp/gpu-like-env   # then /tmp/gpu-like-env/bin/python
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from collections import defaultdict
from importlib import metadata
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from prepare import gpu_image, normalise  # noqa: E402


def _owners(site: Path) -> dict[PurePosixPath, set[str]]:
    """Each top-level and second-level entry of ``site``, with the distributions owning it."""
    owners: dict[PurePosixPath, set[str]] = defaultdict(set)
    for dist in metadata.distributions(path=[str(site)]):
        name = normalise(dist.metadata["Name"])
        for file in dist.files or ():
            parts = PurePosixPath(file).parts
            if not parts or parts[0] == ".." or parts[0] == "__pycache__":
                continue
            owners[PurePosixPath(parts[0])].add(name)
            if len(parts) >= 2:
                owners[PurePosixPath(*parts[:2])].add(name)
    return owners


def build(target: Path, source_site: Path | None = None) -> Path:
    """Create the environment at ``target`` and return its Python executable."""
    source_site = Path(source_site or sysconfig.get_paths()["purelib"])
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", "--clear", str(target)], check=True)
    python = target / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )  # fmt: skip
    allowed = gpu_image()
    owners = _owners(source_site)
    for entry, names in sorted(owners.items()):
        if len(entry.parts) != 1 or not names & allowed:
            continue
        if names <= allowed:  # the whole entry belongs to the image's packages
            os.symlink(source_site / entry, site / entry)
            continue
        # shared with a package the image lacks (a namespace folder): link its parts
        (site / entry).mkdir()
        for child, child_names in owners.items():
            if len(child.parts) == 2 and child.parts[0] == entry.name and child_names <= allowed:
                os.symlink(source_site / child, site / child)
    return python


if __name__ == "__main__":
    print(build(Path(sys.argv[1]).resolve()))
