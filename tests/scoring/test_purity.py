"""tracker.scoring stays pure: standard library, PyYAML and its own modules only."""

import ast
import sys
from pathlib import Path

import pytest

import tracker.scoring

PACKAGE = Path(tracker.scoring.__file__).resolve().parent
MODULES = sorted(PACKAGE.glob("*.py"))


def imported_names(path):
    """Absolute module names a file imports (relative imports stay inside the package)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def allowed(name):
    top = name.split(".")[0]
    if top == "tracker":
        return name == "tracker.scoring" or name.startswith("tracker.scoring.")
    return top in sys.stdlib_module_names or top == "yaml"


def test_the_package_has_modules_to_check():
    assert len(MODULES) > 5


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_scoring_module_imports_only_stdlib_yaml_and_scoring(path):
    bad = [name for name in imported_names(path) if not allowed(name)]
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("name", ["flask", "flask_babel", "sqlalchemy", "werkzeug", "tracker.models",
                                  "tracker.extensions", "tracker"])
def test_purity_check_refuses_framework_and_app_imports(name):
    assert not allowed(name)
