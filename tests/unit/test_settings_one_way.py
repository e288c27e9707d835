"""Every setting is read through config/settings.py; no other module reads an environment variable itself."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "store", "messaging", "mail", "workers", "producers")
MODULES = sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))
# How errors print is decided before the settings can load (the error may be that they cannot).
ALLOWED = {("producers/cli/main.py", "ENVADMIN_DEBUG")}


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or \
        (isinstance(node, ast.Name) and node.id == "environ")


def _name(node: ast.AST | None) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else "<computed>"


def environment_reads(source: str) -> list[str]:
    """The variables a source reads from the environment: os.environ.get / [...] / `in`, os.getenv."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if (node.func.attr == "get" and _is_environ(node.func.value)) or node.func.attr == "getenv":
                found.append(_name(node.args[0] if node.args else None))
        elif isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.ctx, ast.Load):
            found.append(_name(node.slice))
        elif isinstance(node, ast.Compare) and any(_is_environ(c) for c in node.comparators):
            found.append(_name(node.left))
    return found


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_only_the_settings_read_the_environment(path):
    where = str(path.relative_to(ROOT))
    assert [name for name in environment_reads(path.read_text()) if (where, name) not in ALLOWED] == []


@pytest.mark.parametrize("source", ['import os\nos.environ.get("ENVADMIN_API_TOKEN")\n',
                                    'import os\nos.getenv("ENVADMIN_API_TOKEN", "")\n',
                                    'import os\nx = os.environ["ENVADMIN_API_TOKEN"]\n',
                                    'from os import environ\nif "ENVADMIN_API_TOKEN" in environ: pass\n'])
def test_the_check_sees_a_variable_read(source):
    assert environment_reads(source) == ["ENVADMIN_API_TOKEN"]


def test_handing_the_environment_on_to_a_child_process_is_not_a_read():
    assert environment_reads('import os\nenv = {**os.environ, "ENVADMIN_QUEUE": "q"}\n') == []
