"""Every message and bulk send names its school where it has one: fill the `institution_id` added by 0003.

- A message about a student (welcome, absence, alerts) is of the student's school; any other message is of
  its recipient's school.
- A bulk send to a section is of the section's school; a bulk send to people is of their common school,
  else of the school of whoever requested it; its messages without a school take the bulk's.

The schools are asked through the owning contexts' contracts (users, academic) with the system scope. A
person of no school (network staff) leaves the column empty: such rows are seen network-wide only. A fresh
database has nothing to fill and calls no contract."""

from django.db import migrations


def _people_schools(user_ids, cache):
    missing = [uid for uid in set(user_ids) if uid not in cache]
    if missing:
        from apps.users import contracts as users
        from common.tenancy import SYSTEM

        found = users.get_users(scope=SYSTEM, user_ids=missing)
        for uid in missing:
            person = found.get(uid)
            cache[uid] = person.institution_id if person is not None else None
    return cache


def _section_school(section_id, cache):
    if section_id not in cache:
        from apps.academic import contracts as academic
        from common.tenancy import SYSTEM

        section = academic.get_section(scope=SYSTEM, section_id=section_id)
        cache[section_id] = section.institution_id if section is not None else None
    return cache[section_id]


def backfill(apps, schema_editor):
    Message = apps.get_model("notifications", "Message")
    BulkSend = apps.get_model("notifications", "BulkSend")
    people: dict = {}
    sections: dict = {}

    for bulk in BulkSend.objects.filter(institution_id__isnull=True).iterator():
        school = None
        if bulk.section_id is not None:
            school = _section_school(bulk.section_id, sections)
        else:
            ids = [int(uid) for uid in bulk.recipient_user_ids or []]
            _people_schools([*ids, bulk.requested_by_id], people)
            schools = {people.get(uid) for uid in ids}
            school = schools.pop() if len(schools) == 1 else None
            school = school if school is not None else people.get(bulk.requested_by_id)
        if school is not None:
            BulkSend.objects.filter(pk=bulk.pk).update(institution_id=school)
            Message.objects.filter(bulk_id=bulk.pk, institution_id__isnull=True).update(institution_id=school)

    pending = Message.objects.filter(institution_id__isnull=True)
    for student_id in set(pending.exclude(student_id=None).values_list("student_id", flat=True)):
        school = _people_schools([student_id], people).get(student_id)
        if school is not None:
            pending.filter(student_id=student_id).update(institution_id=school)
    for recipient_id in set(Message.objects.filter(institution_id__isnull=True)
                            .values_list("recipient_user_id", flat=True)):
        school = _people_schools([recipient_id], people).get(recipient_id)
        if school is not None:
            Message.objects.filter(institution_id__isnull=True, recipient_user_id=recipient_id).update(
                institution_id=school)


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0003_message_bulk_institution"),
        # the contracts asked for the schools (only on a database that has rows to fill)
        ("users", "0002_usercodecounter_guardianlink_notify_inapp_and_more"),
        ("academic", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
