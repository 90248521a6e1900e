# Messages and bulk sends name their school (nullable: a person of no school has none); 0004 fills it.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0002_stock_templates"),
    ]

    operations = [
        migrations.AddField(
            model_name='bulksend',
            name='institution_id',
            field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name='institution'),
        ),
        migrations.AddField(
            model_name='message',
            name='institution_id',
            field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name='institution'),
        ),
    ]
