"""Institutions of a school network, their campuses, configuration and academic calendar."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.institution.contracts import LITERAL_VALUES  # one definition: the interface's


class Level(models.TextChoices):
    INICIAL = "INICIAL", _("Initial (inicial)")
    PRIMARIA = "PRIMARIA", _("Primary (primaria)")
    SECUNDARIA = "SECUNDARIA", _("Secondary (secundaria)")


class ScaleKind(models.TextChoices):
    VIGESIMAL = "VIGESIMAL", _("Vigesimal (0–20)")
    LITERAL = "LITERAL", _("Literal (AD/A/B/C)")
    PERCENT = "PERCENT", _("Percent (0–100)")


class PeriodType(models.TextChoices):
    BIMESTRE = "BIMESTRE", _("Bimester (4 per year)")
    TRIMESTRE = "TRIMESTRE", _("Trimester (3 per year)")


PERIODS_PER_YEAR = {PeriodType.BIMESTRE: 4, PeriodType.TRIMESTRE: 3}
NOTIFICATION_CHANNELS = ("email", "sms", "inapp")
DEFAULT_SCHOOL_DAYS = [1, 2, 3, 4, 5]  # ISO weekdays, Monday = 1
DEFAULT_CHANNELS = ["email", "inapp"]


def _default_school_days() -> list[int]:
    return list(DEFAULT_SCHOOL_DAYS)


def _default_channels() -> list[str]:
    return list(DEFAULT_CHANNELS)


class Institution(models.Model):
    """One school of the network (I.E.), identified by its public code (e.g. the modular code)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone (E.164)"), max_length=16, blank=True)
    email = models.EmailField(_("email"), blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="America/Lima")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Campus(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="campuses",
                                    verbose_name=_("institution"))
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=255, blank=True)
    is_main = models.BooleanField(_("main campus"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("campus")
        verbose_name_plural = _("campuses")
        ordering = ["institution_id", "-is_main", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="campus_code_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class InstitutionConfig(models.Model):
    institution = models.OneToOneField(Institution, on_delete=models.CASCADE, related_name="config",
                                       verbose_name=_("institution"))
    period_type = models.CharField(_("periods per year"), max_length=16, choices=PeriodType.choices,
                                   default=PeriodType.BIMESTRE)
    school_days = models.JSONField(_("school days (ISO weekdays)"), default=_default_school_days)
    notification_channels = models.JSONField(_("notification channels"), default=_default_channels)
    consecutive_absences_alert = models.PositiveSmallIntegerField(
        _("alert after consecutive absences"), default=3, validators=[MinValueValidator(1)])
    absence_rate_alert_percent = models.DecimalField(
        _("alert at absence rate (%)"), max_digits=5, decimal_places=2, default=Decimal("30"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))])
    performance_drop_threshold = models.DecimalField(
        _("alert at a drop of (points)"), max_digits=5, decimal_places=2, default=Decimal("3"),
        validators=[MinValueValidator(Decimal("0.01"))])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("institution configuration")
        verbose_name_plural = _("institution configurations")

    def __str__(self) -> str:
        return str(_("Configuration of %(name)s") % {"name": self.institution.name})


class GradingScale(models.Model):
    """The grading scale an institution uses at one level."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="grading_scales",
                                    verbose_name=_("institution"))
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=ScaleKind.choices)
    pass_mark = models.DecimalField(_("pass mark"), max_digits=6, decimal_places=2, null=True, blank=True,
                                    help_text=_("Numeric scales only (default 11 on 0–20, 60 on 0–100)."))
    pass_literal = models.CharField(_("lowest passing letter"), max_length=2, default="A",
                                    choices=[(v, v) for v in LITERAL_VALUES])
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=0, validators=[MaxValueValidator(2)])

    class Meta:
        verbose_name = _("grading scale")
        verbose_name_plural = _("grading scales")
        ordering = ["institution_id", "level"]
        constraints = [models.UniqueConstraint(fields=["institution", "level"], name="grading_scale_level_unique")]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.get_kind_display()}"


class CalendarYear(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="calendar_years",
                                    verbose_name=_("institution"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    period_type = models.CharField(_("periods per year"), max_length=16, choices=PeriodType.choices)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["institution_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "year"], name="calendar_year_unique"),
            models.CheckConstraint(condition=models.Q(end_date__gt=models.F("start_date")),
                                   name="calendar_year_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.year} ({self.institution.code})"


class Period(models.Model):
    """A numbered grading period (bimestre or trimestre) of a calendar year."""

    calendar_year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="periods",
                                      verbose_name=_("calendar year"))
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    name = models.CharField(_("name"), max_length=64)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["calendar_year_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["calendar_year", "number"], name="period_number_unique"),
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                   name="period_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.calendar_year.year}"


class Holiday(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="holidays",
                                    verbose_name=_("institution"))
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["institution_id", "date"]
        constraints = [models.UniqueConstraint(fields=["institution", "date"], name="holiday_date_unique")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"
