"""Benchmark runner: ``python -m benchmarks`` (or ``make bench``).

Every module ``benchmarks/bench_*.py`` defines ``run() -> dict[str, Result]``. The runner
calls them in one process, prints a table and writes ``_build/bench.json`` as
``{name: {"value": float, "unit": str, "goal": float, "ok": bool}}``. Ratios are always measured
side by side in the same run (e.g. NumPy time / torch time), never against stored numbers.
``python -m benchmarks NAME`` runs only modules whose name contains NAME.
"""
from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path

from ._common import Result

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    pattern = argv[0] if argv else ""
    results: dict[str, Result] = {}
    for mod in sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])):
        if mod.startswith("bench_") and pattern in mod:
            results.update(importlib.import_module(f"benchmarks.{mod}").run())
    if not results:
        print(f"no benchmark matches {pattern!r}")
        return 1
    width = max(map(len, results))
    print(f"{'benchmark':<{width}}  {'value':>10}  {'unit':<8} {'goal':>8}  ok")
    for name, r in results.items():
        print(f"{name:<{width}}  {r.value:>10.3f}  {r.unit:<8} {r.goal:>8.3g}  {'yes' if r.ok else 'NO'}")
    out = ROOT / "_build" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({k: r.as_dict() for k, r in results.items()}, indent=2))
    print(f"written: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
