"""The import contracts are real: a forbidden import in a scratch copy of the tree breaks them."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps as django_apps

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy_tree(tmp_path: Path) -> Path:
    for name in ("apps", "events", "common", "prs1"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True, text=True,
                          env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, timeout=120)


def test_the_tree_keeps_its_import_contracts(tmp_path):
    result = _lint(_copy_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("forbidden", ["apps.users.models", "apps.users.admin", "apps.auth.apps"])
def test_a_context_importing_another_contexts_internals_breaks_the_contracts(tmp_path, forbidden):
    tree = _copy_tree(tmp_path)
    (tree / "apps" / "grades" / "violation.py").write_text(f"import {forbidden}  # noqa\n")
    result = _lint(tree)
    assert result.returncode != 0
    assert "contracts and events BROKEN" in result.stdout


def test_importing_kafka_outside_events_breaks_the_contracts(tmp_path):
    tree = _copy_tree(tmp_path)
    (tree / "apps" / "grades" / "violation.py").write_text("import confluent_kafka  # noqa\n")
    result = _lint(tree)
    assert result.returncode != 0
    assert "Only events/ imports confluent_kafka BROKEN" in result.stdout


@pytest.mark.parametrize("forbidden", ["apps.grades.models", "apps.users.contract_impl", "apps.academic.selectors"])
def test_an_interface_importing_an_implementation_breaks_the_contracts(tmp_path, forbidden):
    """Contexts may call each other's interfaces in a cycle (auth ↔ users) only because interfaces import
    no implementation."""
    tree = _copy_tree(tmp_path)
    interface = tree / "apps" / "users" / "contracts.py"
    interface.write_text(interface.read_text() + f"\nimport {forbidden}  # noqa\n")
    result = _lint(tree)
    assert result.returncode != 0
    assert "Contract interfaces import no implementation BROKEN" in result.stdout


def test_an_interface_importing_a_web_framework_breaks_the_contracts(tmp_path):
    tree = _copy_tree(tmp_path)
    interface = tree / "apps" / "grades" / "contracts.py"
    interface.write_text(interface.read_text() + "\nimport rest_framework.permissions  # noqa\n")
    result = _lint(tree)
    assert result.returncode != 0
    assert "Contract interfaces import no web framework BROKEN" in result.stdout


def test_no_interface_imports_django_db():
    """import-linter forbids only whole external packages: check the interfaces' imports for django.db here."""
    offenders = []
    for interface in sorted((ROOT / "apps").glob("*/contracts.py")):
        for node in ast.walk(ast.parse(interface.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module == "django":
                names += [f"django.{alias.name}" for alias in node.names]
            offenders += [f"{interface.parent.name}: {name}" for name in names
                          if name == "django.db" or name.startswith("django.db.")]
    assert offenders == []


def test_events_importing_a_context_breaks_the_contracts(tmp_path):
    tree = _copy_tree(tmp_path)
    (tree / "events" / "violation.py").write_text("import apps.users.contracts  # noqa\n")
    assert _lint(tree).returncode != 0


def test_no_model_relates_to_another_contexts_model():
    """import-linter cannot see string foreign keys: check the model graph itself."""
    offenders = []
    for model in django_apps.get_models():
        module = model.__module__
        if not module.startswith("apps."):
            continue
        context = module.split(".")[1]
        for field in model._meta.get_fields():
            related = getattr(field, "related_model", None)
            if related is None or not getattr(field, "concrete", False):
                continue
            related_module = related.__module__
            if related_module.startswith("apps.") and related_module.split(".")[1] != context:
                offenders.append(f"{model.__name__}.{field.name} -> {related.__name__}")
    assert offenders == []
