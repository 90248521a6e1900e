from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from apps.institution import contracts as institution_contracts
from apps.users import services
from apps.users.importing import COLUMNS, UnreadableFile, import_people, load_dataset
from apps.users.models import GuardianLink, User, UserType
from common.admin import TenantAdmin, TenantAdminMixin, TenantTabularInline
from common.tenancy import Scope, request_scope


def _institution_choices(scope: Scope | None = None):
    return [("", "---------")] + [(i.id, f"{i.name} ({i.code})")
                                  for i in institution_contracts.list_institutions(active_only=False)
                                  if scope is None or scope.allows(i.id)]


class GuardianLinkInlineForm(forms.ModelForm):
    class Meta:
        model = GuardianLink
        fields = ("guardian", "relationship", "is_primary_contact", "may_pick_up", "notify_email", "notify_sms",
                  "notify_inapp")

    def clean_guardian(self):
        guardian = self.cleaned_data["guardian"]
        if guardian is not None and guardian.user_type != UserType.PARENT:
            raise ValidationError(_("The guardian must be a user of type PARENT."))
        return guardian


class GuardianLinkInline(TenantTabularInline):
    model = GuardianLink
    tenant_field = "student__institution_id"
    form = GuardianLinkInlineForm
    fk_name = "student"
    extra = 0
    autocomplete_fields = ("guardian",)
    verbose_name = _("guardian")
    verbose_name_plural = _("guardians (for students)")


class PeopleImportForm(forms.Form):
    institution = forms.TypedChoiceField(label=_("Institution"), coerce=int)
    file = forms.FileField(label=_("File (.csv or .xlsx)"))
    dry_run = forms.BooleanField(label=_("Only check the file (import nothing)"), required=False)

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = _institution_choices(scope)[1:]  # a school's staff: their own only


@admin.register(User)
class UserAdmin(TenantAdminMixin, DjangoUserAdmin):
    """A school's staff see their school's people only (never a superuser's or network staff's account, which
    they could otherwise take over); their school is forced on the people they create."""

    list_display = ("code", "username", "first_name", "last_name", "user_type", "document_number", "institution_id",
                    "is_active")
    list_filter = ("user_type", "is_active", "institution_id", "document_type")
    search_fields = ("code", "username", "first_name", "last_name", "document_number", "email", "phone")
    readonly_fields = ("code", "last_login", "date_joined", "updated_at", "deactivated_at")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("School"), {"fields": ("code", "user_type", "institution_id", "document_type", "document_number", "phone",
                                  "birth_date", "preferred_language", "updated_at", "deactivated_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (_("Person"), {"classes": ("wide",), "fields": (
            "user_type", "institution_id", "first_name", "last_name", "document_type", "document_number", "email",
            "phone", "birth_date")}),
    )
    inlines = (GuardianLinkInline,)

    def scope_queryset(self, request, queryset):
        queryset = super().scope_queryset(request, queryset)
        return queryset if self.tenant_scope(request).is_network else queryset.filter(is_superuser=False)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "institution_id":
            return forms.TypedChoiceField(label=_("Institution"), choices=_institution_choices(), coerce=int,
                                          required=False, empty_value=None)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:  # staff with "change user" must not grant themselves more power
            fields += ("is_superuser", "is_staff", "groups", "user_permissions")
        return fields

    def has_delete_permission(self, request, obj=None):
        return False  # deactivation is soft: uncheck "active"

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        previous_type = User.objects.filter(pk=obj.pk).values_list("user_type", flat=True).first() if change else None
        if not change and not obj.code:
            obj.code = services.reserve_codes(1)[0]
        super().save_model(request, obj, form, change)
        services.user_saved_in_admin(user=obj, created=not change, changed_fields=form.changed_data,
                                     previous_type=previous_type or obj.user_type)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        for link in instances:
            is_new = link.pk is None
            link.save()
            if is_new:
                services.publish_linked(link)
        formset.save_m2m()

    def get_urls(self):
        urls = super().get_urls()
        return [path("import-people/", self.admin_site.admin_view(self.import_people_view),
                     name="users_user_import_people"), *urls]

    def import_people_view(self, request):
        if not self.has_add_permission(request):
            return redirect("admin:index")
        report = None
        form = PeopleImportForm(request.POST or None, request.FILES or None, scope=request_scope(request))
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                dataset = load_dataset(upload.read(), upload.name)
            except UnreadableFile as exc:
                form.add_error("file", str(exc))
            else:
                report = import_people(dataset=dataset, institution_id=form.cleaned_data["institution"],
                                       dry_run=form.cleaned_data["dry_run"])
                if report.imported:
                    self.message_user(request, _(
                        "Imported %(students)d student(s), %(guardians)d new guardian(s) and %(links)d link(s).") % {
                        "students": report.students_created, "guardians": report.guardians_created,
                        "links": report.links_created}, messages.SUCCESS)
                    return redirect(reverse("admin:users_user_changelist"))
                if not report.ok:
                    self.message_user(request, _("The file has errors: nothing was imported."), messages.ERROR)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "report": report, "columns": COLUMNS, "title": _("Import students and guardians")}
        return TemplateResponse(request, "admin/users/user/import_people.html", context)


@admin.register(GuardianLink)
class GuardianLinkAdmin(TenantAdmin):
    tenant_field = "student__institution_id"
    tenant_owner_field = None
    list_display = ("student", "guardian", "relationship", "is_primary_contact", "may_pick_up", "notify_email",
                    "notify_sms", "notify_inapp")
    list_filter = ("relationship", "is_primary_contact", "may_pick_up")
    search_fields = ("student__document_number", "student__code", "student__last_name", "guardian__document_number",
                     "guardian__code", "guardian__last_name")
    list_select_related = ("student", "guardian")
    autocomplete_fields = ("student", "guardian")
    readonly_fields = ("created_at",)
