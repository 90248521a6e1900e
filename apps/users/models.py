"""People of the school: the custom user (AUTH_USER_MODEL) and student–guardian links."""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
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
    INVENTORY_MANAGER = "INVENTORY_MANAGER", _("Inventory manager")


class DocumentType(models.TextChoices):
    DNI = "DNI", _("DNI")
    CE = "CE", _("Foreigner's card (CE)")
    PASSPORT = "PASSPORT", _("Passport")


# Identity documents: DNI exactly 8 digits; carné de extranjería 9–12 and passport 6–12 letters/digits.
DOCUMENT_PATTERNS = {
    DocumentType.DNI: (re.compile(r"^\d{8}$"), _("A DNI has exactly 8 digits.")),
    DocumentType.CE: (re.compile(r"^[A-Z0-9]{9,12}$"), _("A foreigner's card (CE) has 9 to 12 letters or digits.")),
    DocumentType.PASSPORT: (re.compile(r"^[A-Z0-9]{6,12}$"), _("A passport number has 6 to 12 letters or digits.")),
}
E164_MESSAGE = _("Enter the phone in E.164 format, e.g. +51987654321.")
validate_e164 = RegexValidator(r"^\+[1-9]\d{7,14}$", E164_MESSAGE, code="invalid_phone")


def document_errors(document_type: str, document_number: str) -> list[str]:
    """Messages explaining why (type, number) is not a valid identity document; [] when it is."""
    if not document_number:
        return []
    if document_type not in DOCUMENT_PATTERNS:
        return [str(_("Unknown document type."))]
    pattern, message = DOCUMENT_PATTERNS[document_type]
    return [] if pattern.match(document_number) else [str(message)]


class User(AbstractUser):
    """Every person who uses PRS1. Deactivation is soft (`is_active=False`); nothing is deleted."""

    code = models.CharField(_("code"), max_length=32, unique=True, null=True, blank=True,
                            help_text=_("Public code, e.g. USR-2025-000001."))
    user_type = models.CharField(_("user type"), max_length=20, choices=UserType.choices, default=UserType.STUDENT,
                                 db_index=True)
    institution_id = models.BigIntegerField(_("institution"), null=True, blank=True, db_index=True)
    document_type = models.CharField(_("document type"), max_length=16, choices=DocumentType.choices,
                                     default=DocumentType.DNI)
    document_number = models.CharField(_("document number"), max_length=20, blank=True, db_index=True)
    phone = models.CharField(_("phone (E.164)"), max_length=16, blank=True, validators=[validate_e164])
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=5, default="es",
                                          choices=[("es", _("Spanish")), ("en", _("English"))])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

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

    def clean(self) -> None:
        super().clean()
        self.document_number = (self.document_number or "").strip().upper()
        errors = document_errors(self.document_type, self.document_number)
        if errors:
            raise ValidationError({"document_number": errors})

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
    notify_inapp = models.BooleanField(_("notify in the app"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("guardian link")
        verbose_name_plural = _("guardian links")
        constraints = [models.UniqueConstraint(fields=["student", "guardian"], name="guardian_link_unique")]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.student} ({self.get_relationship_display()})"


class UserCodeCounter(models.Model):
    """The last number handed out for USR-<year>-<number> codes (one row per year, locked while assigning)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last_value = models.PositiveIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("user code counter")
        verbose_name_plural = _("user code counters")

    def __str__(self) -> str:
        return f"USR-{self.year}: {self.last_value}"
