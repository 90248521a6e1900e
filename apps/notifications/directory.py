"""What notifications needs to know about people, sections and schools — asked through the
owning contexts' contracts (docs/CONTRACTS.md), never their models.

The imports are local to each function so the contracts are resolved at call time (one seam,
easy to replace with an RPC client once a context is split out).
"""

from __future__ import annotations

from typing import Any


def get_user(user_id: int) -> Any | None:
    import apps.users.contracts as users

    return users.get_user(user_id=user_id)


def get_users(user_ids: list[int]) -> dict[int, Any]:
    import apps.users.contracts as users

    return users.get_users(user_ids=list(user_ids)) if user_ids else {}


def guardians_of(student_id: int) -> list[Any]:
    import apps.users.contracts as users

    return list(users.guardians_of(student_id=student_id))


def guardians_of_students(student_ids: list[int]) -> dict[int, list[Any]]:
    import apps.users.contracts as users

    return users.guardians_of_students(student_ids=list(student_ids)) if student_ids else {}


def get_section(section_id: int) -> Any | None:
    import apps.academic.contracts as academic
    from common.tenancy import SYSTEM

    return academic.get_section(scope=SYSTEM, section_id=section_id)


def section_student_ids(section_id: int) -> list[int]:
    import apps.academic.contracts as academic
    from common.tenancy import SYSTEM

    return list(academic.section_student_ids(scope=SYSTEM, section_id=section_id))


def get_course(course_id: int) -> Any | None:
    import apps.academic.contracts as academic
    from common.tenancy import SYSTEM

    return academic.get_course(scope=SYSTEM, course_id=course_id)


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
