"""Every grades row names its school: add `institution_id` to evaluation plans and performance
alerts, and fill it (and the one of grade records and period closures, nullable until now) where
it is missing. 0003 then makes the column required.

The school comes from the row's own data first (a plan's or closure's period, a record's section,
an alert's grade record), asked through the owning context's contract only for what is left. A
fresh database has nothing to fill and calls no contract."""

from django.db import migrations, models


class Unresolved(RuntimeError):
    pass


def _period_school(period_id, cache):
    if period_id not in cache:
        from apps.institution import contracts as institution

        period = institution.get_period(period_id=period_id)
        cache[period_id] = period.institution_id if period is not None else None
    return cache[period_id]


def _section_school(section_id, cache):
    if section_id not in cache:
        from apps.academic import contracts as academic
        from common.tenancy import SYSTEM

        section = academic.get_section(scope=SYSTEM, section_id=section_id)
        cache[section_id] = section.institution_id if section is not None else None
    return cache[section_id]


def backfill(apps, schema_editor):
    GradeRecord = apps.get_model("grades", "GradeRecord")
    EvaluationPlan = apps.get_model("grades", "EvaluationPlan")
    PeriodClosure = apps.get_model("grades", "PeriodClosure")
    PerformanceAlert = apps.get_model("grades", "PerformanceAlert")
    unresolved: list[str] = []
    periods: dict = {}
    sections: dict = {}

    # Grade records: a sibling record of the same section already knows the school.
    for section_id in set(GradeRecord.objects.filter(institution_id__isnull=True).values_list("section_id", flat=True)):
        school = (GradeRecord.objects.filter(section_id=section_id, institution_id__isnull=False)
                  .values_list("institution_id", flat=True).first()) or _section_school(section_id, sections)
        if school is None:
            unresolved.append(f"grade records of section {section_id}")
            continue
        GradeRecord.objects.filter(section_id=section_id, institution_id__isnull=True).update(institution_id=school)

    for model, label in ((EvaluationPlan, "evaluation plans"), (PeriodClosure, "period closures")):
        for period_id in set(model.objects.filter(institution_id__isnull=True).values_list("period_id", flat=True)):
            school = (GradeRecord.objects.filter(period_id=period_id).values_list("institution_id", flat=True).first()
                      or _period_school(period_id, periods))
            if school is None:
                unresolved.append(f"{label} of period {period_id}")
                continue
            model.objects.filter(period_id=period_id, institution_id__isnull=True).update(institution_id=school)

    for alert in PerformanceAlert.objects.filter(institution_id__isnull=True):
        school = (GradeRecord.objects.filter(student_id=alert.student_id, period_id=alert.period_id,
                                             section_id=alert.section_id)
                  .values_list("institution_id", flat=True).first()) or _section_school(alert.section_id, sections)
        if school is None:
            unresolved.append(f"performance alert {alert.pk}")
            continue
        PerformanceAlert.objects.filter(pk=alert.pk).update(institution_id=school)

    if unresolved:
        raise Unresolved("grades rows whose school cannot be found (their section or period no longer exists): "
                         + "; ".join(unresolved) + ". Fix or delete them, then migrate again.")


class Migration(migrations.Migration):

    dependencies = [
        ("grades", "0001_initial"),
        # the contracts asked for what the rows do not tell (only on a database that has such rows)
        ("academic", "0001_initial"),
        ("institution", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluationplan",
            name="institution_id",
            field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="institution"),
        ),
        migrations.AddField(
            model_name="performancealert",
            name="institution_id",
            field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="institution"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
