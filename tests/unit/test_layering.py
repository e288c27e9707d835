"""The top-level packages depend in one direction: producers → workers → store → domain.

config (settings) and messaging (the broker side of the wire) are shared below workers and producers.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "config", "store", "messaging", "workers", "producers")
MAY_IMPORT = {
    "domain": set(),
    "config": set(),
    "store": {"domain", "config"},
    "messaging": {"domain", "config"},
    "workers": {"domain", "config", "store", "messaging"},
    "producers": {"domain", "config", "store", "messaging", "workers"},
}
MODULES = sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def own_packages_imported(source: str) -> set[str]:
    """The envadmin top-level packages a source file imports, at module level or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "imports are absolute"
            found.add((node.module or "").split(".")[0])
    return found & set(PACKAGES)


def test_the_design_card_folders_are_at_the_top_of_the_repository():
    assert all((ROOT / package / "__init__.py").is_file() for package in PACKAGES)
    assert not (ROOT / "envadmin").exists()


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_a_module_imports_only_the_layers_below_it(path):
    package = path.relative_to(ROOT).parts[0]

    assert own_packages_imported(path.read_text()) - {package} <= MAY_IMPORT[package]


@pytest.mark.parametrize("source", ["from workers.celery_app import create_app", "import producers.services.client",
                                    "def f():\n    from producers.demo.story import run_demo\n"])
def test_the_layer_check_sees_an_upward_import(source):
    assert own_packages_imported(source) - MAY_IMPORT["store"] - {"store"}


def test_a_relative_import_is_refused():
    with pytest.raises(AssertionError):
        own_packages_imported("from ..workers import app")
