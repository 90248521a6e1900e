"""`make test` refuses to start, with a one-line reason, when PostgreSQL or Redis is unreachable."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("variable", "url", "reason"), [
    ("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:1/postgres", "PostgreSQL is not reachable"),
    ("TEST_REDIS_URL", "redis://127.0.0.1:1/0", "Redis is not reachable"),
])
def test_the_test_stack_names_the_missing_service_in_one_line(variable, url, reason):
    result = subprocess.run(["bash", "-c", "source scripts/stack.sh"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, variable: url}, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0], result.stderr
