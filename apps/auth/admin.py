"""Staff UI of auth. Outstanding and blacklisted refresh tokens are registered by simplejwt's
token_blacklist app (revoke a session by blacklisting its token there). This adds a read-only
page with the role → permission matrix: /admin/iam/role-permissions/."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.token_blacklist import admin as token_admin
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from apps.auth.contracts import ALL_PERMISSIONS, ROLE_PERMISSIONS
from common.admin import OperatorAdminMixin


def role_matrix_rows() -> tuple[list[str], list[dict]]:
    roles = list(ROLE_PERMISSIONS)
    rows = [{"permission": permission, "cells": [permission in ROLE_PERMISSIONS[role] for role in roles]}
            for permission in sorted(ALL_PERMISSIONS)]
    return roles, rows


def role_matrix_view(request):
    roles, rows = role_matrix_rows()
    context = {**admin.site.each_context(request), "title": _("Roles and permissions"), "roles": roles, "rows": rows}
    return TemplateResponse(request, "admin/iam/role_matrix.html", context)


_default_get_urls = admin.site.get_urls


def _get_urls():
    # Staff-only (admin_view checks is_staff and redirects to the admin login); nothing to edit:
    # the matrix is code (apps.auth.contracts.ROLE_PERMISSIONS), reviewed like code.
    return [path("iam/role-permissions/", admin.site.admin_view(role_matrix_view), name="iam_role_permissions"),
            *_default_get_urls()]


admin.site.get_urls = _get_urls


# --- operator screens registered by Django and simplejwt: install-wide, no school -------------------------------
# Groups carry install-wide permissions and refresh tokens belong to every school's people: only network-wide
# callers (superusers, network staff) see them (common.admin.OperatorAdminMixin; tests/admin checks the registry).


class GroupAdmin(OperatorAdminMixin, DjangoGroupAdmin):
    operator_reason = "Groups grant install-wide Django permissions; they name no school."


class OutstandingTokenAdmin(OperatorAdminMixin, token_admin.OutstandingTokenAdmin):
    operator_reason = "Refresh tokens of every school's people, in one table with no school column."


class BlacklistedTokenAdmin(OperatorAdminMixin, token_admin.BlacklistedTokenAdmin):
    operator_reason = "Revoked refresh tokens of every school's people, in one table with no school column."


for _model, _admin_class in ((Group, GroupAdmin), (OutstandingToken, OutstandingTokenAdmin),
                             (BlacklistedToken, BlacklistedTokenAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin_class)
