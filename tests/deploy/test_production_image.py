"""The production image runs from requirements.txt alone (issue: lean, safe images). No Docker engine on
the test machines, so the image's steps run in a fresh venv instead: install requirements.txt only, check
that no dev-only package came with it, collectstatic, and `manage.py check --deploy` with production
settings (scripts/check_image.sh, also `make check-image`)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_a_fresh_venv_with_requirements_txt_alone_passes_check_deploy():
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PRS1_", "DJANGO_", "SECRET_KEY", "JWT_SECRET"))}
    result = subprocess.run(["bash", str(ROOT / "scripts" / "check_image.sh")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "check --deploy passed" in result.stdout
    assert "System check identified no issues" in result.stdout + result.stderr
