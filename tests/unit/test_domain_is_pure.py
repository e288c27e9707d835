"""The domain knows nothing of the database, the broker or the programs around it."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import domain

DOMAIN_DIR = Path(domain.__file__).parent
DOMAIN_PACKAGE = "domain"
FORBIDDEN = ("sqlalchemy", "alembic", "psycopg", "celery", "kombu", "redis",
             "store", "workers", "producers", "messaging", "config")
MODULES = sorted(DOMAIN_DIR.glob("*.py"))


def imported_modules(source: str, package: str = DOMAIN_PACKAGE) -> set[str]:
    """Every module a source file imports, relative imports resolved against its package."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            # `from domain import model` imports domain.model too
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def forbidden(modules: set[str]) -> set[str]:
    return {m for m in modules for bad in FORBIDDEN if m == bad or m.startswith(bad + ".")}


def test_every_domain_module_is_checked():
    names = {path.name for path in MODULES}

    assert {"model.py", "commands.py", "validation.py", "events.py", "errors.py", "ports.py",
            "handlers.py", "passwords.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_a_domain_module_imports_no_infrastructure(path):
    assert forbidden(imported_modules(path.read_text())) == set()


@pytest.mark.parametrize("source", [
    "import sqlalchemy",
    "from sqlalchemy.orm import Session",
    "import celery.app",
    "from kombu import Queue",
    "import redis as r",
    "from store.repository import SqlRepository",
    "import workers.celery_app",
    "from producers import client",
    "from messaging.broker import publish_batch",
    "from config.settings import Settings",
    "from store import tables as t",
    "def f():\n    import kombu\n",
])
def test_the_import_check_catches_every_way_of_importing(source):
    assert forbidden(imported_modules(source)) != set()


def test_the_import_check_allows_the_domain_own_imports():
    assert forbidden(imported_modules("from domain import commands as c\nfrom domain.model import User\n"
                                      "import pydantic\nfrom argon2 import PasswordHasher")) == set()


def test_importing_the_domain_loads_no_infrastructure():
    names = [f"{DOMAIN_PACKAGE}.{p.stem}" for p in MODULES if p.stem != "__init__"]
    probe = (f"import sys\nfor n in {names!r}: __import__(n)\n"
             f"print('\\n'.join(m for m in sys.modules if m.startswith({FORBIDDEN!r})))")

    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert forbidden(set(loaded.stdout.split())) == set()
