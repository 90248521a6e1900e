"""A deployment's end state, read straight from its databases and normalised by natural keys (a
student's username, a course's code, a period's year and number), so that two deployments that did
the same thing compare equal although their ids, timestamps and UUIDs differ."""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.db import models

from tests.split.harness import Deployment

# Rows compared between deployments, as (app label, model name).
COMPARED = (("academic", "Enrollment"), ("grades", "GradeRecord"), ("attendance", "StudentAttendanceProfile"),
            ("attendance", "AttendanceRecord"), ("notifications", "Message"), ("sagas", "SagaInstance"),
            ("sagas", "SagaStep"))
# Columns that differ between two equal runs by nature (keys derived from ids, correlation ids, leases).
EXCLUDED = {"idempotency_key", "provider_message_id", "correlation_id", "lease_owner", "code"}
USER_COLUMNS = {"student_id", "recipient_user_id", "tutor_id", "marked_by_id", "recorded_by_id", "actor_id",
                "guardian_id"}
ENROLLMENT_CODE = re.compile(r"ENR-\d{4}-\d{6}")


def model(label: str, name: str) -> type[models.Model]:
    return apps.get_model(label, name)


def context_of(model_class: type[models.Model]) -> str:
    name = apps.get_app_config(model_class._meta.app_label).name
    parts = name.split(".")
    return parts[1] if parts[0] == "apps" else "events"


def rows(deployment: Deployment, model_class: type[models.Model], where: str = "") -> list[dict]:
    database = deployment.database_of(context_of(model_class))
    return deployment.query(database, f'SELECT * FROM "{model_class._meta.db_table}" {where}')


class NaturalKeys:
    """Maps of ids to natural keys, read from the deployment's monolith database."""

    def __init__(self, deployment: Deployment) -> None:
        def by_id(label, name, key) -> dict:
            return {row["id"]: key(row) for row in rows(deployment, model(label, name))}

        self.maps: dict[str, dict] = {
            "users": by_id("users", "User", lambda r: r["username"]),
            "section_id": by_id("academic", "Section", lambda r: r["name"]),
            "course_id": by_id("academic", "Course", lambda r: r["code"]),
            "period_id": by_id("institution", "Period", lambda r: f"period {r['number']}"),
            "institution_id": by_id("institution", "Institution", lambda r: r["code"]),
        }
        enrollments = rows(deployment, model("academic", "Enrollment"))
        self.maps["enrollment_id"] = {r["id"]: f"enrollment of {self.maps['users'][r['student_id']]}"
                                      for r in enrollments}
        self.codes = {r["code"]: f"enrollment of {self.maps['users'][r['student_id']]}" for r in enrollments if r["code"]}
        self.maps["saga_id"] = {str(r["id"]): f"saga of {self.maps['users'].get(r['data'].get('student_id'))}"
                                for r in rows(deployment, model("sagas", "SagaInstance"))}

    def value(self, column: str, value: Any) -> Any:
        if value is None:
            return None
        if column in USER_COLUMNS:
            return self.maps["users"].get(value, f"unknown user {value}")
        if column == "saga_id":  # a UUID in the saga tables, its text in the enrollment's column
            value = str(value)
        if column in self.maps:
            return self.maps[column].get(value, f"unknown {column} {value}")
        if isinstance(value, str):
            return ENROLLMENT_CODE.sub(lambda m: self.codes.get(m.group(0), m.group(0)), value)
        if isinstance(value, dict):
            return {k: self._json(k, v) for k, v in value.items()}
        return value

    def _json(self, key: str, value: Any) -> Any:
        if key.endswith("_ids") and isinstance(value, list):
            return len(value)  # e.g. welcome_message_ids: how many, not which
        if key == "enrollment_code":
            return self.codes.get(value, value)
        return self.value(key, value)


def normalised(deployment: Deployment, keys: NaturalKeys, model_class: type[models.Model]) -> list[dict]:
    result = []
    for row in rows(deployment, model_class):
        item = {}
        for field in model_class._meta.concrete_fields:
            if field.primary_key or field.attname in EXCLUDED or isinstance(field, models.DateTimeField | models.UUIDField):
                continue
            item[field.attname] = keys.value(field.attname, row[field.column])
        result.append(item)
    return sorted(result, key=repr)


def end_state(deployment: Deployment) -> dict[str, list[dict]]:
    keys = NaturalKeys(deployment)
    state = {f"{label}.{name}": normalised(deployment, keys, model(label, name)) for label, name in COMPARED}
    inbox = model("events", "InboxDelivery")
    handled: dict[str, int] = {}
    for group in deployment.groups.values():
        for row in deployment.query(group.database, f'SELECT handler, count(*) AS n FROM "{inbox._meta.db_table}" '
                                                    "GROUP BY handler"):
            handled[row["handler"]] = handled.get(row["handler"], 0) + row["n"]
    state["events.InboxDelivery"] = sorted(handled.items())
    state["smtp"] = sorted((tuple(m["to"]), m["subject"]) for m in deployment.smtp.messages)
    return state


def enrolled_handlers() -> list[str]:
    from events.bus import handlers_for

    return [h.name for h in handlers_for("student.enrolled")]


def quiet(deployment: Deployment, completed: int) -> bool:
    """Everything the completed sagas set going has happened: every student.enrolled subscriber ran
    (in whichever process hosts it) and no message is still waiting to be sent."""
    inbox = model("events", "InboxDelivery")
    handlers = enrolled_handlers()
    done = 0
    for group in deployment.groups.values():
        done += deployment.query(group.database, f'SELECT count(*) AS n FROM "{inbox._meta.db_table}" '
                                                 "WHERE handler = ANY(%s)", (handlers,))[0]["n"]
    message = model("notifications", "Message")
    pending = deployment.query(deployment.database_of("notifications"),
                               f'SELECT count(*) AS n FROM "{message._meta.db_table}" '
                               "WHERE status IN ('REQUESTED', 'SENDING', 'RETRYING')")[0]["n"]
    return done >= completed * len(handlers) and pending == 0
