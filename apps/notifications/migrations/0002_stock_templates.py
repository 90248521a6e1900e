from django.db import migrations


def load_templates(apps, schema_editor):
    from apps.notifications.seed_templates import load

    load(apps.get_model("notifications", "NotificationTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(load_templates, migrations.RunPython.noop)]
