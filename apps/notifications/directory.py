"""What notifications needs to know about people, sections and schools — asked through the
owning contexts' contracts (docs/CONTRACTS.md), never their models.

The imports are local to each function so the contracts are resolved at call time (one seam,
easy to replace with an RPC client once a context is split out).

Every lookup of school-owned data carries the caller's scope (`common.tenancy.Scope`): a person or
section of a school the scope does not reach is answered like an unknown one (None / empty).
"""

from __future__ import annotations

from typing import Any

from common.tenancy import Scope


def get_user(user_id: int, *, scope: Scope) -> Any | None:
    import apps.users.contracts as users

    return users.get_user(scope=scope, user_id=user_id)


def get_users(user_ids: list[int], *, scope: Scope) -> dict[int, Any]:
    import apps.users.contracts as users

    return users.get_users(scope=scope, user_ids=list(user_ids)) if user_ids else {}


def guardians_of(student_id: int, *, scope: Scope) -> list[Any]:
    import apps.users.contracts as users

    return list(users.guardians_of(scope=scope, student_id=student_id))


def guardians_of_students(student_ids: list[int], *, scope: Scope) -> dict[int, list[Any]]:
    import apps.users.contracts as users

    return users.guardians_of_students(scope=scope, student_ids=list(student_ids)) if student_ids else {}


def get_section(section_id: int, *, scope: Scope) -> Any | None:
    import apps.academic.contracts as academic

    return academic.get_section(scope=scope, section_id=section_id)


def section_student_ids(section_id: int, *, scope: Scope) -> list[int]:
    import apps.academic.contracts as academic

    return list(academic.section_student_ids(scope=scope, section_id=section_id))


def get_course(course_id: int, *, scope: Scope) -> Any | None:
    import apps.academic.contracts as academic

    return academic.get_course(scope=scope, course_id=course_id)


def get_institution(institution_id: int | None) -> Any | None:
    if institution_id is None:
        return None
    import apps.institution.contracts as institution

    return institution.get_institution(institution_id=institution_id)


def institution_channels(institution_id: int | None) -> frozenset[str]:
    """Channels the school has enabled, upper-cased to our Channel values. No school: all."""
    if institution_id is None:
        return frozenset({"EMAIL", "SMS", "INAPP"})
    import apps.institution.contracts as institution

    return frozenset(c.upper() for c in institution.notification_channels(institution_id=institution_id))
