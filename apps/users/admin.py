from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from apps.users.models import GuardianLink, User


class GuardianLinkInline(admin.TabularInline):
    model = GuardianLink
    fk_name = "student"
    extra = 0
    autocomplete_fields = ("guardian",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("code", "username", "first_name", "last_name", "user_type", "document_number", "is_active")
    list_filter = ("user_type", "is_active", "institution_id")
    search_fields = ("code", "username", "first_name", "last_name", "document_number", "email")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("School"), {"fields": ("code", "user_type", "institution_id", "document_type", "document_number", "phone",
                                  "birth_date")}),
    )
    inlines = (GuardianLinkInline,)
