"""Static rules for the dl_helpers package (see shared STYLE.md): modules use each other's public names only."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dl_helpers"
MODULES = sorted(PACKAGE.rglob("*.py"))

#: Private names still imported across modules, to be made public by the modules' maintainers.
#: (module, imported name); remove an entry once fixed -- the test then keeps it fixed.
PENDING = {
    ("live_plots.py", "_check_bounds"),
    *((f"checks/{m}.py", "_report") for m in ("_answers", "activations", "backprop", "initialization",
                                               "losses", "mlp", "optimizers", "perceptron",
                                               "refresher")),
    *((f"checks/{m}.py", "_compare") for m in ("backprop", "losses", "mlp", "optimizers",
                                                "refresher")),
}


def _private_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [alias.name for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level > 0
            for alias in node.names if alias.name.startswith("_")]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_private_names_imported_from_other_modules(path):
    rel = str(path.relative_to(PACKAGE))
    bad = [name for name in _private_imports(path) if (rel, name) not in PENDING]
    assert not bad, f"{rel} imports private names of another module: {bad}"
