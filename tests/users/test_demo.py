import time
from datetime import date

import pytest

from apps.institution import demo as institution_demo
from apps.institution.models import Holiday, Period
from apps.users import demo as users_demo
from apps.users.models import GuardianLink, User
from events.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_demo_school_is_complete_fast_and_idempotent():
    school: dict = {}
    started = time.monotonic()
    institution_demo.seed(school)
    users_demo.seed(school)
    assert time.monotonic() - started < 5

    year = date.today().year
    assert school["year"] == year and len(school["period_ids"]) == 4
    periods = list(Period.objects.filter(pk__in=school["period_ids"]).order_by("number"))
    assert periods[0].start_date == date(year, 1, 1) and periods[-1].end_date == date(year, 12, 31)
    assert Holiday.objects.filter(institution_id=school["institution_id"]).count() >= 3
    assert len(school["teacher_ids"]) == 6 and len(school["student_ids"]) == 40
    assert User.objects.get(pk=school["director_id"]).user_type == "DIRECTOR"
    people = User.objects.filter(institution_id=school["institution_id"])
    assert {"SECRETARY", "AUXILIARY", "PSYCHOLOGIST"} <= set(people.values_list("user_type", flat=True))
    assert all(u.code.startswith(f"USR-{year}-") for u in people)
    assert all(u.phone == "" or u.phone.startswith("+51") for u in people)
    assert people.get(username="docente1").check_password(users_demo.DEMO_PASSWORD)

    per_student = {sid: GuardianLink.objects.filter(student_id=sid).count() for sid in school["student_ids"]}
    assert set(per_student.values()) <= {1, 2} and 2 in per_student.values()
    shared = [g for g in school["guardian_ids"] if GuardianLink.objects.filter(guardian_id=g).count() > 1]
    assert shared, "some siblings share a guardian"
    assert OutboxEvent.objects.filter(event_type="user.created").count() == people.count()

    again: dict = {}
    institution_demo.seed(again)
    users_demo.seed(again)
    assert again == school
    assert User.objects.count() == people.count() and Period.objects.count() == 4
