"""What school B owns, and a fingerprint of it that one SQL statement computes.

A row belongs to B when it carries B's institution, points (foreign key) at a row of B, names one
of B's rows in a cross-context id column (`student_id`, `section_id`, `*_by_id`...), or is a saga
about B's student or section. The fingerprint hashes, per table, every such row (B's rows when the
world was built, plus any row that references B now): a probe that changed, deleted or created
anything of B changes it.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, models

from events.saga.models import SagaInstance, SagaStep

# A cross-context id column (attname) → the model whose rows it names.
COLUMN_TARGETS: dict[str, str] = {
    "institution_id": "institution.Institution", "student_id": "users.User", "teacher_id": "users.User",
    "guardian_id": "users.User", "tutor_id": "users.User", "user_id": "users.User", "recipient_user_id": "users.User",
    "section_id": "academic.Section", "course_id": "academic.Course", "academic_year_id": "academic.AcademicYear",
    "enrollment_id": "academic.Enrollment", "period_id": "institution.Period", "campus_id": "institution.Campus",
}


def owned_models() -> list[type[models.Model]]:
    labels = {app.rsplit(".", 1)[-1] for app in settings.CONTEXT_APPS}
    found = [m for m in apps.get_models() if m._meta.app_config.name in settings.CONTEXT_APPS
             or m._meta.app_label in labels]
    found += [SagaInstance, SagaStep]
    return [m for m in found if m._meta.managed and not m._meta.proxy]


def _target(model: type[models.Model], field: models.Field) -> str | None:
    if field.is_relation and field.many_to_one:
        return field.related_model._meta.label
    if field.attname in COLUMN_TARGETS:
        return COLUMN_TARGETS[field.attname]
    if field.attname.endswith("_by_id"):
        return "users.User"
    return None


def references(model: type[models.Model], owned: dict[str, set]) -> models.Q:
    """Rows of `model` that name one of the `owned` rows (label → pks)."""
    q = models.Q(pk__in=[])
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        target = _target(model, field)
        if target and owned.get(target):
            q |= models.Q(**{f"{field.attname}__in": sorted(owned[target])})
    if model is SagaInstance:
        for key, target in (("student_id", "users.User"), ("section_id", "academic.Section")):
            if owned.get(target):
                q |= models.Q(**{f"data__{key}__in": sorted(owned[target])})
    return q


def rows_of_school(institution_id: int) -> dict[str, set]:
    """Every row that belongs to the school, by model label (a fixpoint over the references)."""
    owned: dict[str, set] = {"institution.Institution": {institution_id}}
    for _round in range(6):
        changed = False
        for model in owned_models():
            label = model._meta.label
            pks = set(model.objects.filter(references(model, owned)).values_list("pk", flat=True))
            pks |= owned.get(label, set())
            if pks != owned.get(label, set()):
                owned[label] = pks
                changed = True
        if not changed:
            break
    return owned


class Fingerprint:
    """`take()` → {table: md5 of B's rows}: one SQL statement over every owned table."""

    def __init__(self, owned: dict[str, set]):
        parts, params = [], []
        for model in owned_models():
            label = model._meta.label
            condition = models.Q(pk__in=sorted(owned.get(label, ()))) | references(model, owned)
            try:
                inner_sql, inner_params = model.objects.filter(condition).values("pk").query.sql_with_params()
            except EmptyResultSet:  # no row of B and no column that could name one
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(model._meta.pk.column)
            parts.append(f"SELECT %s AS label, COUNT(*) AS n, md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) "
                         f"AS digest FROM {table} t WHERE t.{pk} IN ({inner_sql})")
            params += [label, *inner_params]
        self.sql = " UNION ALL ".join(parts)
        self.params = params

    def take(self) -> dict[str, tuple[int, str]]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            return {label: (n, digest) for label, n, digest in cursor.fetchall()}


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(f"{label} ({before.get(label, (0,))[0]}→{after.get(label, (0,))[0]} rows)"
                  for label in set(before) | set(after) if before.get(label) != after.get(label))
