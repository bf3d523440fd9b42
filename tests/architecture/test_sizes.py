"""The shared package stays readable: modules a reader can hold in their head, functions that fit on a
screen, and no function with more paths through it than a test can walk."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from radon.complexity import cc_visit

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "common" / "peer_support"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60
MAX_COMPLEXITY = 15


def name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


@pytest.mark.parametrize("path", MODULES, ids=name)
def test_no_module_is_over_300_lines(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= MAX_MODULE_LINES


@pytest.mark.parametrize("path", MODULES, ids=name)
def test_no_function_is_over_60_lines(path: Path) -> None:
    long = [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


@pytest.mark.parametrize("path", MODULES, ids=name)
def test_no_function_is_more_complex_than_15(path: Path) -> None:
    # radon's cyclomatic complexity, as `radon cc` reports it.
    tangled = [
        (block.name, block.complexity)
        for block in cc_visit(path.read_text())
        if block.complexity > MAX_COMPLEXITY
    ]
    assert tangled == []


def test_every_folder_is_a_package_whose_init_imports_nothing() -> None:
    # An import in an `__init__.py` would be paid by every function that imports anything below it.
    assert len(MODULES) > 50
    for folder in {module.parent for module in MODULES}:
        body = ast.parse((folder / "__init__.py").read_text()).body
        assert all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) for node in body)
