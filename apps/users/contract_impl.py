"""The users context's contract, implemented in-process (apps.users.contracts is the interface; this is
what its module functions and RPC endpoints call here)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.users import selectors, services
from apps.users.contracts import GuardianDTO, UserDTO, UsersContract, UserSecurityDTO, UserValidationDTO
from common.errors import PermissionDenied
from common.tenancy import SYSTEM, Scope


def user_dto(user) -> UserDTO:
    return UserDTO(id=user.pk, code=user.code or "", user_type=user.user_type, first_name=user.first_name,
                   last_name=user.last_name, full_name=f"{user.first_name} {user.last_name}".strip(),
                   email=user.email, phone=user.phone, is_active=user.is_active, institution_id=user.institution_id,
                   preferred_language=user.preferred_language, document_type=user.document_type,
                   document_number=user.document_number, birth_date=user.birth_date)


def _guardian_dto(link) -> GuardianDTO:
    return GuardianDTO(guardian=user_dto(link.guardian), relationship=link.relationship,
                       is_primary_contact=link.is_primary_contact, may_pick_up=link.may_pick_up,
                       notify_email=link.notify_email, notify_sms=link.notify_sms, notify_inapp=link.notify_inapp)


def security_dto(user) -> UserSecurityDTO:
    return UserSecurityDTO(id=user.pk, code=user.code, user_type=user.user_type, institution_id=user.institution_id,
                           is_active=user.is_active, is_superuser=user.is_superuser, first_name=user.first_name,
                           last_name=user.last_name, email=user.email)


class LocalUsers(UsersContract):
    def get_user(self, *, scope: Scope, user_id: int) -> UserDTO | None:
        user = selectors.user_in_scope(scope=scope, user_id=user_id)
        return user_dto(user) if user else None

    def get_users(self, *, scope: Scope, user_ids: list[int]) -> dict[int, UserDTO]:
        return {pk: user_dto(u) for pk, u in selectors.users_by_ids(user_ids, scope=scope).items()}

    def guardians_of(self, *, scope: Scope, student_id: int) -> list[GuardianDTO]:
        return [_guardian_dto(link) for link in selectors.links_of_students([student_id], scope=scope)]

    def guardians_of_students(self, *, scope: Scope, student_ids: list[int]) -> dict[int, list[GuardianDTO]]:
        ids = set(student_ids)
        result: dict[int, list[GuardianDTO]] = {sid: [] for sid in ids}
        for link in selectors.links_of_students(ids, scope=scope):
            result[link.student_id].append(_guardian_dto(link))
        return result

    def student_ids_of_guardian(self, *, scope: Scope, guardian_id: int) -> list[int]:
        return selectors.student_ids_of_guardian(guardian_id, scope=scope)

    def bulk_validate(self, *, scope: Scope, user_ids: list[int]) -> list[UserValidationDTO]:
        ordered = list(dict.fromkeys(user_ids))
        found = selectors.users_by_ids(ordered, scope=scope)
        return [UserValidationDTO(user_id=uid, exists=uid in found, is_active=uid in found and found[uid].is_active,
                                  user_type=found[uid].user_type if uid in found else None,
                                  code=found[uid].code if uid in found else None) for uid in ordered]

    def find_users_by_document(self, *, scope: Scope, document_number: str) -> list[UserDTO]:
        return [user_dto(u) for u in selectors.find_by_document(document_number, scope=scope)]

    def user_move_institution(self, *, scope: Scope, user_id: int, institution_id: int, reason: str = "") -> UserDTO:
        if not scope.is_network:
            raise PermissionDenied(_("Only network staff may move a person to another school."),
                                   code="network_scope_required")
        return user_dto(services.user_update(user_id=user_id, reason=reason or None, institution_id=institution_id))

    def guardian_student_ids(self, *, guardian_id: int) -> frozenset[int]:
        return frozenset(selectors.student_ids_of_guardian(guardian_id, scope=SYSTEM, active_only=True))

    def check_credentials(self, *, username: str, password: str) -> int | None:
        user = services.verify_credentials(username=username, password=password)
        return user.pk if user else None

    def user_security_summary(self, *, user_id: int) -> UserSecurityDTO | None:
        user = selectors.user_by_id(user_id)
        return security_dto(user) if user else None
