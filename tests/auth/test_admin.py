"""The read-only role → permission matrix in the admin."""

import pytest

from apps.auth.admin import role_matrix_rows
from apps.auth.contracts import ALL_PERMISSIONS
from tests.users.factories import StaffFactory, TeacherFactory

pytestmark = pytest.mark.django_db


def test_staff_see_the_role_matrix(client):
    client.force_login(StaffFactory(user_type="DIRECTOR"))

    response = client.get("/admin/iam/role-permissions/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "events.operate" in html and "PSYCHOLOGIST" in html
    assert html.count("<tr>") == len(ALL_PERMISSIONS) + 1


def test_non_staff_are_sent_to_the_admin_login(client):
    client.force_login(TeacherFactory())

    response = client.get("/admin/iam/role-permissions/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_matrix_marks_exactly_the_granted_cells():
    roles, rows = role_matrix_rows()
    welfare = next(row for row in rows if row["permission"] == "welfare.read")

    assert dict(zip(roles, welfare["cells"], strict=True)) == {role: role == "PSYCHOLOGIST" for role in roles}


def test_the_documented_matrix_is_the_one_in_the_code():
    from pathlib import Path

    from apps.auth.contracts import ROLE_PERMISSIONS

    lines = (Path(__file__).resolve().parents[2] / "docs" / "auth.md").read_text().splitlines()
    header = next(line for line in lines if line.startswith("| permission |"))
    roles = [cell.strip() for cell in header.strip("|").split("|")][1:]
    documented = {}
    for line in lines:
        if line.startswith("| `") and line.count("|") == len(roles) + 2:
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            documented[cells[0].strip("`")] = {role for role, mark in zip(roles, cells[1:], strict=True) if mark}

    assert roles == list(ROLE_PERMISSIONS)
    assert documented == {permission: {role for role in roles if permission in ROLE_PERMISSIONS[role]}
                          for permission in ALL_PERMISSIONS}
