"""Every attendance row a school reads names its school: add `institution_id` to justifications
and pattern alerts and fill it (and the one of attendance records, nullable until now) where it is
missing. 0003 then makes the column required.

The school comes from the rows themselves first (a record of the same section; a justification's
or alert's student's records), asked through academic's contract only for what is left. A fresh
database has nothing to fill and calls no contract."""

from django.db import migrations, models


class Unresolved(RuntimeError):
    pass


def _section_school(AttendanceRecord, section_id, cache):
    if section_id is None:
        return None
    if section_id not in cache:
        school = (AttendanceRecord.objects.filter(section_id=section_id, institution_id__isnull=False)
                  .values_list("institution_id", flat=True).first())
        if school is None:
            from apps.academic import contracts as academic
            from common.tenancy import SYSTEM

            section = academic.get_section(scope=SYSTEM, section_id=section_id)
            school = section.institution_id if section is not None else None
        cache[section_id] = school
    return cache[section_id]


def backfill(apps, schema_editor):
    AttendanceRecord = apps.get_model("attendance", "AttendanceRecord")
    Justification = apps.get_model("attendance", "Justification")
    PatternAlert = apps.get_model("attendance", "PatternAlert")
    unresolved: list[str] = []
    sections: dict = {}

    for section_id in set(AttendanceRecord.objects.filter(institution_id__isnull=True)
                          .values_list("section_id", flat=True)):
        school = _section_school(AttendanceRecord, section_id, sections)
        if school is None:
            unresolved.append(f"attendance records of section {section_id}")
            continue
        AttendanceRecord.objects.filter(section_id=section_id, institution_id__isnull=True).update(
            institution_id=school)

    for model, label in ((Justification, "justification"), (PatternAlert, "pattern alert")):
        for row in model.objects.filter(institution_id__isnull=True):
            school = _section_school(AttendanceRecord, row.section_id, sections) or (
                AttendanceRecord.objects.filter(student_id=row.student_id).order_by("-date")
                .values_list("institution_id", flat=True).first())
            if school is None:
                unresolved.append(f"{label} {row.pk}")
                continue
            model.objects.filter(pk=row.pk).update(institution_id=school)

    if unresolved:
        raise Unresolved("attendance rows whose school cannot be found (their section no longer exists): "
                         + "; ".join(unresolved) + ". Fix or delete them, then migrate again.")


class Migration(migrations.Migration):

    dependencies = [
        ("attendance", "0001_initial"),
        # academic's contract is asked for what the rows do not tell (only on a database that has such rows)
        ("academic", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="justification",
            name="institution_id",
            field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="institution"),
        ),
        migrations.AddField(
            model_name="patternalert",
            name="institution_id",
            field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="institution"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
