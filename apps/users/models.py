"""People of the school: the custom user (AUTH_USER_MODEL) and student–guardian links."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class UserType(models.TextChoices):
    STUDENT = "STUDENT", _("Student")
    TEACHER = "TEACHER", _("Teacher")
    PARENT = "PARENT", _("Parent or guardian")
    ADMIN = "ADMIN", _("Administrator")
    DIRECTOR = "DIRECTOR", _("Director")
    SECRETARY = "SECRETARY", _("Secretary")
    AUXILIARY = "AUXILIARY", _("Auxiliary")
    PSYCHOLOGIST = "PSYCHOLOGIST", _("Psychologist")


class DocumentType(models.TextChoices):
    DNI = "DNI", _("DNI")
    CE = "CE", _("Foreigner's card (CE)")
    PASSPORT = "PASSPORT", _("Passport")


class User(AbstractUser):
    """Every person who uses PRS1. Deactivation is soft (`is_active=False`); nothing is deleted."""

    code = models.CharField(_("code"), max_length=32, unique=True, null=True, blank=True,
                            help_text=_("Public code, e.g. USR-2025-000001."))
    user_type = models.CharField(_("user type"), max_length=16, choices=UserType.choices, default=UserType.STUDENT,
                                 db_index=True)
    institution_id = models.BigIntegerField(_("institution"), null=True, blank=True, db_index=True)
    document_type = models.CharField(_("document type"), max_length=16, choices=DocumentType.choices,
                                     default=DocumentType.DNI)
    document_number = models.CharField(_("document number"), max_length=20, blank=True, db_index=True)
    phone = models.CharField(_("phone (E.164)"), max_length=16, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=5, default="es",
                                          choices=[("es", _("Spanish")), ("en", _("English"))])

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution_id", "document_type", "document_number"],
                condition=~Q(document_number=""),
                name="user_document_unique_per_institution",
            ),
        ]

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.code})" if full_name and self.code else full_name or self.username


class GuardianLink(models.Model):
    """A guardian (PARENT user) responsible for a student."""

    class Relationship(models.TextChoices):
        MOTHER = "MOTHER", _("Mother")
        FATHER = "FATHER", _("Father")
        GRANDPARENT = "GRANDPARENT", _("Grandparent")
        SIBLING = "SIBLING", _("Sibling")
        LEGAL_GUARDIAN = "LEGAL_GUARDIAN", _("Legal guardian")
        OTHER = "OTHER", _("Other")

    student = models.ForeignKey(User, on_delete=models.PROTECT, related_name="guardian_links",
                                verbose_name=_("student"))
    guardian = models.ForeignKey(User, on_delete=models.PROTECT, related_name="ward_links",
                                 verbose_name=_("guardian"))
    relationship = models.CharField(_("relationship"), max_length=16, choices=Relationship.choices)
    is_primary_contact = models.BooleanField(_("primary contact"), default=False)
    may_pick_up = models.BooleanField(_("may pick up"), default=True)
    notify_email = models.BooleanField(_("notify by email"), default=True)
    notify_sms = models.BooleanField(_("notify by SMS"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("guardian link")
        verbose_name_plural = _("guardian links")
        constraints = [models.UniqueConstraint(fields=["student", "guardian"], name="guardian_link_unique")]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.student} ({self.get_relationship_display()})"
