"""manage.py import_people FILE --institution ID [--dry-run]: students and guardians from CSV/XLSX."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.institution import contracts as institution_contracts
from apps.users.importing import COLUMNS, UnreadableFile, import_people, load_dataset


class Command(BaseCommand):
    help = ("Import students and their guardians from a CSV or XLSX file. All or nothing: a file with any bad "
            f"row imports nothing and every bad row is reported. Columns: {', '.join(COLUMNS)}.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .csv (UTF-8) or .xlsx file.")
        parser.add_argument("--institution", type=int, help="Institution id (default: the only institution).")
        parser.add_argument("--dry-run", action="store_true", help="Validate every row and import nothing.")

    def handle(self, *args, file: str, institution: int | None = None, dry_run: bool = False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        institution_id = institution or self._only_institution()
        if institution_contracts.get_institution(institution_id=institution_id) is None:
            raise CommandError(f"unknown institution {institution_id}")
        try:
            dataset = load_dataset(path.read_bytes(), path.name)
        except UnreadableFile as exc:
            raise CommandError(str(exc)) from exc
        report = import_people(dataset=dataset, institution_id=institution_id, dry_run=dry_run)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(report.errors)} error(s) in {report.rows} row(s); nothing was imported")
        verb = "would import" if dry_run else "imported"
        self.stdout.write(self.style.SUCCESS(
            f"{verb} {report.students_created} student(s), {report.guardians_created} new guardian(s) "
            f"({report.guardians_reused} reused), {report.links_created} link(s) from {report.rows} row(s)"))

    def _only_institution(self) -> int:
        institutions = institution_contracts.list_institutions()
        if len(institutions) != 1:
            raise CommandError("say which institution with --institution ID")
        return institutions[0].id
