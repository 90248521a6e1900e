from django.db import migrations


def load_templates(apps, schema_editor):
    from apps.notifications.seed_templates import load

    load(apps.get_model("notifications", "NotificationTemplate"))  # adds the missing ones (loan_overdue)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_message_bulk_institution_backfill")]

    operations = [migrations.RunPython(load_templates, migrations.RunPython.noop)]
