"""Data the auth context's rules need, provided by users (registered in UsersConfig.on_ready)."""

from __future__ import annotations

from apps.users import selectors, services
from common.tenancy import SYSTEM


def guardian_student_ids(user_id: int) -> list[int]:
    """The students a guardian is responsible for (their active children). A system lookup: auth's rules
    apply the caller's scope on top."""
    return selectors.student_ids_of_guardian(user_id, scope=SYSTEM, active_only=True)


def credentials(username: str, password: str) -> int | None:
    """The id of the active user these credentials belong to, else None (unknown, wrong password, inactive)."""
    user = services.verify_credentials(username=username, password=password)
    return user.pk if user else None


def user_summary(user_id: int) -> dict | None:
    user = selectors.user_by_id(user_id)
    if user is None:
        return None
    return {"id": user.pk, "code": user.code, "user_type": user.user_type, "institution_id": user.institution_id,
            "is_active": user.is_active, "is_superuser": user.is_superuser, "first_name": user.first_name,
            "last_name": user.last_name, "email": user.email}
