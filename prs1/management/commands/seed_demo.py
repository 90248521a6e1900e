"""Load a small, living demo school. Idempotent: running it twice changes nothing.

Each context contributes its part in `apps/<context>/demo.py`:

    def seed(school: dict) -> None

called in dependency order with one shared dict in which each context leaves the ids the
next ones need (see DEMO_KEYS). The admin account is created last and its login printed.
"""

from importlib import import_module, util

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

# Keys contexts leave in `school` for later ones (all ids are primary keys):
DEMO_KEYS = {
    "institution_id": "institution", "campus_id": "institution", "period_ids": "institution (current year)",
    "year": "institution (int, e.g. 2026)", "admin_id": "users", "director_id": "users", "teacher_ids": "users",
    "student_ids": "users", "guardian_ids": "users", "academic_year_id": "academic", "section_ids": "academic",
    "course_ids": "academic", "enrollment_ids": "academic",
    "applicant_ids": "users (students not yet enrolled: the enrollment demo runs the saga for them)",
}

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "prs1-admin-2026"


class Command(BaseCommand):
    help = "Load the demo school (institution, people, sections, timetables, grades, absences, notifications)."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args, no_progress: bool = False, **options):
        steps = [app for app in settings.CONTEXT_APPS if util.find_spec(f"{app}.demo") is not None]
        school: dict = {}
        bar = tqdm(steps, desc="seed_demo", unit="context", disable=no_progress, file=self.stderr._out)
        for app in bar:
            bar.set_postfix_str(app.rsplit(".", 1)[-1])
            with transaction.atomic():
                import_module(f"{app}.demo").seed(school)
        self._ensure_admin(school)
        self.stdout.write(self.style.SUCCESS("Demo school ready."))
        self.stdout.write(f"  Admin: http://127.0.0.1:8000/admin/   user: {ADMIN_USERNAME}   password: {ADMIN_PASSWORD}")
        self.stdout.write("  API docs: http://127.0.0.1:8000/api/docs/   integration: /api/v1/integration/docs")

    def _ensure_admin(self, school: dict) -> None:
        User = get_user_model()
        admin = User.objects.filter(username=ADMIN_USERNAME).first()
        if admin is None:
            admin = User.objects.create_superuser(
                username=ADMIN_USERNAME, email="admin@prs1.local", password=ADMIN_PASSWORD,
                first_name="Admin", last_name="PRS1", user_type="ADMIN", institution_id=school.get("institution_id"),
            )
        school["admin_id"] = admin.pk
