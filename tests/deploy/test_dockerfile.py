"""The Dockerfile's steps, checked without a Docker engine: multi-stage, production requirements only,
COPY sources that exist, collectstatic, a healthcheck and a non-root user at the end."""

from __future__ import annotations

import shlex

from tests.deploy.helpers import DEPLOY, ROOT, dockerfile_instructions

INSTRUCTIONS = dockerfile_instructions(DEPLOY / "Dockerfile")


def stages():
    result, current = [], None
    for instruction, args in INSTRUCTIONS:
        if instruction == "FROM":
            current = {"from": args, "steps": []}
            result.append(current)
        elif current is not None:
            current["steps"].append((instruction, args))
    return result


def test_the_image_is_built_in_two_stages_and_the_final_one_installs_wheels_from_requirements_txt_only():
    builder, final = stages()
    assert " AS builder" in builder["from"] and final["from"].startswith("python:3.11-slim")
    runs = " ".join(args for instruction, args in final["steps"] if instruction == "RUN")
    assert "-r requirements.txt" in runs and "--no-index" in runs
    assert not [args for _, args in INSTRUCTIONS if "requirements-dev" in args]
    assert "pip wheel" in " ".join(args for instruction, args in builder["steps"] if instruction == "RUN")


def test_every_copied_path_exists_and_no_test_or_dev_file_is_copied():
    copied = []
    for instruction, args in INSTRUCTIONS:
        if instruction != "COPY" or "--from=" in args:
            continue
        parts = [p for p in shlex.split(args) if not p.startswith("--")]
        copied.extend(parts[:-1])
    assert copied
    for source in copied:
        assert (ROOT / source).exists(), f"COPY {source}: no such path in the repository"
        assert not source.startswith(("tests", "bench", "requirements-dev", ".venv", ".")), source


def test_the_container_runs_as_a_non_root_user_with_a_healthcheck_and_collected_static_files():
    final = stages()[-1]
    users = [args for instruction, args in final["steps"] if instruction == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    last_user_index = max(i for i, (instruction, _) in enumerate(final["steps"]) if instruction == "USER")
    assert not [i for i, (instruction, _) in enumerate(final["steps"]) if instruction == "RUN" and i > last_user_index]
    assert any(instruction == "HEALTHCHECK" for instruction, _ in final["steps"])
    assert any("collectstatic" in args for instruction, args in final["steps"] if instruction == "RUN")
    healthcheck = next(args for instruction, args in final["steps"] if instruction == "HEALTHCHECK")
    assert "deploy/healthcheck.py" in healthcheck
    cmd = [args for instruction, args in final["steps"] if instruction == "CMD"][-1]
    assert "deploy/gunicorn.conf.py" in cmd and (DEPLOY / "gunicorn.conf.py").exists()
