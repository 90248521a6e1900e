"""Users API: /api/v1/users/... Thin views: authorize, call a selector or service, serialize."""

from __future__ import annotations

from dataclasses import asdict

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.filters import OrderingFilter
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.auth.contracts import (
    Principal,
    can_read_student,
    has_permission,
    principal_of,
    request_scope,
    requires,
)
from apps.users import contracts, selectors, services
from apps.users.contract_impl import security_dto
from apps.users.models import User, UserType
from apps.users.permissions import HasServiceToken
from apps.users.serializers import (
    BulkValidateRequestSerializer,
    ChildSerializer,
    CredentialsResultSerializer,
    CredentialsSerializer,
    DeactivateSerializer,
    GuardianLinkCreateSerializer,
    GuardianLinkSerializer,
    UserCreateSerializer,
    UserSerializer,
    UserUpdateSerializer,
    UserValidationSerializer,
)
from common.errors import NotFound, PermissionDenied, ValidationFailed
from common.filters import IdFilter

READ = requires("users.read")
MANAGE = requires("users.manage")
PRIVILEGED_TYPES = frozenset({UserType.ADMIN, UserType.DIRECTOR})

USER_EXAMPLE = {
    "id": 42, "code": "USR-2026-000042", "username": "usr-2026-000042", "user_type": "STUDENT", "institution": 1,
    "first_name": "Valeria", "last_name": "Quispe Mamani", "full_name": "Valeria Quispe Mamani",
    "document_type": "DNI", "document_number": "71234567", "email": "valeria.quispe@sanmartin.edu.pe",
    "phone": "+51987654321", "birth_date": "2014-05-12", "preferred_language": "es", "is_active": True,
    "date_joined": "2026-03-01T08:00:00-05:00", "deactivated_at": None,
}
USER_RESPONSE = OpenApiExample("User", value=USER_EXAMPLE, response_only=True)
SEARCH_PARAM = OpenApiParameter("search", str, description=str(
    _("Words matched against names, e-mail, the start of the document number, the exact code or username.")))


# --- authorization helpers --------------------------------------------------------------------
# Tenancy: every person is reached through the caller's Scope (apps.auth.contracts.request_scope): a school's
# people for its staff, everyone for network-wide callers; a person of no school (network staff) only
# network-wide. Another school's person answers 404 exactly like an unknown id. Role rules apply on top.


def _can_read(principal: Principal, user: User) -> bool:
    return user.pk == principal.user_id or has_permission(principal, "users.read")


def _not_found() -> NotFound:
    return NotFound(str(_("User not found.")), code="user_not_found")


def _readable_user(request: Request, user_id: int) -> User:
    principal = principal_of(request.user)
    if user_id == principal.user_id:  # oneself, whatever the school
        return selectors.user_by_id(user_id)
    if principal.user_type == UserType.PARENT:  # the family path: their own children, whatever the school
        user = selectors.user_by_id(user_id) if can_read_student(principal, user_id) else None
        if user is None:
            raise _not_found()
        return user
    user = selectors.user_in_scope(scope=request_scope(request), user_id=user_id)
    if user is None or not _can_read(principal, user):
        raise _not_found()
    return user


def _check_may_manage(principal: Principal, user: User | None = None, *, new_type: str | None = None) -> None:
    """Administrators and directors are managed only by administrators (and superusers)."""
    privileged = (user is not None and (user.user_type in PRIVILEGED_TYPES or user.is_superuser)) \
        or new_type in PRIVILEGED_TYPES
    if privileged and not (principal.is_superuser or principal.user_type == UserType.ADMIN):
        raise PermissionDenied(str(_("Only administrators manage administrators and directors.")),
                               code="privileged_user")
    if user is not None and user.is_superuser and not principal.is_superuser:
        raise PermissionDenied(str(_("Only superusers manage superusers.")), code="privileged_user")


def _managed_user(request: Request, user_id: int) -> User:
    """The user a manager acts on: 404 outside the caller's scope (like an unknown id), 403 if privileged."""
    principal = principal_of(request.user)
    user = selectors.user_in_scope(scope=request_scope(request), user_id=user_id)
    if user is None:
        raise _not_found()
    _check_may_manage(principal, user)
    return user


class UserFilter(django_filters.FilterSet):
    institution = IdFilter(field_name="institution_id")
    user_type = django_filters.ChoiceFilter(choices=UserType.choices)
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = User
        fields = ("user_type", "is_active", "institution")


class _UserListBase(ListAPIView):
    serializer_class = UserSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = UserFilter
    ordering_fields = ("last_name", "first_name", "code", "date_joined", "id")

    def base_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        return selectors.users(scope=request_scope(self.request), search=self.request.query_params.get("search"))


# --- views --------------------------------------------------------------------------------------


class UserListCreateView(_UserListBase):
    def get_permissions(self):
        return [MANAGE()] if self.request.method == "POST" else [READ()]

    def get_queryset(self):
        return self.base_queryset()

    @extend_schema(summary="People of the caller's institution (filter, search, paginate)", parameters=[SEARCH_PARAM],
                   examples=[USER_RESPONSE])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Register a person (the public code is assigned by the system)",
                   request=UserCreateSerializer, responses={201: UserSerializer},
                   examples=[OpenApiExample("Student", request_only=True, value={
                       "user_type": "STUDENT", "first_name": "Valeria", "last_name": "Quispe Mamani",
                       "document_type": "DNI", "document_number": "71234567", "birth_date": "2014-05-12",
                       "phone": "+51987654321"}), USER_RESPONSE])
    def post(self, request: Request) -> Response:
        principal = principal_of(request.user)
        data = UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        # A school's staff register in their own school (naming another one is a 404 like an unknown school);
        # network-wide callers in the one they name (or none: network staff).
        institution_id = request_scope(request).target_institution(values.pop("institution", None))
        _check_may_manage(principal, new_type=values["user_type"])
        user = services.user_create(institution_id=institution_id, is_staff=False, **values)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class UserDetailView(APIView):
    permission_classes = [IsAuthenticated]

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "GET" else [MANAGE()]

    @extend_schema(summary="A person. Staff: anyone of their institution; everybody: themself; guardians: their children",
                   responses=UserSerializer, examples=[USER_RESPONSE])
    def get(self, request: Request, user_id: int) -> Response:
        return Response(UserSerializer(_readable_user(request, user_id)).data)

    @extend_schema(summary="Change a person's data, type (user.role.changed) or active flag",
                   request=UserUpdateSerializer, responses=UserSerializer,
                   examples=[OpenApiExample("New phone", value={"phone": "+51912345678"}, request_only=True),
                             USER_RESPONSE])
    def patch(self, request: Request, user_id: int) -> Response:
        _managed_user(request, user_id)
        data = UserUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "user_type" in data.validated_data:
            _check_may_manage(principal_of(request.user), new_type=data.validated_data["user_type"])
        return Response(UserSerializer(services.user_update(user_id=user_id, **data.validated_data)).data)

    @extend_schema(summary="Deactivate a person (soft: nothing is deleted; user.deactivated)",
                   request=DeactivateSerializer, responses={200: UserSerializer},
                   examples=[OpenApiExample("Withdrawn", value={"reason": "Retiro del colegio"}, request_only=True),
                             USER_RESPONSE])
    def delete(self, request: Request, user_id: int) -> Response:
        _managed_user(request, user_id)
        if user_id == principal_of(request.user).user_id:
            raise ValidationFailed(fields={"user": [str(_("You cannot deactivate yourself."))]})
        data = DeactivateSerializer(data=request.data or {})
        data.is_valid(raise_exception=True)
        user = services.user_deactivate(user_id=user_id, reason=data.validated_data["reason"])
        return Response(UserSerializer(user).data)


class UsersByTypeView(_UserListBase):
    permission_classes = [READ]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        user_type = self.kwargs["user_type"].upper()
        if user_type not in UserType.values:
            raise ValidationFailed(fields={"user_type": [str(_("Unknown user type."))]})
        return self.base_queryset().filter(user_type=user_type)

    @extend_schema(summary="People of one type (STUDENT, TEACHER, PARENT, ...)", parameters=[SEARCH_PARAM],
                   examples=[USER_RESPONSE])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class MyChildrenView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="The calling guardian's children, in one call (a family app switches between siblings)",
                   responses=ChildSerializer(many=True),
                   examples=[OpenApiExample("Two siblings", response_only=True, value=[
                       {"id": 42, "code": "USR-2026-000042", "first_name": "Valeria", "last_name": "Quispe Mamani",
                        "full_name": "Valeria Quispe Mamani", "birth_date": "2014-05-12", "institution": 1,
                        "is_active": True, "relationship": "MOTHER", "is_primary_contact": True, "may_pick_up": True},
                       {"id": 43, "code": "USR-2026-000043", "first_name": "Diego", "last_name": "Quispe Mamani",
                        "full_name": "Diego Quispe Mamani", "birth_date": "2016-09-02", "institution": 1,
                        "is_active": True, "relationship": "MOTHER", "is_primary_contact": True,
                        "may_pick_up": True}])])
    def get(self, request: Request) -> Response:
        principal = principal_of(request.user)
        if principal.user_type != UserType.PARENT:
            raise PermissionDenied(str(_("Only guardians have children here.")), code="not_a_guardian")
        return Response(ChildSerializer(selectors.children_links(principal.user_id), many=True).data)


class GuardianLinksView(APIView):
    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "GET" else [MANAGE()]

    @extend_schema(summary="A student's guardians", responses=GuardianLinkSerializer(many=True),
                   examples=[OpenApiExample("Mother", response_only=True, value=[{
                       "id": 7, "guardian": {**USER_EXAMPLE, "id": 50, "code": "USR-2026-000050",
                                             "user_type": "PARENT", "first_name": "Rosa"},
                       "relationship": "MOTHER", "is_primary_contact": True, "may_pick_up": True,
                       "notify_email": True, "notify_sms": True, "notify_inapp": True,
                       "created_at": "2026-03-01T08:00:00-05:00"}])])
    def get(self, request: Request, user_id: int) -> Response:
        student = _readable_user(request, user_id)
        links = selectors.links_of_students([student.pk], scope=request_scope(request))
        return Response(GuardianLinkSerializer(links, many=True).data)

    @extend_schema(summary="Link a guardian to a student (student.parent.linked)", request=GuardianLinkCreateSerializer,
                   responses={201: GuardianLinkSerializer},
                   examples=[OpenApiExample("Father, primary contact", request_only=True, value={
                       "guardian_id": 51, "relationship": "FATHER", "is_primary_contact": True,
                       "may_pick_up": True, "notify_sms": False})])
    def post(self, request: Request, user_id: int) -> Response:
        student = _managed_user(request, user_id)
        data = GuardianLinkCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if selectors.user_in_scope(scope=request_scope(request), user_id=data.validated_data["guardian_id"]) is None:
            raise _not_found()  # another school's person, like an unknown one
        link = services.guardian_link_create(student_id=student.pk, **data.validated_data)
        return Response(GuardianLinkSerializer(link).data, status=status.HTTP_201_CREATED)


class GuardianLinkDetailView(APIView):
    permission_classes = [MANAGE]

    @extend_schema(summary="Unlink a guardian from a student", responses={204: None})
    def delete(self, request: Request, user_id: int, guardian_id: int) -> Response:
        _managed_user(request, user_id)
        services.guardian_link_delete(student_id=user_id, guardian_id=guardian_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BulkValidateView(APIView):
    permission_classes = [HasServiceToken | READ]

    @extend_schema(summary="Which of these ids exist, are active, and of which type (service token or users.read)",
                   request=BulkValidateRequestSerializer, responses=UserValidationSerializer(many=True),
                   examples=[OpenApiExample("Ask", value={"user_ids": [42, 43, 999]}, request_only=True),
                             OpenApiExample("Answer", response_only=True, value=[
                                 {"user_id": 42, "exists": True, "is_active": True, "user_type": "STUDENT",
                                  "code": "USR-2026-000042"},
                                 {"user_id": 43, "exists": True, "is_active": False, "user_type": "STUDENT",
                                  "code": "USR-2026-000043"},
                                 {"user_id": 999, "exists": False, "is_active": False, "user_type": None,
                                  "code": None}])])
    def post(self, request: Request) -> Response:
        data = BulkValidateRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # a caller learns nothing about people its scope does not reach: they "do not exist"
        results = contracts.bulk_validate(scope=request_scope(request), user_ids=data.validated_data["user_ids"])
        return Response(UserValidationSerializer(results, many=True).data)


class ValidateCredentialsView(APIView):
    authentication_classes: list = []
    permission_classes = [HasServiceToken]

    @extend_schema(
        summary="Check a username and password (service token only)",
        description="Used by the login flow. **POST only**: the password never travels in a URL. Callable only "
                    "with the service token in the `X-Service-Token` header (settings.SERVICE_TOKEN); any other "
                    "caller gets 403. Unknown user, wrong password and deactivated user all answer "
                    "`{\"valid\": false}`.",
        request=CredentialsSerializer, responses=CredentialsResultSerializer,
        examples=[OpenApiExample("Ask", value={"username": "usr-2026-000042", "password": "••••••••"},
                                 request_only=True),
                  OpenApiExample("Valid", response_only=True, value={"valid": True, "user": {
                      "id": 42, "code": "USR-2026-000042", "user_type": "STUDENT", "institution_id": 1,
                      "is_active": True, "is_superuser": False, "first_name": "Valeria",
                      "last_name": "Quispe Mamani", "email": "valeria.quispe@sanmartin.edu.pe"}}),
                  OpenApiExample("Invalid", response_only=True, value={"valid": False, "user": None})])
    def post(self, request: Request) -> Response:
        data = CredentialsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.verify_credentials(**data.validated_data)
        return Response({"valid": user is not None, "user": asdict(security_dto(user)) if user else None})
