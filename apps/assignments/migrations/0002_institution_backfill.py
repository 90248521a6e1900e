"""Every assignments row names its school: fill `institution_id` (nullable until now) on teacher
assignments, schedule blocks and teacher workloads where it is missing. 0003 then makes it required.

The school comes from the rows themselves first (another assignment of the same section; a block's
assignment; a workload's assignments of the same teacher and year), and is asked through academic's
contract only for what is left. A workload row whose school cannot be found and that counts no
minutes is a stale projection and is dropped (it is rebuilt from the blocks at the next booking).
A fresh database has nothing to fill and calls no contract."""

from django.db import migrations


class Unresolved(RuntimeError):
    pass


def _section_school(TeacherAssignment, section_id, cache):
    if section_id not in cache:
        school = (TeacherAssignment.objects.filter(section_id=section_id, institution_id__isnull=False)
                  .values_list("institution_id", flat=True).first())
        if school is None:
            from apps.academic import contracts as academic
            from common.tenancy import SYSTEM

            section = academic.get_section(scope=SYSTEM, section_id=section_id)
            school = section.institution_id if section is not None else None
        cache[section_id] = school
    return cache[section_id]


def backfill(apps, schema_editor):
    TeacherAssignment = apps.get_model("assignments", "TeacherAssignment")
    ScheduleBlock = apps.get_model("assignments", "ScheduleBlock")
    TeacherWorkload = apps.get_model("assignments", "TeacherWorkload")
    unresolved: list[str] = []
    sections: dict = {}

    for section_id in set(TeacherAssignment.objects.filter(institution_id__isnull=True)
                          .values_list("section_id", flat=True)):
        school = _section_school(TeacherAssignment, section_id, sections)
        if school is None:
            unresolved.append(f"assignments of section {section_id}")
            continue
        TeacherAssignment.objects.filter(section_id=section_id, institution_id__isnull=True).update(
            institution_id=school)

    for block in ScheduleBlock.objects.filter(institution_id__isnull=True).select_related("assignment"):
        school = block.assignment.institution_id or _section_school(TeacherAssignment, block.section_id, sections)
        if school is None:
            unresolved.append(f"schedule block {block.pk}")
            continue
        ScheduleBlock.objects.filter(pk=block.pk).update(institution_id=school)

    for row in TeacherWorkload.objects.filter(institution_id__isnull=True):
        school = (TeacherAssignment.objects.filter(teacher_id=row.teacher_id, academic_year_id=row.academic_year_id,
                                                   institution_id__isnull=False)
                  .order_by("-is_active", "-id").values_list("institution_id", flat=True).first())
        if school is not None:
            TeacherWorkload.objects.filter(pk=row.pk).update(institution_id=school)
        elif row.weekly_minutes == 0:
            row.delete()
        else:
            unresolved.append(f"teacher workload {row.pk}")

    if unresolved:
        raise Unresolved("assignments rows whose school cannot be found (their section no longer exists): "
                         + "; ".join(unresolved) + ". Fix or delete them, then migrate again.")


class Migration(migrations.Migration):

    dependencies = [
        ("assignments", "0001_initial"),
        # academic's contract is asked for what the rows do not tell (only on a database that has such rows)
        ("academic", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
