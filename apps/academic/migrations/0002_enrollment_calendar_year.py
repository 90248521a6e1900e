from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("academic", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrollment",
            name="year",
            field=models.PositiveSmallIntegerField(
                null=True, verbose_name="calendar year",
                help_text="The academic year's calendar year: one open enrollment per student and year across every "
                          "school."),
        ),
    ]
