"""Fixtures of the split acceptance tests: a real SMTP server per deployment, the deployments
themselves (real processes, separate databases), and the precise reason to skip while the contexts
the split needs still call each other in-process."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from tests.split.harness import SPLIT_CONTEXTS, Deployment, SmtpServer

ROOT = Path(__file__).resolve().parents[2]
STUDENTS_COMPARED = 4  # enrolled in both deployments and compared
STUDENTS_KILLED = 6  # enrolled while grades is killed (split deployment only)


def _contract_contexts_imported(paths: list[Path]) -> set[str]:
    """The contexts whose `contracts` module the given files import."""
    found: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] == "apps" and len(parts) == 3 and parts[2] == "contracts":
                    found.add(parts[1])
                elif parts[0] == "apps" and len(parts) == 2 and any(a.name == "contracts" for a in node.names):
                    found.add(parts[1])
    return found


def not_yet_splittable() -> list[str]:
    """Contexts the split deployment needs as Contract interfaces that are still plain modules of
    functions (always called in-process). Needed: the split-out contexts themselves and every context
    whose contract the enrollment saga or the split-out contexts' code calls. `auth` is left out: its
    contract is the role rules, evaluated in each process from the caller's principal."""
    from prs1.rpc import contract_interfaces

    files = [ROOT / "apps" / "enrollment" / "sagas.py"]
    for context in SPLIT_CONTEXTS:
        files += sorted((ROOT / "apps" / context).glob("*.py"))
    needed = (_contract_contexts_imported(files) | set(SPLIT_CONTEXTS)) - {"auth"}
    interfaces = {interface.context for interface in contract_interfaces()}
    return sorted(needed - interfaces)


def require_splittable() -> None:
    missing = not_yet_splittable()
    if missing:
        pytest.skip(f"the split needs these contexts' contracts as Contract interfaces (common.contracts); "
                    f"still plain in-process modules: {', '.join(missing)}")
    if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        pytest.skip("needs the Kafka-wire broker started by scripts/test.sh (KAFKA_BOOTSTRAP_SERVERS)")


@pytest.fixture(scope="module")
def split_deployment():
    """Grades and notifications as services of their own beside the monolith (shared by the tests of
    the module: the second one enrols other students)."""
    require_splittable()
    with SmtpServer() as smtp:
        deployment = Deployment(split=True, students=STUDENTS_COMPARED + STUDENTS_KILLED, smtp_port=smtp.port)
        deployment.smtp = smtp.recorder
        deployment.start()
        try:
            yield deployment
        finally:
            deployment.stop()


@pytest.fixture
def monolith_deployment():
    """The same processes and environment, one database, nothing remote."""
    require_splittable()
    with SmtpServer() as smtp:
        deployment = Deployment(split=False, students=STUDENTS_COMPARED + STUDENTS_KILLED, smtp_port=smtp.port)
        deployment.smtp = smtp.recorder
        deployment.start()
        try:
            yield deployment
        finally:
            deployment.stop()
