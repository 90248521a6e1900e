"""The admin, scoped per school: one mechanism every context's `admin.py` uses (docs/auth.md, "Tenancy").

Every registered admin is one of two kinds (tests/admin checks the whole registry):

- `TenantAdmin` (and `TenantInline`) for rows that belong to a school. `tenant_field` names the school
  column or path from this model (`"institution_id"`, `"record__institution_id"`, `"id"` for the
  school itself). For a school's staff (`Scope.school`), the scope narrows:
    * the changelist, search, date hierarchy, "select all" actions and autocomplete results
      (all of them go through `get_queryset`, which is scoped even when a subclass overrides it);
    * change, delete and history views (a foreign id is unknown: Django redirects like for any unknown id);
    * list filters: choices of relations and related values come from the scoped rows only (no other
      school's names or ids);
    * forms: choices of foreign keys and many-to-many fields to school-owned models, and integer
      references to other contexts' rows (`tenant_references`: form field -> the referenced row's
      school), so a foreign id typed into a form is a form error, never a save;
    * the row's own school (`tenant_owner_field`) is not editable: it is forced to the caller's school.
  Network-wide callers (superusers, network staff) see and edit every school, as before.
  A caller with no school (`Scope.nobody`) sees nothing: the admin's pages are not even listed.
- `OperatorAdmin` for install-wide screens with no school (outbox, inbox, dead letters, sagas, tokens,
  groups, shared templates): only network-wide callers see them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.tenancy import Scope, request_scope

NOT_IN_SCHOOL = _("Not found in your school.")

#: form field name -> a function returning the referenced row's school id (None if unknown)
References = Mapping[str, Callable[[int], int | None]]


def _scope_get_queryset(method):
    """Wrap a `get_queryset` so its result is always narrowed to the request's scope (once, at the
    outermost call: a subclass calling `super().get_queryset()` is not filtered twice)."""
    if getattr(method, "_tenant_scoped", False):
        return method

    @functools.wraps(method)
    def get_queryset(self, request):
        key = f"_tenant_admin_depth_{id(self)}"
        depth = getattr(request, key, 0)
        setattr(request, key, depth + 1)
        try:
            queryset = method(self, request)
        finally:
            setattr(request, key, depth)
        return queryset if depth else self.scope_queryset(request, queryset)

    get_queryset._tenant_scoped = True
    return get_queryset


class ScopedRelatedFieldListFilter(admin.RelatedOnlyFieldListFilter):
    """A relation's choices: only the related rows the (scoped) changelist holds."""


class ScopedAllValuesFieldListFilter(admin.AllValuesFieldListFilter):
    """The values of a field reached through relations, taken from the (scoped) changelist rows
    (Django's own takes them from the related table, i.e. from every school)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = (model_admin.get_queryset(request).distinct().order_by(field_path)
                               .values_list(field_path, flat=True))


def _unscoped_filter_class(model, spec) -> type | None:
    """The scoped filter class an unscoped list_filter entry needs, or None if it leaks nothing."""
    if isinstance(spec, str):
        field_path, filter_class = spec, None
    elif isinstance(spec, (tuple, list)) and len(spec) == 2 and isinstance(spec[0], str):
        field_path, filter_class = spec
    else:
        return None  # a SimpleListFilter: its own lookups decide
    try:
        path = get_fields_from_path(model, field_path)
    except (FieldDoesNotExist, NotRelationField):
        return None
    last = path[-1]
    if filter_class not in (None, admin.RelatedFieldListFilter, admin.AllValuesFieldListFilter):
        return None  # dates, booleans, emptiness: no other school's values
    if last.is_relation:
        return ScopedRelatedFieldListFilter
    if getattr(last, "flatchoices", None) or isinstance(last, models.BooleanField | models.DateField):
        return None
    if len(path) > 1 or filter_class is admin.AllValuesFieldListFilter:
        return ScopedAllValuesFieldListFilter
    return None  # a plain column of this model: Django already reads it from get_queryset


class _TenantFormsMixin:
    """Form scoping shared by TenantAdmin and TenantInline."""

    tenant_field: str = "institution_id"
    tenant_owner_field: str | None = None
    tenant_references: References = {}

    def tenant_scope(self, request) -> Scope:
        return request_scope(request)

    def scope_queryset(self, request, queryset):
        """`queryset` narrowed to the request's scope (override for an extra rule; keep the scope)."""
        return self.tenant_scope(request).filter(queryset, self.tenant_field)

    def get_tenant_references(self, request) -> References:
        return self.tenant_references

    def _owner_field(self) -> models.Field | None:
        return self.model._meta.get_field(self.tenant_owner_field) if self.tenant_owner_field else None

    def _related_scope(self, request, related_model, queryset):
        """Choices of a relation to another model: narrowed if that model belongs to a school."""
        scope = self.tenant_scope(request)
        if scope.is_network:
            return queryset
        related_admin = self.admin_site._registry.get(related_model)
        if isinstance(related_admin, TenantAdminMixin):
            return related_admin.scope_queryset(request, queryset)
        if isinstance(related_admin, OperatorAdminMixin):
            return queryset.none()
        for field in related_model._meta.concrete_fields:
            if field.attname == "institution_id":
                return scope.filter(queryset, "institution_id")
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self._related_scope(request, db_field.related_model, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self._related_scope(request, db_field.related_model, field.queryset)
        return field

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        owner = self._owner_field()
        if owner is not None and not self.tenant_scope(request).is_network and owner.name not in fields:
            fields += (owner.name,)
        return fields

    def tenant_form(self, request, form_class: type[forms.BaseForm]) -> type[forms.BaseForm]:
        """`form_class` for a school's staff: own school forced, foreign choices and ids refused."""
        scope = self.tenant_scope(request)
        if scope.is_network:
            return form_class
        owner = self._owner_field()
        references = dict(self.get_tenant_references(request))
        related_scope = functools.partial(self._related_scope, request)

        class TenantForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                for field in self.fields.values():  # also choices a form sets itself in __init__
                    if isinstance(field, forms.ModelChoiceField):
                        field.queryset = related_scope(field.queryset.model, field.queryset)

            def _get_validation_exclusions(self):
                exclude = super()._get_validation_exclusions()
                if owner is not None:  # set below, so unique constraints with the school are checked
                    exclude.discard(owner.name)
                return exclude

            def _post_clean(self):
                if owner is not None and hasattr(self, "instance"):
                    setattr(self.instance, owner.attname, scope.institution_id)
                for name, school_of in references.items():
                    value = self.cleaned_data.get(name)
                    if value in (None, "") or name in self._errors:
                        continue
                    if not scope.allows(school_of(int(getattr(value, "pk", value)))):
                        self.add_error(name, NOT_IN_SCHOOL)
                super()._post_clean()  # after the checks: a form whose clean() writes sees the errors

        TenantForm.__name__ = form_class.__name__
        TenantForm.__qualname__ = form_class.__qualname__
        return TenantForm


class TenantAdminMixin(_TenantFormsMixin):
    """Mix into a ModelAdmin (before it) whose rows belong to a school; see the module docstring."""

    tenant_owner_field: str | None = "institution_id"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            cls.get_queryset = _scope_get_queryset(cls.__dict__["get_queryset"])

    def _owner_field(self) -> models.Field | None:
        if not self.tenant_owner_field:
            return None
        try:
            return self.model._meta.get_field(self.tenant_owner_field)
        except FieldDoesNotExist:
            return None

    def get_queryset(self, request):
        return super().get_queryset(request)

    def has_module_permission(self, request) -> bool:
        return _has_school(self.tenant_scope(request)) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _has_school(self.tenant_scope(request)) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args) -> bool:
        return _has_school(self.tenant_scope(request)) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None) -> bool:
        return _has_school(self.tenant_scope(request)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _has_school(self.tenant_scope(request)) and super().has_delete_permission(request, obj)

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if self.tenant_scope(request).is_network:
            return filters
        scoped = []
        for spec in filters:
            filter_class = _unscoped_filter_class(self.model, spec)
            if filter_class is not None:
                spec = (spec if isinstance(spec, str) else spec[0], filter_class)
            scoped.append(spec)
        return scoped

    def get_form(self, request, obj=None, change=False, **kwargs):
        return self.tenant_form(request, super().get_form(request, obj, change=change, **kwargs))

    def save_model(self, request, obj, form, change):
        owner = self._owner_field()
        scope = self.tenant_scope(request)
        if owner is not None and not scope.is_network:
            setattr(obj, owner.attname, scope.institution_id)
        super().save_model(request, obj, form, change)


TenantAdminMixin.get_queryset = _scope_get_queryset(TenantAdminMixin.get_queryset)


class TenantInlineMixin(_TenantFormsMixin):
    """Mix into an InlineModelAdmin of school-owned rows (they are reached through their parent,
    which is scoped too; the inline is scoped again by `tenant_field`)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            cls.get_queryset = _scope_get_queryset(cls.__dict__["get_queryset"])

    def get_queryset(self, request):
        return super().get_queryset(request)

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("form", self.tenant_form(request, self.form))
        return super().get_formset(request, obj, **kwargs)


TenantInlineMixin.get_queryset = _scope_get_queryset(TenantInlineMixin.get_queryset)


def _has_school(scope: Scope) -> bool:
    return scope.is_network or scope.institution_id is not None


class OperatorAdminMixin:
    """Install-wide rows with no school: only network-wide callers (superusers, network staff) see
    them; for anyone else the admin is neither listed nor reachable. Say why in `operator_reason`."""

    operator_reason: str = ""

    def _is_operator(self, request) -> bool:
        return request_scope(request).is_network

    def has_module_permission(self, request) -> bool:
        return self._is_operator(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._is_operator(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args) -> bool:
        return self._is_operator(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._is_operator(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._is_operator(request) and super().has_delete_permission(request, obj)


class TenantAdmin(TenantAdminMixin, admin.ModelAdmin):
    pass


class TenantTabularInline(TenantInlineMixin, admin.TabularInline):
    pass


class TenantStackedInline(TenantInlineMixin, admin.StackedInline):
    pass


class OperatorAdmin(OperatorAdminMixin, admin.ModelAdmin):
    pass


class OperatorTabularInline(OperatorAdminMixin, admin.TabularInline):
    """An inline of an operator screen (the parent is already network-only)."""
