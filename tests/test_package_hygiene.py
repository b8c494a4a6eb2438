"""Static rules for the dl_helpers package (see shared STYLE.md): modules use each other's public
names only; twins are named ``name`` / ``name_torch``."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dl_helpers"
MODULES = sorted(PACKAGE.rglob("*.py"))


def _private_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [alias.name for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level > 0
            for alias in node.names if alias.name.startswith("_")]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_private_names_imported_from_other_modules(path):
    rel = str(path.relative_to(PACKAGE))
    bad = _private_imports(path)
    assert not bad, f"{rel} imports private names of another module: {bad}"


def _torch_prefixed_names(path: Path) -> list[str]:
    """Module-level functions/classes/constants and class fields named ``torch_*``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
        if isinstance(node, ast.ClassDef):
            names += [f"{node.name}.{item.target.id}" for item in node.body
                      if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)]
    return [n for n in names if n.split(".")[-1].startswith("torch_")]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_torch_twins_are_named_with_a_suffix(path):
    bad = _torch_prefixed_names(path)
    assert not bad, (f"{path.relative_to(PACKAGE)}: twins are named name / name_torch, "
                     f"not torch_name: {bad}")
