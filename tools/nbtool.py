"""Notebook maintenance: execute, keep only checked outputs, normalise metadata.

Usage (from the repository root, with the project venv)::

    .venv/bin/python tools/nbtool.py finalize lecture_nb/01_perceptron.ipynb   # run + strip
    .venv/bin/python tools/nbtool.py strip    lecture_nb/*.ipynb               # strip only
    .venv/bin/python tools/nbtool.py run      lecture_nb/01_perceptron.ipynb   # run, report time

``finalize`` executes the notebook in a fresh ``python3`` kernel (working directory
``lecture_nb/``), fails on the first error, then removes every output except those of cells
tagged ``nbval-check-output`` (which nbval compares), clears execution counts of the
others and sets the kernelspec to ``python3``. It prints the wall time of the run.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CHECK_TAG = "nbval-check-output"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def is_checked(cell) -> bool:
    return cell.cell_type == "code" and CHECK_TAG in cell.metadata.get("tags", [])


def strip(nb) -> None:
    """Remove outputs except of checked cells; normalise metadata (in place)."""
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        if is_checked(cell):
            cell.outputs = [o for o in cell.outputs if o.get("output_type") != "display_data"
                            or "text/plain" in o.get("data", {})]
            for o in cell.outputs:
                o.pop("metadata", None) if o.get("output_type") == "stream" else None
        else:
            cell.outputs = []
            cell.execution_count = None


def run(nb, path: Path, timeout: int = 600) -> float:
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in {"finalize", "strip", "run"}:
        print(__doc__)
        return 2
    cmd, paths = argv[0], [Path(p) for p in argv[1:]]
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if cmd in {"finalize", "run"}:
            seconds = run(nb, path)
            print(f"{path}: executed in {seconds:.1f} s")
        if cmd in {"finalize", "strip"}:
            strip(nb)
            nbformat.validate(nb)
            nbformat.write(nb, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
